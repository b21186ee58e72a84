// One "My Bookings" card as HTML: status and payment pills, when, the mentor's cancel or ours
// with where the money is, the reschedule question, the attendance panel, the actions (Pay with
// the seat-hold countdown, Join room, Cancel) and, after the session, the feedback form.
import { escapeHtml, formatMoney } from "../../../peerlearn_core/js/format.js";
import { busyAttrs, busyLabel } from "../../../peerlearn_core/js/kit/busy.js";
import { paymentPill, sessionStatusPill } from "../../../peerlearn_core/js/kit/pills.js";
import { feedbackBlock } from "./feedback.js";
import { holdLeft, holdNotice } from "./hold.js";
import { ICONS, when, whenItems } from "./icons.js";

const OPEN = new Set(["scheduled", "live"]);
const SEATED = new Set(["free", "paid"]);
const FOCUS = "focus-visible:outline-2 focus-visible:outline-offset-2";
const BUTTON = `inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-semibold transition disabled:cursor-wait disabled:opacity-60 ${FOCUS}`;

export const isOpen = (b) => !b.cancelled && OPEN.has(b.session.status);

/** The room is open from room_opens_at until ends_at while the session is scheduled or live. */
export function roomWindowOpen(s, now = Date.now()) {
  if (!OPEN.has(s.status) || !s.room_opens_at || !s.ends_at) return false;
  return Date.parse(s.room_opens_at) <= now && now < Date.parse(s.ends_at);
}

// An active, not-declined booking whose seat is free or paid (a held seat waits outside the room).
export const canJoinRoom = (b) => !b.cancelled && !b.declined && SEATED.has(b.payment_status) && roomWindowOpen(b.session);

function button(action, testid, label, busyText, current, classes) {
  const on = current === action;
  return `<button type="button" data-action="${action}" data-testid="${testid}" ${current ? "disabled" : ""} ${on ? 'aria-busy="true"' : ""}
    class="${BUTTON} ${classes}">${on ? busyLabel(busyText) : label}</button>`;
}

function attendancePanel(b, action) {
  const ready = isOpen(b) && b.session.mentor_ready;
  if (isOpen(b) && !ready && !b.confirmed && !b.declined) {
    return `<p class="mt-4 text-sm text-slate-500" data-testid="waiting-${b.id}">You will be asked to confirm when the mentor is ready.</p>`;
  }
  if (!isOpen(b) || !(ready || b.confirmed || b.declined)) return "";
  const tone = b.confirmed ? "bg-blue-50 ring-blue-200" : b.declined ? "bg-rose-50 ring-rose-200" : "bg-indigo-50 ring-indigo-200";
  const lines = [];
  if (ready && !b.confirmed) {
    lines.push(`
      <p class="flex items-center gap-2 font-medium text-indigo-900" data-testid="ready-banner-${b.id}" role="status">
        <span class="relative flex h-2.5 w-2.5 shrink-0" aria-hidden="true"><span class="absolute inline-flex h-full w-full rounded-full bg-indigo-400 opacity-75 motion-safe:animate-ping"></span><span class="relative inline-flex h-2.5 w-2.5 rounded-full bg-indigo-500"></span></span>
        <span>Mentor is ready—please confirm.</span>
      </p>`);
  }
  if (b.confirmed) {
    lines.push(`<p class="font-semibold text-blue-800" data-testid="attendance-${b.id}" data-attendance="confirmed">Confirmed ✓</p>
      <p class="text-xs text-blue-700">The mentor can see you are coming.</p>`);
  } else if (b.declined) {
    lines.push(`<p class="font-semibold text-rose-700" data-testid="attendance-${b.id}" data-attendance="declined">You declined</p>
      <p class="text-xs text-rose-600">${ready ? "Changed your mind? Confirm again." : "You can confirm again when the mentor is ready."}</p>`);
  }
  const wide = "w-full shrink-0 shadow-sm sm:w-auto";
  const control =
    ready && !b.confirmed
      ? button("confirm", `confirm-${b.id}`, "Confirm Attendance", "Confirming…", action, `${wide} bg-blue-600 text-white hover:bg-blue-700 focus-visible:outline-blue-600`)
      : b.confirmed
        ? button("decline", `decline-${b.id}`, "Decline", "Declining…", action, `${wide} bg-white text-rose-700 ring-1 ring-inset ring-rose-300 hover:bg-rose-50 focus-visible:outline-rose-600`)
        : "";
  return `
    <div class="mt-4 flex flex-col gap-3 rounded-xl px-3.5 py-3 ring-1 ring-inset sm:flex-row sm:items-center sm:justify-between ${tone}" data-attendance-panel data-testid="attendance-panel-${b.id}">
      <div class="min-w-0 space-y-0.5 text-sm">${lines.join("")}</div>
      ${control}
    </div>`;
}

