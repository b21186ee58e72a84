// The media and call controls: microphone / camera toggles (in the preview and in the call),
// the mentor's screen share (replaceTrack on every connection, no renegotiation), a lecture
// learner's raised hand, and Leave.

const TOGGLE_LABELS = {
  audio: { on: ["Mute microphone", "Mute"], off: ["Unmute microphone", "Unmute"] },
  video: { on: ["Turn camera off", "Stop video"], off: ["Turn camera on", "Start video"] },
};

export function createControls(room) {
  const { ui, state, kit, root, isMentor, media, config } = room;

  function paintToggles() {
    const lectureListener = state.mode === "lecture" && !isMentor && state.inCall;
    root.querySelectorAll("[data-toggle]").forEach((button) => {
      const kind = button.dataset.toggle;
      const available = kind === "audio" ? Boolean(media.mic) : Boolean(media.camera);
      const on = available && (kind === "audio" ? media.audioOn : media.videoOn);
      button.dataset.on = String(on);
      button.setAttribute("aria-pressed", String(!on));
      button.disabled = !available || lectureListener;
      // In a lecture, learners only watch: no mic / camera controls in the call.
      if (button.hasAttribute("data-call-toggle")) button.hidden = lectureListener;
      const [label, short] = TOGGLE_LABELS[kind][on ? "on" : "off"];
      button.setAttribute("aria-label", label);
      const text = button.querySelector("[data-toggle-label]");
      if (text) text.textContent = short;
    });
  }

  function toggleMedia(kind) {
    if (kind === "audio") media.setAudio(!media.audioOn);
    else media.setVideo(!media.videoOn);
    paintToggles();
    room.prejoin.paintPreview();
    room.mesh?.broadcastState();
    const on = kind === "audio" ? media.audioOn : media.videoOn;
    const said = kind === "audio" ? (on ? "Microphone on" : "Microphone muted") : on ? "Camera on" : "Camera off";
    kit.toast(said, { kind: "info", duration: 2000 });
  }

  root.addEventListener("click", (event) => {
    const toggle = event.target.closest?.("[data-toggle]");
    if (toggle && !toggle.disabled) toggleMedia(toggle.dataset.toggle);
  });

  function paintCallControls() {
    if (ui.hand) {
      ui.hand.hidden = !(state.mode === "lecture" && !isMentor);
      ui.hand.dataset.on = String(state.handRaised);
      ui.hand.setAttribute("aria-pressed", String(state.handRaised));
      ui.hand.querySelector("[data-hand-label]").textContent = state.handRaised ? "Lower hand" : "Raise hand";
    }
    if (ui.share) {
      ui.share.dataset.on = String(state.sharing);
      ui.share.setAttribute("aria-pressed", String(state.sharing));
      ui.share.querySelector("[data-share-label]").textContent = state.sharing ? "Stop sharing" : "Share screen";
    }
  }

  async function startSharing() {
    ui.share.disabled = true;
    try {
      const track = await media.startScreen(() => stopSharing());
      state.sharing = true;
      await room.mesh?.replaceTrack("video", track);
      room.mesh?.broadcastState();
      kit.toast("You are sharing your screen", { kind: "success" });
    } catch (error) {
      if (error && error.name !== "NotAllowedError" && error.name !== "AbortError") {
        kit.toast(`Screen sharing failed: ${error.message || error.name}`, { kind: "error" });
      } else {
        kit.toast("Screen sharing was not started", { kind: "info" });
      }
    } finally {
      ui.share.disabled = false;
      paintCallControls();
      room.prejoin.paintPreview();
    }
  }

  async function stopSharing({ quiet = false } = {}) {
    if (!state.sharing) return;
    state.sharing = false;
    const camera = media.stopScreen();
    await room.mesh?.replaceTrack("video", camera);
    room.mesh?.broadcastState();
    paintCallControls();
    room.prejoin.paintPreview();
    if (!quiet) kit.toast("Screen sharing stopped — back to your camera", { kind: "info" });
  }

  ui.share?.addEventListener("click", () => (state.sharing ? stopSharing() : startSharing()));

  ui.hand?.addEventListener("click", () => {
    room.signaling.act({ type: "hand", raised: !state.handRaised });
  });

  ui.leave.addEventListener("click", () => {
    state.leaving = true;
    room.teardown();
    kit.toast("You left the call", { kind: "info" });
    location.assign(config.dashboardUrl);
  });

  return { paintToggles, paintCallControls, stopSharing };
}
