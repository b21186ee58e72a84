// The live room /room/{id}: pre-join (preview, devices, presence and ready states, Ready to Join,
// Decline/Leave, Start Call), then the call (mesh or lecture over WebRTC, tiles, mute / camera /
// screen share / raise hand, chat, Leave) and the end-of-room overlays.
//
// The server owns the room: every state shown here comes from the /ws/room/{id}/ socket (see the
// contract's room_{session_id} section). Peer connections live in mesh.js, local media in
// media.js. UI pieces (toasts, modal, flip, socket, api) are the kit's, reached through kitReady().
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { initials } from "../../peerlearn_core/js/format.js";
import { icon } from "../../peerlearn_core/js/kit/icon.js";
import { LocalMedia } from "./media.js";
import { Mesh } from "./mesh.js";

const REDIRECT_MS = 3000;
const PING_MS = 25000;
// 4401 not authenticated, 4403 not allowed / closed, 4409 replaced by a newer tab: no reconnect.
// 4000 (pruned as lost) reconnects as a fresh peer, like any other drop.
const NO_RECONNECT = [4401, 4403, 4409];
// The socket's refusals (then it closes 4403): an overlay, then back to the dashboard.
const REFUSALS = {
  forbidden: "You don't have a seat in this session",
  unpaid: "Finish paying for your seat",
  closed: "This session is over",
  not_found: "This session does not exist",
};
// Server errors about signaling races (a candidate to a peer that just left): logged, not toasted.
const QUIET_ERRORS = new Set(["bad_address", "not_started", "lecture"]);

const kit = await kitReady();
const root = document.querySelector("[data-room]");
const configEl = document.getElementById("room-config");
if (root && configEl) main(JSON.parse(configEl.textContent));

