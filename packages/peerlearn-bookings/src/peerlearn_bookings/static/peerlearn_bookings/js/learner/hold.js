// The seat hold of a priced booking waiting for its payment: a live countdown from the server's
// `hold_expires_at`. One clock for the page ticks every countdown on it once a second; when one
// reaches zero it says so once (`peerlearn:hold-expired`, detail {bookingId}) so the cards can
// show that the seat is being released (the server's release_unpaid_bookings gives it back and
// the learner's `booking.released` notification re-reads the lists).
import { escapeHtml, formatCountdown, formatTime } from "../../../peerlearn_core/js/format.js";
import { ICONS } from "./icons.js";

/** Milliseconds the hold of `b` has left (0 once run out), or null when it holds nothing. */
export function holdLeft(b, now = Date.now()) {
  if (!b || b.cancelled || b.payment_status !== "pending" || !b.hold_expires_at) return null;
  const at = Date.parse(b.hold_expires_at);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** True while `b` can still be paid into its held seat. */
export const holdOpen = (b) => (holdLeft(b) ?? 1) > 0;

/**
 * The countdown line: "Seat held · 14:32 left to pay" (or, once run out, that the seat is being
 * released). `testid` names the ticking time.
 */
export function holdNotice(b, testid, { compact = false } = {}) {
  const left = holdLeft(b);
  if (left === null) return "";
  if (left === 0) {
    return `<p class="flex items-center gap-1.5 text-sm font-medium text-rose-700" data-testid="${testid}-expired" role="status">${ICONS.timer}Payment time ran out — the seat is being released.</p>`;
  }
  const until = escapeHtml(formatTime(b.hold_expires_at));
  return `
    <p class="flex flex-wrap items-center gap-x-1.5 text-sm text-amber-800" data-hold-notice>
      ${ICONS.timer}${compact ? "" : "<span>Seat held ·</span>"}
      <span class="font-semibold tabular-nums" data-hold-until="${escapeHtml(b.hold_expires_at)}" data-hold-booking="${b.id}" data-testid="${testid}" title="Pay by ${until}">${formatCountdown(left)}</span>
      <span>left to pay</span>
    </p>`;
}

let clock = null;
const expired = new Set();

function tick() {
  const now = Date.now();
  const shown = document.querySelectorAll("[data-hold-until]");
  shown.forEach((el) => {
    const left = Math.max(0, Date.parse(el.dataset.holdUntil) - now);
    const text = formatCountdown(left);
    if (el.textContent !== text) el.textContent = text;
    const id = Number(el.dataset.holdBooking);
    if (left === 0 && !expired.has(id)) {
      expired.add(id);
      document.dispatchEvent(new CustomEvent("peerlearn:hold-expired", { detail: { bookingId: id } }));
    }
  });
  if (!shown.length) {
    clearInterval(clock);
    clock = null;
  }
}

/** Make sure the page's one clock runs (call after rendering a countdown). */
export function startHoldClock() {
  if (clock === null) clock = setInterval(tick, 1000);
}
