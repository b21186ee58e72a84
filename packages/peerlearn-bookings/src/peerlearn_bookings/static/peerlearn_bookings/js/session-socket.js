// Mentor → My Sessions: live updates. One kit socket per open session on screen
// (/ws/sessions/{id}/, group session_{id}) pushes changes; the board redraws the card and the
// learners slide-over its rows. Toasts say who did what to which session ("Asha confirmed ·
// Graph algorithms clinic"), one per learner action: a toast keyed by the booking updates in place.
// What the server also sends as a notification (a declined new time) is toasted by the shell only.
import { OPEN } from "./session-card.js";

const finite = (value) => Number.isFinite(value);

export function connectSessionSockets(kit, board, learners) {
  const sockets = new Map(); // id -> kit socket

  board.socketState = (id) => {
    const socket = sockets.get(id);
    if (!socket) return null;
    return socket.readyState === WebSocket.OPEN ? "open" : "connecting";
  };

  function setCardSocket(id, value) {
    const card = board.cardEl(id);
    if (card) card.dataset.socket = value;
  }

  /** Take the counts a message carries (only those it has) into the session. */
  function takeCounts(s, message, keys) {
    keys.forEach((key) => {
      if (finite(message[key])) s[key] = message[key];
    });
  }

  function learnerToast(s, message, text, kind) {
    const who = message.learner_name || "A learner";
    kit.toast(`${who} ${text} · ${s.title}`, { kind, key: `booking-${message.booking_id}` });
  }

  function onMessage(id, message) {
    const s = board.sessions.get(id);
    if (!s || !message || typeof message !== "object") return;
    switch (message.type) {
      case "booking.created":
      case "booking.cancelled":
        takeCounts(s, message, ["booked_count", "confirmed_count"]);
        board.updateCounts(id);
        learners.refresh(id);
        break;
      case "session.rescheduled":
      case "booking.reconfirmed":
        takeCounts(s, message, ["booked_count", "reconfirm_pending_count"]);
        if (message.type === "session.rescheduled") s.rescheduled_at = s.rescheduled_at || new Date().toISOString();
        board.updateCounts(id);
        if (message.type === "booking.reconfirmed") {
          // A declined new time reaches the mentor as a notification (the shell toasts it).
          if (message.accepted) learnerToast(s, message, "kept their seat at the new time", "success");
          learners.refresh(id);
        }
        break;
      case "waitlist.changed":
        takeCounts(s, message, ["waitlist_count"]);
        board.updateCounts(id);
        break;
      case "booking.confirmed":
      case "booking.declined": {
        const confirmed = message.type === "booking.confirmed";
        takeCounts(s, message, ["confirmed_count"]);
        board.updateCounts(id, { pulseConfirmed: confirmed });
        learners.setConfirmation(id, message.booking_id, { confirmed, declined: !confirmed });
        learnerToast(s, message, confirmed ? "confirmed" : "declined", confirmed ? "success" : "info");
        break;
      }
      case "booking.payment":
        // The learner paid (or was refunded) while the mentor looks: the open slide-over follows.
        takeCounts(s, message, ["booked_count"]);
        board.updateCounts(id);
        learners.setPayment(id, message.booking_id, message.payment_status);
        break;
      case "booking.attended":
        takeCounts(s, message, ["attended_count"]);
        board.updateCounts(id);
        learners.setAttended(id, message.booking_id, Boolean(message.attended));
        break;
      case "mentor.ready":
      case "mentor.cancel_ready":
        board.setReady(id, message.type === "mentor.ready");
        break;
      case "session.updated":
        if (message.session && message.session.id === id) board.applySession(message.session);
        break;
      default:
        break;
    }
  }

  // One debounced list refresh after sockets (re)connect: catches anything pushed while we were away.
  let resyncTimer = null;
  function scheduleResync() {
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(() => board.loadScope("scheduled", { quiet: true }), 400);
  }

  /** One socket per open session in the Scheduled list; close the others. */
  function sync(scheduled) {
    const wanted = new Set(scheduled.filter((s) => OPEN.has(s.status)).map((s) => s.id));
    sockets.forEach((socket, id) => {
      if (!wanted.has(id)) {
        socket.close();
        sockets.delete(id);
      }
    });
    wanted.forEach((id) => {
      if (sockets.has(id)) return;
      const socket = kit.openSocket(`/ws/sessions/${id}/`, {
        onOpen: () => {
          setCardSocket(id, "open");
          // Anything pushed before this socket joined (or while it was away) is caught by one refetch.
          scheduleResync();
        },
        onClose: () => setCardSocket(id, "closed"),
        onMessage: (message) => onMessage(id, message),
      });
      sockets.set(id, socket);
      setCardSocket(id, "connecting");
    });
  }

  board.on("render", sync);
  window.addEventListener("pagehide", () => sockets.forEach((socket) => socket.close()));
}