// The mentor moved the start: keep the seat at the new time, or decline it (a full refund).
function reconfirmPanel(b, action) {
  const s = b.session;
  if (!b.reconfirm_pending || b.cancelled || s.status !== "scheduled") return "";
  const refund = b.payment_status === "paid" ? " Declining refunds you in full." : "";
  return `
    <div class="mt-4 rounded-xl bg-amber-50 px-3.5 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="reconfirm-panel-${b.id}">
      <p class="font-medium">New time: <time datetime="${escapeHtml(s.starts_at)}" data-testid="reconfirm-when-${b.id}">${escapeHtml(when(s.starts_at))}</time></p>
      <p class="mt-0.5 text-amber-800">The mentor rescheduled.${refund}</p>
      <div class="mt-2.5 flex flex-wrap gap-2">
        ${button("reconfirm-keep", `reconfirm-keep-${b.id}`, "Keep my seat", "Keeping…", action, "bg-indigo-600 text-white shadow-sm hover:bg-indigo-700 focus-visible:outline-indigo-600")}
        ${button("reconfirm-decline", `reconfirm-decline-${b.id}`, "Decline", "Declining…", action, "font-medium text-rose-700 ring-1 ring-inset ring-rose-200 hover:bg-rose-50 focus-visible:outline-rose-600")}
      </div>
    </div>`;
}

function actionsRow(b, action, paying) {
  const s = b.session;
  const canJoin = canJoinRoom(b);
  const canCancel = !b.cancelled && s.status === "scheduled" && Date.parse(s.starts_at) > Date.now();
  const canPay = b.payment_status === "pending" && !b.cancelled && s.status === "scheduled" && holdLeft(b) !== 0;
  if (!canJoin && !canCancel && !canPay) return "";
  const pay = canPay
    ? `<button type="button" data-action="pay" data-testid="pay-${b.id}" ${busyAttrs(Boolean(action) || paying)}
          class="${BUTTON} bg-emerald-600 text-white shadow-sm hover:bg-emerald-700 focus-visible:outline-emerald-600">${
            paying ? busyLabel("Checkout open…") : `Pay ${escapeHtml(formatMoney(b.amount))}`
          }</button>`
    : "";
  const join = canJoin
    ? `<a href="${escapeHtml(s.room_url)}" data-testid="join-room-${b.id}"
          class="${BUTTON} bg-indigo-600 text-white shadow-sm hover:bg-indigo-700 focus-visible:outline-indigo-600">${ICONS.video}Join room</a>`
    : "";
  const cancel = canCancel
    ? button("cancel", `cancel-booking-${b.id}`, "Cancel booking", "Cancelling…", action, "ml-auto px-3 font-medium text-slate-600 hover:bg-rose-50 hover:text-rose-700 focus-visible:outline-rose-600")
    : "";
  return `<div class="mt-auto flex flex-wrap items-center gap-2 pt-4">${pay}${join}${cancel}</div>`;
}

