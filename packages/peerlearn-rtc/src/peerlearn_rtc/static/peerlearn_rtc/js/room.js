// The live room /room/{id}: the entry that wires the room's modules together.
//
// Pre-join (preview, devices, presence and ready states, Ready to Join, Decline/Leave, Start Call)
// then the call (mesh or lecture over WebRTC, tiles, mute / camera / screen share / raise hand,
// chat, Leave) and the end-of-room overlays. The server owns the room: every state shown here
// comes from the /ws/room/{id}/ socket (see the contract's room_{session_id} section).
//
// Every module gets the one `room` context (config, elements, state, the kit, local media, the
// mesh) and adds its own part to it (room.status, room.people, ...), which the others call:
//   status.js     status pill, mode badge, end-of-room overlay
//   people.js     who is in the room, ready pills, raised hands
//   tiles.js      the call's video grid
//   chat.js       chat history, live messages, composer
//   controls.js   mic / camera toggles, screen share, raise hand, Leave
//   prejoin.js    preview, device pickers, Ready to Join / Start Call / Decline
//   call.js       the peer connections (mesh.js) and the switch into and out of the call
//   signaling.js  the socket and the dispatch of its messages
// Local media lives in media.js. The kit (toasts, modal, flip, socket, api) is reached through
// kitReady(); pure kit modules (format, pills, busy, icon) are imported directly.
import { formatTimeRange, initials } from "../../peerlearn_core/js/format.js";
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { createCall } from "./call.js";
import { createChat } from "./chat.js";
import { createControls } from "./controls.js";
import { LocalMedia } from "./media.js";
import { createPeople } from "./people.js";
import { createPrejoin } from "./prejoin.js";
import { createSignaling } from "./signaling.js";
import { createStatus } from "./status.js";
import { createTiles } from "./tiles.js";

// What window.__room reads straight from the state.
const DEBUG_FIELDS = ["peerId", "mode", "ready", "allReady", "callStarted", "inCall", "sharing"];

const kit = await kitReady();
const root = document.querySelector("[data-room]");

function elements() {
  const $ = (selector) => root.querySelector(selector);
  return {
    status: $("[data-room-status]"),
    statusLabel: $("[data-room-status-label]"),
    mode: $("[data-room-mode]"),
    prejoin: $("[data-prejoin]"),
    preview: $("[data-preview]"),
    previewOff: $("[data-preview-off]"),
    previewOffText: $("[data-preview-off-text]"),
    mediaError: $("[data-media-error]"),
    opensAt: $("[data-opens-at]"),
    callRunning: $("[data-call-running]"),
    ready: $("[data-ready-toggle]"),
    start: $("[data-start-call]"),
    declines: Array.from(root.querySelectorAll("[data-decline]")),
    call: $("[data-call]"),
    tiles: $("[data-tiles]"),
    share: $("[data-share]"),
    hand: $("[data-hand]"),
    leave: $("[data-leave]"),
    people: $("[data-people]"),
    peopleCount: $("[data-people-count]"),
    peopleEmpty: $("[data-people-empty]"),
    chatList: $("[data-chat-list]"),
    chatEmpty: $("[data-chat-empty]"),
    chatForm: $("[data-chat-form]"),
    chatInput: $("[data-chat-input]"),
    chatSend: $('[data-chat-form] [type="submit"]'),
    overlay: document.querySelector("[data-room-overlay]"),
    cancelModal: document.getElementById("cancel-room-modal"),
  };
}

function initialState(config) {
  return {
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
}

/** window.__room: a read-only view of the room for tests and debugging. */
function debugHandle(room) {
  const { state } = room;
  const handle = {
    get pcs() {
      return room.mesh ? room.mesh.pcs : new Map();
    },
    get people() {
      return Array.from(state.people.values()).map((p) => ({ ...p }));
    },
    media: room.media,
    overlay: room.status.overlayInfo,
    /** The tracks this page sends to `peerId`, by kind (for tests of replaceTrack). */
    senderTracks(peerId) {
      const pc = room.mesh?.pcs.get(peerId);
      if (!pc) return null;
      const out = {};
      pc.getTransceivers().forEach((t) => {
        const track = t.sender.track;
        out[t.receiver.track.kind] = track ? { id: track.id, label: track.label, kind: track.kind, settings: track.getSettings() } : null;
      });
      return out;
    },
  };
  DEBUG_FIELDS.forEach((key) => Object.defineProperty(handle, key, { get: () => state[key], enumerable: true }));
  return handle;
}

function main(config) {
  const me = config.user;
  const state = initialState(config);
  // Server clock: the room window is the server's, so correct for a skewed local clock.
  const skew = Date.parse(config.now) - Date.now() || 0;
  const room = {
    kit,
    config,
    root,
    me,
    isMentor: me.role === "mentor",
    ui: elements(),
    state,
    media: new LocalMedia(),
    mesh: null, // the call's Mesh, made by call.js
    opensAt: Date.parse(config.opensAt),
    serverNow: () => Date.now() + skew,
    online: () => state.connected && Boolean(state.peerId),
    /** Everything this page holds open: the socket, the connections, the camera. */
    teardown() {
      room.signaling.close();
      room.mesh?.closeAll();
      room.media.stop();
    },
  };
  // In dependency order: a module may keep a reference to one made before it.
  room.status = createStatus(room);
  room.people = createPeople(room);
  room.tiles = createTiles(room);
  room.chat = createChat(room);
  room.controls = createControls(room);
  room.prejoin = createPrejoin(room);
  room.call = createCall(room);
  room.signaling = createSignaling(room);
  window.__room = debugHandle(room);

  root.querySelectorAll("[data-self-initials]").forEach((el) => (el.textContent = initials(me.name)));
  const when = root.querySelector("[data-room-when]");
  if (when) when.textContent = formatTimeRange(config.startsAt, config.endsAt);

  window.addEventListener("pagehide", () => {
    if (!state.ending) room.teardown();
  });
  // Back from the back/forward cache: the socket and connections were closed on the way out.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !state.ending) location.reload();
  });

  room.status.setMode();
  room.people.render();
  room.prejoin.paint();
  room.controls.paintToggles();
  room.prejoin.startMedia();
  if (state.notOpenYet && room.opensAt > room.serverNow()) {
    room.status.set("connecting", "Not open yet");
    room.prejoin.paint();
    room.signaling.scheduleOpen();
  } else {
    state.notOpenYet = false;
    room.signaling.connect();
  }
}

const configEl = document.getElementById("room-config");
if (root && configEl) main(JSON.parse(configEl.textContent));
