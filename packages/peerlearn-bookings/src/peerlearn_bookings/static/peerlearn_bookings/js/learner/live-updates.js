// My Bookings, live: one kit socket per open booked session (/ws/sessions/{id}/) pushes changes
// (mentor ready, confirmations, reschedules, cancels). Every (re)connect re-reads the list, so a
// page opened late shows the same state as one that watched every push.
import { kitReady } from "../../../peerlearn_core/js/ready.js";
import { isOpen } from "./booking-card.js";

const kit = await kitReady();

/**
 * `ctx`: {userId, bookings, busy, bump, renderCard, renderAll, refreshSoon, dropOrKeep, announce}.
 * Returns {sync(), closeAll()}: sync() opens and closes sockets to match the open bookings.
 */
export function liveUpdates(ctx) {
  const sockets = new Map(); // session id -> kit socket
  const ofSession = (sessionId) => Array.from(ctx.bookings.values()).filter((b) => b.session.id === sessionId);

  function setMentorReady(sessionId, ready) {
    ofSession(sessionId).forEach((b) => {
      if (Boolean(b.session.mentor_ready) === ready) return;
      ctx.bump();
      b.session = { ...b.session, mentor_ready: ready };
      const panel = ctx.renderCard(b).querySelector("[data-attendance-panel]");
      if (ready && panel) kit.animate(panel, "pl-slide-down");
    });
  }

  function setAttendance(message) {
    if (Number(message.learner_id) !== ctx.userId) return;
    const b = ctx.bookings.get(Number(message.booking_id));
    const confirmed = message.type === "booking.confirmed";
    if (!b || (b.confirmed === confirmed && b.declined === !confirmed)) return;
    ctx.bump();
    b.confirmed = confirmed;
    b.declined = !confirmed;
    const el = ctx.renderCard(b);
    // This tab's own click animates when its POST returns; another tab's change animates here.
    if (!ctx.busy.has(b.id)) kit.animate(el, confirmed ? "pl-pulse-blue" : "pl-pulse-red");
  }

  function rescheduled(sessionId, message) {
    // Every seat of ours asks for an answer to the new time.
    const states = new Map((message.bookings || []).map((x) => [Number(x.booking_id), Boolean(x.reconfirm_pending)]));
    ofSession(sessionId).forEach((b) => {
      if (!states.has(b.id)) return;
      ctx.bump();
      b.reconfirm_pending = states.get(b.id);
      b.session = { ...b.session, starts_at: message.starts_at || b.session.starts_at };
      const el = ctx.renderCard(b);
      if (b.reconfirm_pending) kit.animate(el, "pl-pulse-blue");
    });
  }

  function onMessage(sessionId, message) {
    if (!message || typeof message !== "object") return;
    const type = message.type;
    if (type === "mentor.ready" || type === "mentor.cancel_ready") setMentorReady(sessionId, type === "mentor.ready");
    else if (type === "booking.confirmed" || type === "booking.declined") setAttendance(message);
    else if (type === "session.rescheduled") rescheduled(sessionId, message);
    else if (type === "session.updated" && message.session && typeof message.session === "object") {
      const mine = ofSession(sessionId);
      if (!mine.length) return;
      ctx.bump();
      mine.forEach((b) => {
        b.session = { ...b.session, ...message.session };
      });
      ctx.renderAll();
    } else if (type === "booking.reconfirmed") {
      const b = ctx.bookings.get(Number(message.booking_id));
      if (Number(message.learner_id) !== ctx.userId || !b || ctx.busy.has(b.id)) return;
      if (!message.accepted) return ctx.refreshSoon(0);
      ctx.bump();
      b.reconfirm_pending = false;
      ctx.renderCard(b);
    } else if (type === "booking.cancelled") {
      const id = Number(message.booking_id);
      if (!ctx.bookings.has(id) || ctx.busy.get(id) === "cancel") return;
      ctx.bump();
      ctx.dropOrKeep(ctx.bookings.get(id), null);
      ctx.refreshSoon();
      ctx.announce("cancelled", id, "bookings-sync");
    }
  }

  function sync() {
    const wanted = new Set(Array.from(ctx.bookings.values()).filter(isOpen).map((b) => b.session.id));
    for (const [sessionId, socket] of sockets) {
      if (!wanted.has(sessionId)) {
        socket.close();
        sockets.delete(sessionId);
      }
    }
    for (const sessionId of wanted) {
      if (sockets.has(sessionId)) continue;
      sockets.set(
        sessionId,
        kit.openSocket(`/ws/sessions/${sessionId}/`, {
          // Anything pushed before the socket joined (or while it was down) is re-read.
          onOpen: () => ctx.refreshSoon(),
          onMessage: (message) => onMessage(sessionId, message),
        })
      );
    }
  }

  function closeAll() {
    sockets.forEach((socket) => socket.close());
    sockets.clear();
  }

  return { sync, closeAll };
}