// Where the money is, for a cancelled seat (the learner's cancel, the mentor's, or a lapsed hold).
function refundNote(b) {
  if (!b.cancelled && b.session.status !== "cancelled") return "";
  const amount = escapeHtml(formatMoney(b.amount));
  const note = {
    refund_pending: `Your refund of ${amount} is on its way to your original payment method.`,
    refunded: `${amount} refunded to your original payment method. It can take 5–7 working days to show.`,
    // Cancelled after the cutoff (no refund), or a refund that failed and is with support.
    paid: b.cancelled && b.cancel_reason === "learner" ? "This payment was not refunded — your notifications say why." : "",
  }[b.payment_status];
  if (!note) return "";
  return `<p class="mt-2 break-words text-sm text-slate-600" data-testid="booking-refund-${b.id}" data-payment="${escapeHtml(b.payment_status)}">${note}</p>`;
}

const CANCELLED_BY = {
  reschedule_declined: "You declined the new time",
  hold_released: "The seat was released: the payment did not arrive while it was held",
};

function cancelledNote(b) {
  const s = b.session;
  const box = `mt-3 break-words rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-700" data-testid="booking-cancelled-${b.id}"`;
  if (s.status === "cancelled") return `<p class="${box}>The mentor cancelled this session${s.cancel_reason ? `: ${escapeHtml(s.cancel_reason)}` : "."}</p>`;
  if (!b.cancelled) return "";
  const on = b.cancelled_at ? ` on ${escapeHtml(when(b.cancelled_at))}` : "";
  return `<p class="${box}>${CANCELLED_BY[b.cancel_reason] || "You cancelled this booking"}${on}.</p>`;
}

/** The card's inner HTML. `view`: {action} in flight, {paying} Checkout open, {draft} feedback typed. */
export function bookingCardHtml(b, { action = "", paying = false, draft = null } = {}) {
  const s = b.session;
  const shownStatus = b.cancelled ? "cancelled" : s.status;
  return `
    <div class="flex items-start justify-between gap-3">
      <div class="min-w-0">
        <h3 class="break-words font-semibold text-slate-900" data-testid="booking-title-${b.id}">${escapeHtml(s.title)}</h3>
        <p class="mt-0.5 truncate text-sm text-slate-500">with <span class="font-medium text-slate-700">${escapeHtml(s.mentor?.name || "")}</span></p>
      </div>
      <div class="flex shrink-0 flex-col items-end gap-1.5">
        ${sessionStatusPill(shownStatus, `data-testid="booking-status-${b.id}"`)}
        ${paymentPill(b.payment_status, `data-testid="booking-payment-${b.id}"`)}
      </div>
    </div>
    <ul class="mt-3 flex flex-wrap gap-x-4 gap-y-1.5 text-sm text-slate-600">${whenItems(s, `booking-when-${b.id}`)}</ul>
    ${cancelledNote(b)}
    ${refundNote(b)}
    ${b.cancelled ? "" : `<div class="mt-3 empty:hidden">${holdNotice(b, `hold-countdown-${b.id}`)}</div>`}
    ${reconfirmPanel(b, action)}
    ${attendancePanel(b, action)}
    ${actionsRow(b, action, paying)}
    ${feedbackBlock(b, draft, action === "feedback")}`;
}

/** What the card shows depends on exactly these: it is redrawn only when they change. */
export function cardSignature(b, view) {
  const s = b.session;
  return JSON.stringify([
    s.title, s.mentor?.name, s.starts_at, s.duration_minutes, s.status, s.mentor_ready, s.room_url, s.cancel_reason,
    b.payment_status, b.confirmed, b.declined, b.has_feedback, b.cancelled, b.cancelled_at, b.cancel_reason, b.amount,
    b.reconfirm_pending, b.hold_expires_at, holdLeft(b) === 0, canJoinRoom(b), view.action || "", Boolean(view.paying),
  ]);
}
