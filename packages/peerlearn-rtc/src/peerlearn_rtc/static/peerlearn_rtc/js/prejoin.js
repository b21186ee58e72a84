// The pre-join screen: the camera preview, the camera / microphone pickers, and the buttons that
// talk to the room before the call: Ready to Join (flips to "Not ready"), the mentor's Start Call
// (once everyone is ready), and Decline/Leave (a learner leaves; the mentor, after a confirm,
// cancels the session for everyone). Buttons waiting for the server use the kit's busy state.
import { formatTime } from "../../peerlearn_core/js/format.js";
import { endBusy, startBusy, whileBusy } from "../../peerlearn_core/js/kit/busy.js";
import { attach, el } from "./dom.js";

const READY_LABEL = "Ready to Join";
const UNREADY_LABEL = "Not ready";
const ANSWER_WAIT_MS = 5000; // a button waiting for the server gives up after this

const DEVICE_WORDS = {
  audioinput: { kind: "audio", none: "No microphone found", each: "Microphone" },
  videoinput: { kind: "video", none: "No camera found", each: "Camera" },
};

export function createPrejoin(room) {
  const { ui, state, kit, root, config, isMentor, media } = room;
  let readyTimer = null;
  let readyLabel = READY_LABEL; // what the button says (or is flipping to)

  // ---------------------------------------------------------------- preview and devices

  function paintPreview() {
    const hasVideo = Boolean(media.screen || media.camera);
    const off = !hasVideo || (!state.sharing && !media.videoOn);
    ui.previewOff.hidden = !off;
    ui.previewOffText.textContent = !hasVideo ? "No camera" : "Your camera is off";
    ui.preview.classList.toggle("-scale-x-100", !state.sharing);
    const self = room.tiles.tileOf("self");
    if (self) room.tiles.paint(self, { audio: media.audioOn && Boolean(media.mic), video: !off, sharing: state.sharing });
  }

  async function fillDevices() {
    let lists;
    try {
      lists = await media.devices();
    } catch {
      return;
    }
    root.querySelectorAll("select[data-device]").forEach((select) => {
      const words = DEVICE_WORDS[select.dataset.device];
      const devices = lists[select.dataset.device] || [];
      const current = media.currentDevice(words.kind);
      select.replaceChildren();
      if (!devices.length) {
        select.appendChild(el("option", "", words.none));
        select.disabled = true;
        return;
      }
      devices.forEach((device, index) => {
        const option = el("option", "", device.label || `${words.each} ${index + 1}`);
        option.value = device.deviceId;
        if (device.deviceId === current) option.selected = true;
        select.appendChild(option);
      });
      select.disabled = false;
    });
  }

  async function startMedia() {
    await media.start();
    ui.mediaError.hidden = !media.error;
    ui.mediaError.textContent = media.error || "";
    if (media.error) kit.toast(media.error, { kind: "error" });
    attach(ui.preview, media.stream);
    paintPreview();
    room.controls.paintToggles();
    await fillDevices();
    root.dataset.media = media.camera || media.mic ? "ready" : "none";
  }

  navigator.mediaDevices?.addEventListener?.("devicechange", () => fillDevices());

  root.addEventListener("change", async (event) => {
    const select = event.target.closest?.("select[data-device]");
    if (!select || !select.value) return;
    const { kind, each } = DEVICE_WORDS[select.dataset.device];
    try {
      const track = await media.switchDevice(kind, select.value);
      if (!(kind === "video" && state.sharing)) await room.mesh?.replaceTrack(kind, track);
      attach(ui.preview, media.stream);
      const self = room.tiles.tileOf("self");
      if (self) attach(self.querySelector("video"), media.stream);
      paintPreview();
      room.controls.paintToggles();
      kit.toast(`${each} switched to ${select.selectedOptions[0]?.textContent || "the new device"}`, { kind: "success" });
    } catch (error) {
      kit.toast(`Could not switch the ${each.toLowerCase()}: ${error.message || error.name}`, { kind: "error" });
      await fillDevices();
    }
  });

  // ---------------------------------------------------------------- ready, start, decline

  function paint() {
    const online = room.online();
    ui.ready.disabled = !online || ui.ready.dataset.busy === "true";
    ui.declines.forEach((button) => (button.disabled = !online || state.declining));
    // The label flips (kit flipY) whenever the server's answer changes our ready state.
    const label = state.ready ? UNREADY_LABEL : READY_LABEL;
    ui.ready.dataset.ready = String(state.ready);
    if (readyLabel !== label) {
      readyLabel = label;
      kit.flip(ui.ready, label);
    }
    if (ui.start) {
      const show = isMentor && state.allReady && !state.callStarted && state.ready;
      ui.start.hidden = !show;
      if (!show) endBusy(ui.start);
    }
    ui.opensAt.hidden = !state.notOpenYet;
    if (state.notOpenYet) ui.opensAt.textContent = `The room opens at ${formatTime(config.opensAt)}`;
    ui.callRunning.hidden = !(state.callStarted && !state.inCall);
    room.chat.setEnabled(online);
  }

  /** The server answered our ready / unready (peer.ready for us). */
  function readyAnswered() {
    clearTimeout(readyTimer);
    endBusy(ui.ready);
  }

  /** The server refused Start Call (not everyone ready, already started): press it again. */
  function startRefused() {
    if (ui.start) endBusy(ui.start);
  }

  ui.ready.addEventListener("click", () => {
    if (!state.peerId || ui.ready.dataset.busy === "true") return;
    const want = !state.ready;
    if (!room.signaling.act({ type: want ? "ready" : "unready" })) return;
    state.wantReady = want;
    startBusy(ui.ready);
    readyTimer = setTimeout(() => {
      endBusy(ui.ready);
      paint();
    }, ANSWER_WAIT_MS);
    paint();
  });

  ui.start?.addEventListener("click", () => {
    if (!state.allReady || state.callStarted || ui.start.dataset.busy === "true") return;
    if (!room.signaling.act({ type: "start" })) return;
    startBusy(ui.start, "Starting…");
    setTimeout(() => {
      if (!state.callStarted) endBusy(ui.start);
    }, ANSWER_WAIT_MS);
  });

  // Decline/Leave: a learner declines and leaves; the mentor cancels the session for everyone
  // (after a confirm). Pre-join for both; in the call the mentor has it as "Cancel session".
  function onDecline() {
    if (!state.peerId || state.declining) return;
    if (isMentor) {
      kit.openModal(ui.cancelModal);
      return;
    }
    if (!room.signaling.act({ type: "decline" })) return;
    state.declining = true;
    paint();
  }
  ui.declines.forEach((button) => button.addEventListener("click", onDecline));

  const cancelConfirm = document.querySelector("[data-cancel-room-confirm]");
  cancelConfirm?.addEventListener("click", async () => {
    if (!state.peerId || cancelConfirm.dataset.busy === "true") return;
    if (!room.signaling.act({ type: "decline" })) return;
    state.declining = true;
    await whileBusy(cancelConfirm, "Cancelling…", () => kit.closeModal(ui.cancelModal));
  });

  return { paint, paintPreview, startMedia, readyAnswered, startRefused };
}
