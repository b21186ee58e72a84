// Learner "My Bookings" tab: the learner's bookings from GET /api/bookings/, with Confirm /
// Decline attendance, Join room, Pay (Checkout over the page, with the seat hold's countdown),
// Cancel booking and feedback for completed sessions. The card HTML is learner/booking-card.js;
// the cancel dialog, feedback form, live socket updates and Checkout live beside it in learner/.
//
// State lives on the server; sockets only push changes and every (re)connect re-reads the list.
// A cancelled session (or a booking the learner cancelled) has no session socket: its refund
// moving arrives as a `refund.*` notification on the learner's own socket, which re-reads the
// list. Paid bookings cancelled in the last CANCELLED_SHOWN_DAYS stay listed under "Cancelled"
// with their refund status, and so does a seat released because its payment never came.
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { setLoading } from "../../peerlearn_core/js/kit/busy.js";
import { bookingCardHtml, canJoinRoom, cardSignature, isOpen } from "./learner/booking-card.js";
import { cancelDialog } from "./learner/cancel-dialog.js";
import { announceRedirectOutcome, isPaying, payForBooking } from "./learner/checkout.js";
import { wireFeedback } from "./learner/feedback.js";
import { startHoldClock } from "./learner/hold.js";
import { liveUpdates } from "./learner/live-updates.js";

const kit = await kitReady();
const root = document.querySelector("[data-learner-bookings]");
if (root) main(root);

// A cancelled booking stays on the page while money moved for it (its refund, or why there is
// none), or when its held seat was released unpaid.
const MONEY_SHOWN = new Set(["paid", "refund_pending", "refunded"]);
const CANCELLED_SHOWN_DAYS = 30;
const JOIN_CHECK_MS = 30000;

function showsCancelled(b, now = Date.now()) {
  if (!b.cancelled || !(MONEY_SHOWN.has(b.payment_status) || b.cancel_reason === "hold_released")) return false;
  const at = Date.parse(b.cancelled_at || "");
  return Number.isNaN(at) || now - at < CANCELLED_SHOWN_DAYS * 86400000;
}

