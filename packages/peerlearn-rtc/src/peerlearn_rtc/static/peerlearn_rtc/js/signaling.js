// The room's socket /ws/room/{id}/ (the contract's room_{session_id} section): connecting (at the
// room's opening time when it is not open yet), keep-alive pings, reconnects, and every server
// message handed to the module that shows it. The server owns the room: presence, ready states,
// the call's start and the chat all come from here; offers, answers and candidates go to the mesh.
import { personFrom } from "./people.js";
import { OVERLAYS } from "./status.js";

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
const LEFT_REASONS = {
  declined: (name) => `${name} declined and left`,
  lost: (name) => `${name} lost their connection`,
  cancelled: (name) => `${name} cancelled their booking`,
};

export function createSignaling(room) {
  const { kit, config, state, isMentor } = room;
  const { status } = room;
  let socket = null;
  let pingTimer = null;
  let openTimer = null;

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

  function repaint() {
    room.people.render();
    room.prejoin.paint();
  }

  function setAllReady(value) {
    const before = state.allReady;
    state.allReady = Boolean(value);
    if (state.allReady && !before && !state.callStarted) {
      const said = isMentor ? "Everyone is ready — you can start the call" : "Everyone is ready — waiting for the mentor to start";
      kit.toast(said, { kind: "success" });
    }
  }

  function onWelcome(message) {
    const reconnect = state.everConnected;
    state.everConnected = true;
    room.call.dropMesh();
    state.peerId = message.peer_id;
    state.ready = false;
    state.handRaised = false;
    state.people = new Map((message.peers || []).map((p) => [p.peer_id, personFrom(p)]));
    state.allReady = Boolean(message.all_ready);
    state.callStarted = Boolean(message.call_started);
    state.notOpenYet = false;
    status.setMode(message.mode);
    room.chat.setHistory(message.chat);
    // A fresh peer id: the others dropped our old connections. Rebuild from scratch once ready.
    if (state.inCall) room.call.leave();
    status.set(state.callStarted ? "live" : "open", state.callStarted ? "Call in progress" : "Room open");
    if (reconnect) kit.toast("Reconnected to the room", { kind: "success" });
    if (state.wantReady) send({ type: "ready" });
    repaint();
  }

  function onPeerJoined(message) {
    const person = personFrom(message);
    state.people.set(person.peer_id, person);
    if ("all_ready" in message) setAllReady(message.all_ready);
    kit.toast(`${person.name} joined the room`, { kind: "info" });
    repaint();
  }

  function onPeerReady(message) {
    if ("all_ready" in message) setAllReady(message.all_ready);
    const ready = Boolean(message.ready);
    if (message.peer_id === state.peerId) {
      room.prejoin.readyAnswered();
      const changed = state.ready !== ready;
      state.ready = ready;
      state.wantReady = ready;
      if (changed) kit.toast(ready ? "You're ready" : "You're not ready", { kind: ready ? "success" : "info" });
      if (ready && state.callStarted) room.call.enter();
    } else {
      const person = state.people.get(message.peer_id);
      if (person) {
        const changed = person.ready !== ready;
        person.ready = ready;
        if (changed && !state.inCall) kit.toast(`${person.name} is ${ready ? "ready" : "not ready"}`, { kind: "info", duration: 2500 });
        room.call.follow(person);
      }
    }
    repaint();
  }

  function onPeerLeft(message) {
    if ("all_ready" in message) setAllReady(message.all_ready);
    if (message.peer_id === state.peerId) {
      if (message.reason === "declined" || state.declining) status.showOverlay(OVERLAYS.declined);
      return;
    }
    const person = state.people.get(message.peer_id);
    state.people.delete(message.peer_id);
    room.mesh?.close(message.peer_id);
    room.tiles.remove(message.peer_id);
    if (person && message.reason !== "replaced") {
      const said = LEFT_REASONS[message.reason]?.(person.name) || `${person.name} left the room`;
      kit.toast(said, { kind: "info" });
    }
    repaint();
  }

  function onCallStarted(message) {
    state.callStarted = true;
    status.setMode(message.mode);
    status.set("live", "Call in progress");
    kit.toast(state.mode === "lecture" ? "The call started (lecture mode)" : "The call started", { kind: "success" });
    if (state.ready) room.call.enter();
    repaint();
  }

  function onHand(message) {
    const raised = Boolean(message.raised);
    if (message.peer_id === state.peerId) {
      state.handRaised = raised;
      kit.toast(raised ? "Hand raised — the mentor can see it" : "Hand lowered", { kind: "info", duration: 2500 });
      room.controls.paintCallControls();
    } else {
      const person = state.people.get(message.peer_id);
      if (person) {
        person.hand_raised = raised;
        if (isMentor && raised) kit.toast(`${person.name} raised a hand`, { kind: "info" });
      }
    }
    room.people.render();
  }

  function onSignal(message) {
    if (!state.inCall && state.callStarted && state.ready) room.call.enter();
    // An offer from a peer without a connection yet opens one (mesh.handle).
    if (state.inCall && room.mesh) room.mesh.handle(message);
  }

  const HANDLERS = {
    welcome: onWelcome,
    "peer.joined": onPeerJoined,
    "peer.left": onPeerLeft,
    "peer.ready": onPeerReady,
    all_ready: () => {
      setAllReady(true);
      room.prejoin.paint();
    },
    "call.started": onCallStarted,
    offer: onSignal,
    answer: onSignal,
    ice: onSignal,
    chat: (message) => room.chat.add(message),
    "peer.hand": onHand,
    "session.cancelled": () => status.showOverlay(isMentor ? OVERLAYS.cancelledByMe : OVERLAYS.cancelledByMentor),
    "session.completed": () => status.showOverlay(OVERLAYS.completed),
    error: onError,
  };

  function onMessage(message) {
    if (!message || typeof message !== "object" || state.ending) return;
    if (Object.hasOwn(HANDLERS, message.type)) HANDLERS[message.type](message);
  }

  function onError(message) {
    if (message.code === "not_open_yet") {
      state.notOpenYet = true;
      status.set("connecting", "Not open yet");
      repaint();
      scheduleOpen();
      return;
    }
    if (REFUSALS[message.code]) {
      status.showOverlay({ kind: message.code, title: REFUSALS[message.code], body: message.detail || "" });
      return;
    }
    if (state.declining) {
      state.declining = false;
      room.prejoin.paint();
    }
    if (QUIET_ERRORS.has(message.code)) {
      // Signaling to a peer that just left (or before our call.started arrived): nothing for the
      // user to do; the connection is rebuilt from presence events.
      console.warn("[room]", message.code, message.detail);
      return;
    }
    if (message.code === "not_all_ready" || message.code === "already_started") room.prejoin.startRefused();
    kit.toast(message.detail || "Something went wrong in the room.", { kind: "error" });
  }

  function onClose(event, { willReconnect }) {
    clearInterval(pingTimer);
    state.connected = false;
    if (state.ending || state.leaving) return;
    if (state.declining) {
      // Our decline went through: the server closed the socket on us.
      socket?.close();
      status.showOverlay(isMentor ? OVERLAYS.cancelledByMe : OVERLAYS.declined);
      return;
    }
    if (event.code === 4409) {
      status.showOverlay(OVERLAYS.replaced);
      return;
    }
    if (event.code === 4401) {
      location.assign(`/login/?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    if (event.code === 4403) {
      state.peerId = null;
      if (state.notOpenYet) return; // scheduleOpen() reconnects at the opening time
      status.showOverlay(OVERLAYS.closed);
      return;
    }
    if (willReconnect) {
      status.set("connecting", "Reconnecting…");
      if (state.inCall) room.call.leave();
      state.peerId = null;
      repaint();
    }
  }

  function connect() {
    clearTimeout(openTimer);
    if (socket) socket.close();
    status.set("connecting", "Connecting…");
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

  /** Connect at the room's opening time (server clock), with a little jitter. */
  function scheduleOpen() {
    clearTimeout(openTimer);
    const wait = Math.max(room.opensAt - room.serverNow(), 0) + 1000 + Math.random() * 1000;
    openTimer = setTimeout(() => {
      state.notOpenYet = false;
      connect();
    }, Math.min(wait, 2 ** 31 - 1));
  }

  /** Leaving for good: no more pings, no scheduled connect, the socket closed normally. */
  function close() {
    clearInterval(pingTimer);
    clearTimeout(openTimer);
    socket?.close(1000, "leaving");
  }

  return { send, act, connect, scheduleOpen, close };
}