function main(config) {
  const me = config.user;
  const isMentor = me.role === "mentor";
  const $ = (selector, scope = document) => scope.querySelector(selector);
  const $$ = (selector, scope = document) => Array.from(scope.querySelectorAll(selector));

  const ui = {
    status: $("[data-room-status]", root),
    statusLabel: $("[data-room-status-label]", root),
    mode: $("[data-room-mode]", root),
    prejoin: $("[data-prejoin]", root),
    preview: $("[data-preview]", root),
    previewOff: $("[data-preview-off]", root),
    previewOffText: $("[data-preview-off-text]", root),
    mediaError: $("[data-media-error]", root),
    opensAt: $("[data-opens-at]", root),
    callRunning: $("[data-call-running]", root),
    ready: $("[data-ready-toggle]", root),
    start: $("[data-start-call]", root),
    declines: $$("[data-decline]", root),
    call: $("[data-call]", root),
    tiles: $("[data-tiles]", root),
    share: $("[data-share]", root),
    hand: $("[data-hand]", root),
    leave: $("[data-leave]", root),
    people: $("[data-people]", root),
    peopleCount: $("[data-people-count]", root),
    peopleEmpty: $("[data-people-empty]", root),
    chatList: $("[data-chat-list]", root),
    chatEmpty: $("[data-chat-empty]", root),
    chatForm: $("[data-chat-form]", root),
    chatInput: $("[data-chat-input]", root),
    chatSend: $('[data-chat-form] [type="submit"]', root),
    overlay: document.querySelector("[data-room-overlay]"),
    cancelModal: document.getElementById("cancel-room-modal"),
  };
  $$("[data-self-initials]", root).forEach((el) => (el.textContent = initials(me.name)));

  const state = {
    peerId: null,
    ready: false,
    wantReady: false, // keep being ready across a reconnect (a fresh peer id starts not ready)
    allReady: false,
    callStarted: false,
    inCall: false,
    mode: config.mode === "lecture" ? "lecture" : "mesh",
    people: new Map(), // peer id -> {peer_id, user_id, name, role, ready, hand_raised}
    handRaised: false,
    sharing: false,
    connected: false,
    everConnected: false,
    notOpenYet: !config.openNow,
    ending: false, // an end overlay is up: ignore everything else
    declining: false,
    leaving: false,
  };

  // Server clock: the room window is the server's, so correct for a skewed local clock.
  const skew = Date.parse(config.now) - Date.now() || 0;
  const serverNow = () => Date.now() + skew;
  const opensAt = Date.parse(config.opensAt);
  const hhmm = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  const when = $("[data-room-when]", root);
  if (when) {
    const start = new Date(config.startsAt);
    when.textContent = `${start.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })}, ${hhmm(config.startsAt)}–${hhmm(config.endsAt)}`;
  }

  const media = new LocalMedia();
  let mesh = null;
  let socket = null;
  let pingTimer = null;
  let openTimer = null;

  // ------------------------------------------------------------------ test / debug handle

  const overlayInfo = { shownAt: null, shownAtEpoch: null, kind: null, title: null, redirectAt: null };
  window.__room = {
    get peerId() {
      return state.peerId;
    },
    get pcs() {
      return mesh ? mesh.pcs : new Map();
    },
    get mode() {
      return state.mode;
    },
    get ready() {
      return state.ready;
    },
    get allReady() {
      return state.allReady;
    },
    get callStarted() {
      return state.callStarted;
    },
    get inCall() {
      return state.inCall;
    },
    get sharing() {
      return state.sharing;
    },
    get people() {
      return Array.from(state.people.values()).map((p) => ({ ...p }));
    },
    media,
    overlay: overlayInfo,
    /** The tracks this page sends to `peerId`, by kind (for tests of replaceTrack). */
    senderTracks(peerId) {
      const pc = mesh?.pcs.get(peerId);
      if (!pc) return null;
      const out = {};
      pc.getTransceivers().forEach((t) => {
        const kind = t.receiver.track.kind;
        const track = t.sender.track;
        out[kind] = track ? { id: track.id, label: track.label, kind: track.kind, settings: track.getSettings() } : null;
      });
      return out;
    },
  };

  // ------------------------------------------------------------------ small UI helpers

  function setStatus(kind, label) {
    ui.status.dataset.state = kind;
    ui.statusLabel.textContent = label;
  }

  function setModeBadge() {
    ui.mode.textContent = state.mode === "lecture" ? "Lecture" : "Group call";
    root.dataset.mode = state.mode;
  }

  function nameOf(peerId) {
    return state.people.get(peerId)?.name || "Someone";
  }

  const HAND = ["M10.05 4.575a1.575 1.575 0 10-3.15 0v3m3.15-3v-1.5a1.575 1.575 0 013.15 0v1.5m-3.15 0l.075 5.925m3.075.75V4.575m0 0a1.575 1.575 0 013.15 0V15M6.9 7.575a1.575 1.575 0 10-3.15 0v8.175a6.75 6.75 0 006.75 6.75h2.018a5.25 5.25 0 003.712-1.538l1.732-1.732a5.25 5.25 0 001.538-3.712l.003-2.024a.668.668 0 01.198-.471 1.575 1.575 0 10-2.228-2.228 3.818 3.818 0 00-1.12 2.687M6.9 7.575V12m6.27 4.318A4.49 4.49 0 0116.35 15m.002 0h-.002"];
  const MIC_OFF = ["M12 3a3 3 0 00-3 3v6a3 3 0 006 0V6a3 3 0 00-3-3z", "M19 11a7 7 0 01-14 0M12 18v3M4 4l16 16"];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ local media + preview

  function attach(video, stream) {
    if (video.srcObject !== stream) video.srcObject = stream;
    const play = video.play();
    if (play) play.catch(() => {});
  }

  function paintPreview() {
    const hasVideo = Boolean(media.screen || media.camera);
    const off = !hasVideo || (!state.sharing && !media.videoOn);
    ui.previewOff.hidden = !off;
    ui.previewOffText.textContent = !hasVideo ? "No camera" : "Your camera is off";
    ui.preview.classList.toggle("-scale-x-100", !state.sharing);
    const self = tileOf("self");
    if (self) paintTile(self, { audio: media.audioOn && Boolean(media.mic), video: !off, sharing: state.sharing });
  }

  function paintToggles() {
    $$("[data-toggle]", root).forEach((button) => {
      const kind = button.dataset.toggle;
      const available = kind === "audio" ? Boolean(media.mic) : Boolean(media.camera);
      const on = available && (kind === "audio" ? media.audioOn : media.videoOn);
      const lectureListener = state.mode === "lecture" && !isMentor && state.inCall;
      button.dataset.on = String(on);
      button.setAttribute("aria-pressed", String(!on));
      button.disabled = !available || lectureListener;
      // In a lecture, learners only watch: no mic / camera controls in the call.
      if (button.hasAttribute("data-call-toggle")) button.hidden = lectureListener;
      const label = kind === "audio" ? (on ? "Mute microphone" : "Unmute microphone") : on ? "Turn camera off" : "Turn camera on";
      button.setAttribute("aria-label", label);
      const text = button.querySelector("[data-toggle-label]");
      if (text) text.textContent = kind === "audio" ? (on ? "Mute" : "Unmute") : on ? "Stop video" : "Start video";
    });
  }

  async function fillDevices() {
    let lists;
    try {
      lists = await media.devices();
    } catch {
      return;
    }
    $$("select[data-device]", root).forEach((select) => {
      const kind = select.dataset.device;
      const devices = lists[kind] || [];
      const current = media.currentDevice(kind === "audioinput" ? "audio" : "video");
      select.replaceChildren();
      if (!devices.length) {
        select.appendChild(el("option", "", kind === "audioinput" ? "No microphone found" : "No camera found"));
        select.disabled = true;
        return;
      }
      devices.forEach((device, index) => {
        const option = el("option", "", device.label || `${kind === "audioinput" ? "Microphone" : "Camera"} ${index + 1}`);
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
    paintToggles();
    await fillDevices();
    root.dataset.media = media.camera || media.mic ? "ready" : "none";
  }

  navigator.mediaDevices?.addEventListener?.("devicechange", () => fillDevices());

  root.addEventListener("change", async (event) => {
    const select = event.target.closest?.("select[data-device]");
    if (!select || !select.value) return;
    const kind = select.dataset.device === "audioinput" ? "audio" : "video";
    try {
      const track = await media.switchDevice(kind, select.value);
      if (!(kind === "video" && state.sharing)) await mesh?.replaceTrack(kind, track);
      attach(ui.preview, media.stream);
      const self = tileOf("self");
      if (self) attach(self.querySelector("video"), media.stream);
      paintPreview();
      paintToggles();
      kit.toast(`${kind === "audio" ? "Microphone" : "Camera"} switched to ${select.selectedOptions[0]?.textContent || "the new device"}`, { kind: "success" });
    } catch (error) {
      kit.toast(`Could not switch the ${kind === "audio" ? "microphone" : "camera"}: ${error.message || error.name}`, { kind: "error" });
      await fillDevices();
    }
  });

  function toggleMedia(kind) {
    if (kind === "audio") media.setAudio(!media.audioOn);
    else media.setVideo(!media.videoOn);
    paintToggles();
    paintPreview();
    mesh?.broadcastState();
    const on = kind === "audio" ? media.audioOn : media.videoOn;
    kit.toast(kind === "audio" ? (on ? "Microphone on" : "Microphone muted") : on ? "Camera on" : "Camera off", { kind: "info", duration: 2000 });
  }

  // ------------------------------------------------------------------ people list

  function renderPeople() {
    const everyone = [];
    if (state.peerId) everyone.push({ peer_id: state.peerId, user_id: me.id, name: me.name, role: me.role, ready: state.ready, hand_raised: state.handRaised, self: true });
    const others = Array.from(state.people.values()).sort((a, b) => (a.role === "mentor" ? -1 : b.role === "mentor" ? 1 : a.name.localeCompare(b.name)));
    everyone.push(...others);
    const rows = everyone.map((person) => {
      const li = el("li", "flex items-center gap-2.5 rounded-lg px-2 py-1.5 transition-colors data-[hand=true]:bg-amber-50");
      li.dataset.testid = person.self ? "person-self" : `person-${person.peer_id}`;
      li.dataset.peerId = person.peer_id;
      li.dataset.userId = String(person.user_id);
      li.dataset.ready = String(Boolean(person.ready));
      li.dataset.hand = String(Boolean(person.hand_raised));
      const avatar = el("span", "inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700", initials(person.name));
      avatar.setAttribute("aria-hidden", "true");
      const text = el("div", "min-w-0 flex-1");
      const name = el("p", "truncate text-sm font-medium text-slate-900", person.name);
      name.dataset.personName = "";
      if (person.self) name.appendChild(el("span", "font-normal text-slate-500", " (you)"));
      text.appendChild(name);
      text.appendChild(el("p", "text-xs text-slate-500", person.role === "mentor" ? "Mentor" : "Learner"));
      li.append(avatar, text);
      if (person.hand_raised) {
        const hand = el("span", "inline-flex text-amber-600");
        hand.appendChild(icon(HAND, { className: "h-5 w-5" }));
        hand.setAttribute("role", "img");
        hand.setAttribute("aria-label", "Hand raised");
        hand.dataset.testid = `hand-${person.peer_id}`;
        li.appendChild(hand);
      }
      const inCall = state.callStarted && person.ready;
      const pill = el(
        "span",
        `inline-flex shrink-0 items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${
          person.ready ? "bg-emerald-50 text-emerald-700 ring-emerald-200" : "bg-slate-50 text-slate-500 ring-slate-200"
        }`,
        inCall ? "In call" : person.ready ? "Ready" : "Not ready"
      );
      pill.dataset.readyState = person.ready ? "ready" : "not-ready";
      li.appendChild(pill);
      return li;
    });
    ui.people.replaceChildren(...rows);
    ui.peopleCount.textContent = String(everyone.length);
    ui.peopleEmpty.hidden = everyone.length > 0;
    if (!everyone.length) ui.peopleEmpty.textContent = state.notOpenYet ? "Nobody yet: the room is not open." : "Connecting to the room…";
  }

  // ------------------------------------------------------------------ pre-join controls

  const READY_LABEL = "Ready to Join";
  const UNREADY_LABEL = "Not ready";
  let readyBusy = null;
  let readyLabel = READY_LABEL; // what the button says (or is flipping to)

  function paintPrejoin() {
    const online = state.connected && Boolean(state.peerId);
    ui.ready.disabled = !online || Boolean(readyBusy);
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
      if (!show) ui.start.disabled = false;
    }
    if (state.notOpenYet) {
      ui.opensAt.hidden = false;
      ui.opensAt.textContent = `The room opens at ${hhmm(config.opensAt)}`;
    } else {
      ui.opensAt.hidden = true;
    }
    ui.callRunning.hidden = !(state.callStarted && !state.inCall);
    ui.chatInput.disabled = !online;
    ui.chatSend.disabled = !online;
  }

  /** Send now or not at all: nothing is queued for a later socket, whose peer id (and so every
   * offer / candidate address) will be different. */
  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    return socket.send(message);
  }

  /** A user's action: says so when the room is not reachable right now. */
  function act(message) {
    if (send(message)) return true;
    kit.toast("Not connected to the room right now — reconnecting, try again in a moment.", { kind: "error" });
    return false;
  }

  ui.ready.addEventListener("click", () => {
    if (!state.peerId || readyBusy) return;
    const want = !state.ready;
    if (!act({ type: want ? "ready" : "unready" })) return;
    state.wantReady = want;
    readyBusy = setTimeout(() => {
      readyBusy = null;
      paintPrejoin();
    }, 5000);
    paintPrejoin();
  });

  ui.start?.addEventListener("click", () => {
    if (!state.allReady || state.callStarted) return;
    if (!act({ type: "start" })) return;
    ui.start.disabled = true;
    setTimeout(() => {
      if (!state.callStarted) ui.start.disabled = false;
    }, 5000);
  });

  // Decline/Leave: a learner declines and leaves; the mentor cancels the session for everyone
  // (after a confirm). Pre-join for both; in the call the mentor has it as "Cancel session".
  function onDecline() {
    if (!state.peerId || state.declining) return;
    if (isMentor) {
      kit.openModal(ui.cancelModal);
      return;
    }
    if (!act({ type: "decline" })) return;
    state.declining = true;
    paintPrejoin();
  }
  ui.declines.forEach((button) => button.addEventListener("click", onDecline));

  const cancelConfirm = document.querySelector("[data-cancel-room-confirm]");
  cancelConfirm?.addEventListener("click", async () => {
    if (!state.peerId) return;
    if (!act({ type: "decline" })) return;
    cancelConfirm.disabled = true;
    state.declining = true;
    await kit.closeModal(ui.cancelModal);
    cancelConfirm.disabled = false;
  });

  root.addEventListener("click", (event) => {
    const toggle = event.target.closest?.("[data-toggle]");
    if (toggle && !toggle.disabled) toggleMedia(toggle.dataset.toggle);
  });

  // ------------------------------------------------------------------ call: tiles

  function tileOf(peerId) {
    return ui.tiles.querySelector(`[data-tile="${CSS.escape(peerId)}"]`);
  }

  function layoutTiles() {
    const count = Array.from(ui.tiles.children).filter((tile) => !tile.hidden).length;
    ui.tiles.dataset.count = String(count);
    ui.tiles.dataset.many = String(count > 2);
  }

  function makeTile(peerId, { self = false, name, role }) {
    const tile = el("figure", "relative aspect-video min-w-0 overflow-hidden rounded-xl bg-slate-900 ring-1 ring-slate-800");
    tile.dataset.tile = peerId;
    tile.dataset.testid = self ? "tile-self" : `tile-${peerId}`;
    if (!self) tile.dataset.remote = "";
    tile.dataset.name = name;
    const video = el("video", `h-full w-full bg-slate-900 object-cover ${self ? "-scale-x-100" : ""}`);
    video.autoplay = true;
    video.playsInline = true;
    video.muted = self;
    video.dataset.testid = self ? "video-self" : `video-${peerId}`;
    const off = el("div", "absolute inset-0 hidden flex-col items-center justify-center gap-2 bg-slate-800 text-slate-300 data-[off=true]:flex");
    off.dataset.videoOff = "false";
    off.dataset.off = "false";
    const badge = el("span", "inline-flex h-16 w-16 items-center justify-center rounded-full bg-slate-600 text-xl font-semibold text-white", initials(name));
    badge.setAttribute("aria-hidden", "true");
    off.append(badge, el("span", "text-xs", "Camera off"));
    const caption = el("figcaption", "absolute inset-x-2 bottom-2 flex items-center gap-1.5");
    const label = el("span", "inline-flex min-w-0 max-w-full items-center gap-1.5 rounded-md bg-slate-900/70 px-2 py-1 text-xs font-medium text-white backdrop-blur");
    const micOff = el("span", "hidden text-rose-400 data-[on=true]:inline-flex");
    micOff.dataset.micOff = "";
    micOff.dataset.on = "false";
    micOff.setAttribute("role", "img");
    micOff.setAttribute("aria-label", "Muted");
    micOff.appendChild(icon(MIC_OFF, { className: "h-3.5 w-3.5" }));
    const nameEl = el("span", "truncate", self ? `${name} (you)` : name);
    nameEl.dataset.tileName = "";
    label.append(micOff, nameEl);
    if (role === "mentor") label.appendChild(el("span", "rounded bg-indigo-500/80 px-1 text-[10px] uppercase tracking-wide", "Mentor"));
    const sharing = el("span", "hidden rounded bg-emerald-500/90 px-1 text-[10px] uppercase tracking-wide data-[on=true]:inline", "Screen");
    sharing.dataset.sharing = "";
    sharing.dataset.on = "false";
    label.appendChild(sharing);
    caption.appendChild(label);
    tile.append(video, off, caption);
    if (!self) {
      const unmute = el("button", "absolute right-2 top-2 hidden rounded-md bg-slate-900/80 px-2 py-1 text-xs font-semibold text-white data-[on=true]:block", "Click to hear");
      unmute.type = "button";
      unmute.dataset.unmute = "";
      unmute.dataset.on = "false";
      unmute.addEventListener("click", () => {
        video.muted = false;
        video.play().catch(() => {});
        unmute.dataset.on = "false";
      });
      tile.appendChild(unmute);
    }
    return tile;
  }

  function paintTile(tile, { audio, video, sharing }) {
    tile.dataset.audio = audio ? "on" : "off";
    tile.dataset.video = video ? "on" : "off";
    tile.querySelector("[data-mic-off]").dataset.on = String(!audio);
    tile.querySelector("[data-video-off]").dataset.off = String(!video);
    tile.querySelector("[data-sharing]").dataset.on = String(Boolean(sharing));
    if (tile.dataset.tile === "self") tile.querySelector("video").classList.toggle("-scale-x-100", !sharing);
  }

  // In a lecture the mentor receives nothing: learners are in the people list, not in tiles.
  const showsRemoteTiles = () => !(state.mode === "lecture" && isMentor);

  function ensureRemoteTile(peerId) {
    let tile = tileOf(peerId);
    if (tile) return tile;
    const person = state.people.get(peerId) || { name: "Guest", role: "learner" };
    tile = makeTile(peerId, { name: person.name, role: person.role });
    tile.dataset.state = "new";
    // The mentor first, then the others in arrival order; the local tile stays first.
    const self = tileOf("self");
    if (person.role === "mentor" && self) self.after(tile);
    else if (person.role === "mentor") ui.tiles.prepend(tile);
    else ui.tiles.appendChild(tile);
    layoutTiles();
    return tile;
  }

  function playRemote(tile, stream) {
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    const play = video.play();
    if (play) {
      play.catch(() => {
        // Autoplay with sound refused (no gesture on this page yet): play muted, offer a click.
        video.muted = true;
        video.play().catch(() => {});
        tile.querySelector("[data-unmute]").dataset.on = "true";
      });
    }
  }

  function removeTile(peerId) {
    const tile = tileOf(peerId);
    if (!tile) return;
    const video = tile.querySelector("video");
    video.srcObject = null;
    tile.remove();
    layoutTiles();
  }

  // ------------------------------------------------------------------ call: connections

  /** Whom this page connects to: every ready peer in a mesh; learners only the mentor in a lecture. */
  function eligible(person) {
    if (!person || person.peer_id === state.peerId || !person.ready) return false;
    if (state.mode !== "lecture") return true;
    return isMentor ? person.role === "learner" : person.role === "mentor";
  }

  async function refreshIceServers() {
    const data = await kit.api(config.iceServersUrl, { quiet: true });
    return data && Array.isArray(data.ice_servers) ? data.ice_servers : null;
  }

  function newMesh() {
    mesh = new Mesh({
      selfId: state.peerId,
      isMentor,
      mode: () => state.mode,
      send,
      outbound: () => media.outbound(),
      localState: () => ({ audio: media.audioOn && Boolean(media.mic), video: media.videoOn && Boolean(media.camera || media.screen), sharing: state.sharing }),
      iceServers: config.iceServers,
      refreshIceServers,
      on: {
        track: (peer) => {
          if (!showsRemoteTiles()) return;
          playRemote(ensureRemoteTile(peer.id), peer.stream);
        },
        state: (peer) => {
          if (showsRemoteTiles()) ensureRemoteTile(peer.id).dataset.state = peer.pc.connectionState;
          if (peer.pc.connectionState === "failed") kit.toast(`Connection to ${nameOf(peer.id)} failed — retrying`, { kind: "error" });
        },
        remoteState: (peer, remote) => {
          const tile = tileOf(peer.id);
          if (tile) paintTile(tile, remote);
        },
        closed: (peerId) => removeTile(peerId),
      },
    });
    return mesh;
  }

  function enterCall() {
    if (state.inCall || !state.peerId) return;
    state.inCall = true;
    root.dataset.phase = "call";
    ui.prejoin.hidden = true;
    ui.call.hidden = false;
    if (!mesh || mesh.selfId !== state.peerId) {
      mesh?.closeAll();
      newMesh();
    }
    ui.tiles.replaceChildren();
    const self = makeTile("self", { self: true, name: me.name, role: me.role });
    ui.tiles.appendChild(self);
    if (state.mode === "lecture" && !isMentor) self.hidden = true; // learners only watch in a lecture
    attach(self.querySelector("video"), media.stream);
    layoutTiles();
    paintPreview();
    paintToggles();
    paintCallControls();
    state.people.forEach((person) => {
      if (eligible(person)) mesh.connect(person.peer_id);
    });
    renderPeople();
  }

  function leaveCallView() {
    state.inCall = false;
    root.dataset.phase = "prejoin";
    mesh?.closeAll();
    ui.tiles.replaceChildren();
    ui.call.hidden = true;
    ui.prejoin.hidden = false;
    if (state.sharing) stopSharing({ quiet: true });
    paintToggles();
  }

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
      await mesh?.replaceTrack("video", track);
      mesh?.broadcastState();
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
      paintPreview();
    }
  }

  async function stopSharing({ quiet = false } = {}) {
    if (!state.sharing) return;
    state.sharing = false;
    const camera = media.stopScreen();
    await mesh?.replaceTrack("video", camera);
    mesh?.broadcastState();
    paintCallControls();
    paintPreview();
    if (!quiet) kit.toast("Screen sharing stopped — back to your camera", { kind: "info" });
  }

  ui.share?.addEventListener("click", () => (state.sharing ? stopSharing() : startSharing()));

  ui.hand?.addEventListener("click", () => {
    act({ type: "hand", raised: !state.handRaised });
  });

  ui.leave.addEventListener("click", () => {
    state.leaving = true;
    teardown();
    kit.toast("You left the call", { kind: "info" });
    location.assign(config.dashboardUrl);
  });

  function teardown() {
    clearInterval(pingTimer);
    clearTimeout(openTimer);
    socket?.close(1000, "leaving");
    mesh?.closeAll();
    media.stop();
  }

  // ------------------------------------------------------------------ chat

  let chatKeys = new Set();

  function chatItem(message) {
    const mine = message.user_id === me.id;
    const li = el("li", "min-w-0");
    li.dataset.testid = "chat-message";
    li.dataset.from = message.from || "";
    li.dataset.mine = String(mine);
    const head = el("p", "flex items-baseline gap-2 text-xs");
    const who = el("span", `font-semibold ${mine ? "text-indigo-700" : "text-slate-900"}`, mine ? `${message.name} (you)` : message.name);
    who.dataset.chatName = "";
    const at = el("time", "text-slate-400", message.at ? hhmm(message.at) : "");
    if (message.at) at.dateTime = message.at;
    head.append(who, at);
    const body = el("p", "mt-0.5 whitespace-pre-wrap break-words text-sm text-slate-700", message.text);
    body.dataset.chatText = "";
    li.append(head, body);
    return li;
  }

  function addChat(message, { scroll = true } = {}) {
    const key = `${message.from}|${message.at}|${message.text}`;
    if (chatKeys.has(key)) return;
    chatKeys.add(key);
    const nearBottom = ui.chatList.scrollHeight - ui.chatList.scrollTop - ui.chatList.clientHeight < 60;
    ui.chatList.appendChild(chatItem(message));
    ui.chatEmpty.hidden = true;
    if (scroll && (nearBottom || message.user_id === me.id)) ui.chatList.scrollTop = ui.chatList.scrollHeight;
  }

  function setChatHistory(messages) {
    chatKeys = new Set();
    ui.chatList.replaceChildren();
    (messages || []).forEach((m) => addChat(m, { scroll: false }));
    ui.chatEmpty.hidden = ui.chatList.children.length > 0;
    ui.chatList.scrollTop = ui.chatList.scrollHeight;
  }

  ui.chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.chatInput.value;
    if (!text.trim()) return;
    if (text.length > config.maxChatChars) {
      kit.toast(`Messages are at most ${config.maxChatChars} characters.`, { kind: "error" });
      return;
    }
    if (!state.peerId || !act({ type: "chat", text })) return;
    ui.chatInput.value = "";
    ui.chatInput.style.height = "";
  });

  ui.chatInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.chatForm.requestSubmit();
    }
  });
  ui.chatInput.addEventListener("input", () => {
    ui.chatInput.style.height = "";
    ui.chatInput.style.height = `${Math.min(ui.chatInput.scrollHeight, 128)}px`;
  });

  // ------------------------------------------------------------------ end-of-room overlay

  function showOverlay({ kind, title, body, redirect = true }) {
    if (state.ending) return;
    state.ending = true;
    overlayInfo.kind = kind;
    overlayInfo.title = title;
    teardown();
    kit.closeModal(ui.cancelModal);
    const overlay = ui.overlay;
    overlay.dataset.kind = kind;
    overlay.querySelector("[data-overlay-title]").textContent = title;
    overlay.querySelector("[data-overlay-body]").textContent = body;
    const countdown = overlay.querySelector("[data-overlay-countdown]");
    const retry = overlay.querySelector("[data-overlay-retry]");
    retry.hidden = kind !== "replaced";
    overlay.hidden = false;
    root.inert = true; // the room behind the overlay is over: keep focus and clicks out of it
    // Next frame: opacity 0 -> 1 through the CSS transition (none under reduced motion).
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        overlay.dataset.shown = "true";
      })
    );
    overlay.querySelector("[data-overlay-go]").focus({ preventScroll: true });
    overlayInfo.shownAt = performance.now();
    overlayInfo.shownAtEpoch = Date.now();
    if (!redirect) {
      countdown.textContent = "";
      return;
    }
    overlayInfo.redirectAt = overlayInfo.shownAtEpoch + REDIRECT_MS;
    let left = Math.round(REDIRECT_MS / 1000);
    const tick = () => {
      countdown.textContent = `Taking you back to your dashboard in ${left} s…`;
    };
    tick();
    const counter = setInterval(() => {
      left = Math.max(0, left - 1);
      tick();
    }, 1000);
    setTimeout(() => {
      clearInterval(counter);
      location.assign(config.dashboardUrl);
    }, REDIRECT_MS);
  }

  ui.overlay.querySelector("[data-overlay-retry]").addEventListener("click", () => location.reload());

  // ------------------------------------------------------------------ socket

  function personFrom(message) {
    return {
      peer_id: message.peer_id,
      user_id: message.user_id,
      name: message.name || "Guest",
      role: message.role || "learner",
      ready: Boolean(message.ready),
      hand_raised: Boolean(message.hand_raised),
    };
  }

  function setAllReady(value) {
    const before = state.allReady;
    state.allReady = Boolean(value);
    if (state.allReady && !before && !state.callStarted) {
      kit.toast(isMentor ? "Everyone is ready — you can start the call" : "Everyone is ready — waiting for the mentor to start", { kind: "success" });
    }
  }

  function onWelcome(message) {
    const reconnect = state.everConnected;
    state.everConnected = true;
    if (mesh) {
      mesh.closeAll();
      mesh = null;
    }
    state.peerId = message.peer_id;
    state.ready = false;
    state.handRaised = false;
    state.people = new Map((message.peers || []).map((p) => [p.peer_id, personFrom(p)]));
    state.allReady = Boolean(message.all_ready);
    state.callStarted = Boolean(message.call_started);
    if (message.mode) state.mode = message.mode === "lecture" ? "lecture" : "mesh";
    state.notOpenYet = false;
    setModeBadge();
    setChatHistory(message.chat);
    if (state.inCall) {
      // A fresh peer id: the others dropped our old connections. Rebuild from scratch once ready.
      leaveCallView();
    }
    setStatus(state.callStarted ? "live" : "open", state.callStarted ? "Call in progress" : "Room open");
    if (reconnect) kit.toast("Reconnected to the room", { kind: "success" });
    if (state.wantReady) send({ type: "ready" });
    renderPeople();
    paintPrejoin();
  }

  function onPeerReady(message) {
    const mine = message.peer_id === state.peerId;
    if ("all_ready" in message) setAllReady(message.all_ready);
    if (mine) {
      clearTimeout(readyBusy);
      readyBusy = null;
      const changed = state.ready !== Boolean(message.ready);
      state.ready = Boolean(message.ready);
      state.wantReady = state.ready;
      if (changed) kit.toast(state.ready ? "You're ready" : "You're not ready", { kind: state.ready ? "success" : "info" });
      if (state.ready && state.callStarted) enterCall();
    } else {
      const person = state.people.get(message.peer_id);
      if (person) {
        const changed = person.ready !== Boolean(message.ready);
        person.ready = Boolean(message.ready);
        if (changed && !state.inCall) kit.toast(`${person.name} is ${person.ready ? "ready" : "not ready"}`, { kind: "info", duration: 2500 });
        if (state.inCall) {
          if (eligible(person)) mesh.connect(person.peer_id);
          else mesh.close(person.peer_id);
        }
      }
    }
    renderPeople();
    paintPrejoin();
  }

  function onPeerLeft(message) {
    if ("all_ready" in message) setAllReady(message.all_ready);
    if (message.peer_id === state.peerId) {
      if (message.reason === "declined" || state.declining) {
        showOverlay({ kind: "left", title: "You left the session", body: "You declined this session; the mentor was told." });
      }
      return;
    }
    const person = state.people.get(message.peer_id);
    state.people.delete(message.peer_id);
    mesh?.close(message.peer_id);
    removeTile(message.peer_id);
    if (person && message.reason !== "replaced") {
      const reasons = {
        declined: `${person.name} declined and left`,
        lost: `${person.name} lost their connection`,
        cancelled: `${person.name} cancelled their booking`,
      };
      kit.toast(reasons[message.reason] || `${person.name} left the room`, { kind: "info" });
    }
    renderPeople();
    paintPrejoin();
  }

  function onMessage(message) {
    if (!message || typeof message !== "object" || state.ending) return;
    switch (message.type) {
      case "welcome":
        onWelcome(message);
        break;
      case "peer.joined": {
        const person = personFrom(message);
        state.people.set(person.peer_id, person);
        if ("all_ready" in message) setAllReady(message.all_ready);
        kit.toast(`${person.name} joined the room`, { kind: "info" });
        renderPeople();
        paintPrejoin();
        break;
      }
      case "peer.left":
        onPeerLeft(message);
        break;
      case "peer.ready":
        onPeerReady(message);
        break;
      case "all_ready":
        setAllReady(true);
        paintPrejoin();
        break;
      case "call.started":
        state.callStarted = true;
        if (message.mode) state.mode = message.mode === "lecture" ? "lecture" : "mesh";
        setModeBadge();
        setStatus("live", "Call in progress");
        kit.toast(state.mode === "lecture" ? "The call started (lecture mode)" : "The call started", { kind: "success" });
        if (state.ready) enterCall();
        renderPeople();
        paintPrejoin();
        break;
      case "offer":
      case "answer":
      case "ice":
        if (!state.inCall && state.callStarted && state.ready) enterCall();
        // An offer from a peer without a connection yet opens one (mesh.handle).
        if (state.inCall && mesh) mesh.handle(message);
        break;
      case "chat":
        addChat(message);
        break;
      case "peer.hand": {
        const raised = Boolean(message.raised);
        if (message.peer_id === state.peerId) {
          state.handRaised = raised;
          kit.toast(raised ? "Hand raised — the mentor can see it" : "Hand lowered", { kind: "info", duration: 2500 });
          paintCallControls();
        } else {
          const person = state.people.get(message.peer_id);
          if (person) {
            person.hand_raised = raised;
            if (isMentor && raised) kit.toast(`${person.name} raised a hand`, { kind: "info" });
          }
        }
        renderPeople();
        break;
      }
      case "session.cancelled":
        showOverlay({
          kind: "cancelled",
          title: "Session Cancelled",
          body: isMentor ? "You cancelled this session for everyone." : "The mentor cancelled this session.",
        });
        break;
      case "session.completed":
        showOverlay({ kind: "completed", title: "Session ended", body: "This session is over. Thanks for joining!" });
        break;
      case "error":
        onError(message);
        break;
      default:
        break;
    }
  }

  function onError(message) {
    if (message.code === "not_open_yet") {
      state.notOpenYet = true;
      setStatus("connecting", "Not open yet");
      renderPeople();
      paintPrejoin();
      scheduleOpen();
      return;
    }
    if (REFUSALS[message.code]) {
      showOverlay({ kind: message.code, title: REFUSALS[message.code], body: message.detail || "" });
      return;
    }
    if (state.declining) {
      state.declining = false;
      paintPrejoin();
    }
    if (QUIET_ERRORS.has(message.code)) {
      // Signaling to a peer that just left (or before our call.started arrived): nothing for the
      // user to do; the connection is rebuilt from presence events.
      console.warn("[room]", message.code, message.detail);
      return;
    }
    if (message.code === "not_all_ready" || message.code === "already_started") {
      if (ui.start) ui.start.disabled = false;
    }
    kit.toast(message.detail || "Something went wrong in the room.", { kind: "error" });
  }

  function onClose(event, { willReconnect }) {
    clearInterval(pingTimer);
    state.connected = false;
    if (state.ending || state.leaving) return;
    if (state.declining) {
      // Our decline went through: the server closed the socket on us.
      socket?.close();
      showOverlay(
        isMentor
          ? { kind: "cancelled", title: "Session Cancelled", body: "You cancelled this session for everyone." }
          : { kind: "left", title: "You left the session", body: "You declined this session; the mentor was told." }
      );
      return;
    }
    if (event.code === 4409) {
      showOverlay({ kind: "replaced", title: "Opened somewhere else", body: "You joined this room from another tab or device, so this one was disconnected.", redirect: false });
      return;
    }
    if (event.code === 4401) {
      location.assign(`/login/?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    if (event.code === 4403) {
      state.peerId = null;
      if (state.notOpenYet) return; // scheduleOpen() reconnects at the opening time
      showOverlay({ kind: "closed", title: "The room is closed", body: "You can no longer be in this room." });
      return;
    }
    if (willReconnect) {
      setStatus("connecting", "Reconnecting…");
      if (state.inCall) leaveCallView();
      state.peerId = null;
      renderPeople();
      paintPrejoin();
    }
  }

  function connect() {
    clearTimeout(openTimer);
    if (socket) socket.close();
    setStatus("connecting", "Connecting…");
    socket = kit.openSocket(config.wsPath, {
      noReconnectCodes: NO_RECONNECT,
      onOpen: () => {
        state.connected = true;
        clearInterval(pingTimer);
        pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
      },
      onClose,
      onMessage,
    });
  }

  function scheduleOpen() {
    clearTimeout(openTimer);
    const wait = Math.max(opensAt - serverNow(), 0) + 1000 + Math.random() * 1000;
    openTimer = setTimeout(() => {
      state.notOpenYet = false;
      connect();
    }, Math.min(wait, 2 ** 31 - 1));
  }

  window.addEventListener("pagehide", () => {
    if (!state.ending) teardown();
  });
  // Back from the back/forward cache: the socket and connections were closed on the way out.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !state.ending) location.reload();
  });

  // ------------------------------------------------------------------ go

  setModeBadge();
  renderPeople();
  paintPrejoin();
  paintToggles();
  startMedia();
  if (state.notOpenYet && opensAt > serverNow()) {
    setStatus("connecting", "Not open yet");
    paintPrejoin();
    scheduleOpen();
  } else {
    state.notOpenYet = false;
    connect();
  }
}