function main(root) {
  const lists = {
    upcoming: root.querySelector('[data-bookings-list="upcoming"]'),
    past: root.querySelector('[data-bookings-list="past"]'),
    cancelled: root.querySelector('[data-bookings-list="cancelled"]'),
  };
  const pastSection = root.querySelector('[data-bookings-section="past"]');
  const cancelledSection = root.querySelector('[data-bookings-section="cancelled"]');
  const empty = root.querySelector("[data-bookings-empty]");

  const bookings = new Map(); // booking id -> booking (with its session object)
  const cards = new Map(); // booking id -> <article>
  const signatures = new Map(); // booking id -> what the card was last rendered from
  const busy = new Map(); // booking id -> action in flight
  const drafts = new Map(); // booking id -> {rating, comment} typed but not sent
  let version = 0; // bumped by every local change, so a slower stale read never overwrites it
  let loaded = false;
  let joinTimer = null;

  /** The card element of `b`, re-rendered only when what it shows changed. */
  function renderCard(b) {
    let el = cards.get(b.id);
    if (!el) {
      el = document.createElement("article");
      el.className =
        "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-colors data-[ready=true]:border-indigo-200 data-[attendance=confirmed]:border-blue-200 data-[attendance=declined]:border-rose-200 data-[held=true]:border-amber-200";
      el.dataset.testid = `booking-card-${b.id}`;
      el.dataset.bookingId = b.id;
      cards.set(b.id, el);
    }
    // State as data attributes (not classes), so a running kit animation class is never wiped.
    el.dataset.sessionId = b.session.id;
    el.dataset.status = b.session.status;
    el.dataset.ready = String(isOpen(b) && Boolean(b.session.mentor_ready));
    el.dataset.attendance = !isOpen(b) ? "none" : b.confirmed ? "confirmed" : b.declined ? "declined" : "none";
    el.dataset.held = String(!b.cancelled && b.payment_status === "pending");
    const view = { action: busy.get(b.id) || "", paying: isPaying(b.id), draft: drafts.get(b.id) };
    const sig = cardSignature(b, view);
    if (signatures.get(b.id) !== sig) {
      const hadFocus = el.contains(document.activeElement);
      el.innerHTML = bookingCardHtml(b, view);
      signatures.set(b.id, sig);
      if (hadFocus) el.querySelector("[data-action], a, textarea")?.focus({ preventScroll: true });
    }
    return el;
  }

  function place(container, items) {
    container.querySelectorAll("[data-skeleton]").forEach((el) => el.remove());
    items.forEach((b, i) => {
      const el = renderCard(b);
      if (container.children[i] !== el) container.insertBefore(el, container.children[i] || null);
    });
    Array.from(container.children)
      .slice(items.length)
      .forEach((el) => el.remove());
    setLoading(container, false);
  }

  // "Join room" shows exactly while the room is open: re-checked every 30 s and at the next
  // opening or closing moment, so the button appears on time without a reload.
  function refreshJoinButtons() {
    clearTimeout(joinTimer);
    const now = Date.now();
    let next = JOIN_CHECK_MS;
    bookings.forEach((b) => {
      if (cards.has(b.id)) renderCard(b); // redraws only when canJoinRoom(b) (or anything else) changed
      if (!isOpen(b)) return;
      [b.session.room_opens_at, b.session.ends_at].forEach((iso) => {
        const at = Date.parse(iso);
        if (at > now) next = Math.min(next, at - now + 50);
      });
    });
    joinTimer = setTimeout(refreshJoinButtons, next);
  }

  function renderAll() {
    const all = Array.from(bookings.values());
    const starts = (b) => Date.parse(b.session.starts_at);
    const cancelledAt = (b) => Date.parse(b.cancelled_at || "") || 0;
    const upcoming = all.filter(isOpen).sort((a, b) => starts(a) - starts(b) || a.id - b.id);
    const past = all.filter((b) => !b.cancelled && !isOpen(b)).sort((a, b) => starts(b) - starts(a) || b.id - a.id);
    const gone = all.filter((b) => b.cancelled).sort((a, b) => cancelledAt(b) - cancelledAt(a) || b.id - a.id);
    for (const [id, el] of cards) {
      if (!bookings.has(id)) {
        el.remove();
        cards.delete(id);
        signatures.delete(id);
        drafts.delete(id);
      }
    }
    place(lists.upcoming, upcoming);
    place(lists.past, past);
    if (lists.cancelled) place(lists.cancelled, gone);
    if (cancelledSection) cancelledSection.hidden = gone.length === 0;
    lists.upcoming.hidden = upcoming.length === 0;
    empty.hidden = upcoming.length > 0;
    empty.querySelector("p").textContent = past.length || gone.length ? "No upcoming bookings" : "No bookings yet";
    pastSection.hidden = past.length === 0;
    live.sync();
    refreshJoinButtons();
    startHoldClock();
  }

  // --- loading ------------------------------------------------------------------------------

  let loadSeq = 0;
  async function load({ quiet = false } = {}) {
    const seq = ++loadSeq;
    const startedAt = version;
    let data;
    try {
      data = await kit.api("/api/bookings/?include_cancelled=true", { quiet });
    } catch {
      if (seq === loadSeq && !loaded) showLoadError();
      return;
    }
    if (seq !== loadSeq) return;
    if (startedAt !== version) return refreshSoon(); // changed locally while this read was on the wire
    loaded = true;
    bookings.clear();
    data
      .filter((b) => (!b.cancelled || showsCancelled(b)) && b.session && typeof b.session === "object")
      .forEach((b) => bookings.set(b.id, b));
    renderAll();
  }

  let refreshTimer = null;
  function refreshSoon(delay = 150) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => load({ quiet: true }), delay);
  }

  function showLoadError() {
    setLoading(lists.upcoming, false);
    lists.upcoming.hidden = false;
    empty.hidden = true;
    lists.upcoming.innerHTML = `
      <div class="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-center md:col-span-2" data-testid="bookings-error">
        <p class="font-medium text-rose-800">Could not load your bookings.</p>
        <button type="button" data-bookings-retry class="mt-3 rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-rose-700 shadow-sm ring-1 ring-inset ring-rose-200 hover:bg-rose-100">Try again</button>
      </div>`;
  }

  // --- actions ------------------------------------------------------------------------------

  async function run(b, action, request) {
    if (busy.has(b.id)) return null;
    busy.set(b.id, action);
    renderCard(b);
    try {
      return await request();
    } catch (error) {
      // api() already showed the (shaking) error toast; a conflict means our copy is stale.
      if (error.status === 409 || error.status === 404) refreshSoon(0);
      return null;
    } finally {
      busy.delete(b.id);
      if (bookings.has(b.id)) renderCard(b);
    }
  }

  const bump = () => {
    version += 1;
  };

  function announce(action, bookingId, source = "bookings") {
    document.dispatchEvent(new CustomEvent("peerlearn:bookings-changed", { detail: { source, action, bookingId } }));
  }

  // A booking just cancelled: a paid one moves to "Cancelled" with its refund status; an unpaid one
  // leaves the page. `state` is the action's answer (BookingStateSerializer) when there is one.
  function dropOrKeep(b, state, paymentStatus = null) {
    const next = { ...b, cancelled: true, cancelled_at: new Date().toISOString() };
    for (const key of ["payment_status", "cancelled_at", "cancel_reason"]) if (state?.[key] != null) next[key] = state[key];
    if (paymentStatus && next.payment_status === "paid") next.payment_status = paymentStatus;
    if (showsCancelled(next)) bookings.set(b.id, Object.assign(b, next));
    else bookings.delete(b.id);
    renderAll();
  }

  const ctx = { userId: Number(document.body.dataset.userId), bookings, busy, drafts, run, bump, renderCard, renderAll, refreshSoon, dropOrKeep, announce };
  ctx.bookingOf = (el) => bookings.get(Number(el.closest("[data-booking-id]")?.dataset.bookingId));
  const live = liveUpdates(ctx);
  const askCancel = cancelDialog(ctx);
  wireFeedback(root, ctx);

  async function attendance(b, confirm) {
    const result = await run(b, confirm ? "confirm" : "decline", () =>
      kit.api(`/api/bookings/${b.id}/${confirm ? "confirm" : "decline"}/`, { method: "POST" })
    );
    if (!result) return;
    bump();
    b.confirmed = Boolean(result.confirmed);
    b.declined = Boolean(result.declined);
    const el = renderCard(b);
    kit.animate(el, confirm ? "pl-pulse-blue" : "pl-pulse-red");
    const decline = confirm && el.querySelector("[data-action=decline]");
    if (decline) kit.animate(decline, "pl-pulse-red");
    if (confirm) kit.toast(`Attendance confirmed · “${b.session.title}”`, { kind: "success" });
    else kit.toast(`You declined · “${b.session.title}”`, { kind: "info" });
  }

  async function reconfirm(b, accept) {
    const result = await run(b, accept ? "reconfirm-keep" : "reconfirm-decline", () =>
      kit.api(`/api/bookings/${b.id}/reconfirm/`, { method: "POST", body: { accept } })
    );
    if (!result) return;
    bump();
    if (accept) {
      b.reconfirm_pending = false;
      kit.toast(`Your seat is kept at the new time · “${b.session.title}”`, { kind: "success" });
      renderCard(b);
      return;
    }
    const paid = b.payment_status === "paid";
    dropOrKeep(b, result, "refund_pending"); // declining the new time refunds in full
    refreshSoon(); // the server's word on the refund it opened
    kit.toast(`Seat released · “${b.session.title}”${paid ? " — your refund is on its way" : ""}`, { kind: "info" });
    announce("cancelled", b.id);
  }

  async function pay(b) {
    const paying = payForBooking(b);
    renderCard(b);
    const { outcome, booking: settled } = await paying;
    if (settled && bookings.has(b.id)) {
      bump();
      Object.assign(b, settled, { session: b.session });
    }
    const el = bookings.has(b.id) ? renderCard(b) : null;
    if (el && outcome === "paid") kit.animate(el, "pl-flash-green");
  }

  const ACTIONS = {
    confirm: (b) => attendance(b, true),
    decline: (b) => attendance(b, false),
    cancel: (b) => askCancel(b),
    pay: (b) => pay(b),
    "reconfirm-keep": (b) => reconfirm(b, true),
    "reconfirm-decline": (b) => reconfirm(b, false),
  };

  root.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest("[data-action]");
    if (button && !button.disabled) {
      const b = ctx.bookingOf(button);
      if (b) ACTIONS[button.dataset.action]?.(b);
      return;
    }
    const goto = target?.closest("[data-goto-tab]");
    if (goto) document.querySelector(`[data-dashboard] [role="tablist"] [data-tab="${goto.dataset.gotoTab}"]`)?.click();
    else if (target?.closest("[data-bookings-retry]")) load();
  });

  document.addEventListener("peerlearn:bookings-changed", (event) => {
    if (event.detail?.source === "bookings" || event.detail?.source === "bookings-sync") return;
    bump(); // a booking made or paid elsewhere on the page: any read in flight is stale
    load({ quiet: true });
  });

  // A hold ran out: the card says the seat is being released (the server's word follows).
  document.addEventListener("peerlearn:hold-expired", (event) => {
    const b = bookings.get(event.detail?.bookingId);
    if (b) renderCard(b);
  });

  // The shell turns every notification into this event; the ones about sessions, bookings (a seat
  // released unpaid), an accepted request, a payment or a refund may mean a card changed.
  document.addEventListener("peerlearn:notification", (event) => {
    const kind = event.detail?.kind || "";
    if (kind === "request.accepted" || ["session.", "booking.", "waitlist.", "refund.", "payment."].some((p) => kind.startsWith(p)))
      refreshSoon();
  });

  root.closest("[data-tabs]")?.addEventListener("tabs:change", (event) => {
    if (event.detail?.tab === "bookings" && loaded) refreshSoon(0);
  });

  window.addEventListener("pagehide", () => live.closeAll());

  announceRedirectOutcome();
  load();
}
