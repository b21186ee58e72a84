// Status pills, one set for every page: a session's status, a booking's payment, a request's
// state, a learner's confirmation, a payout's state. Each returns HTML (escaped) for template
// strings; `attrs` adds raw attributes such as data-testid.
import { escapeHtml } from "../ready.js";

const TONES = {
  indigo: "bg-indigo-50 text-indigo-700 ring-indigo-200",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  red: "bg-rose-50 text-rose-700 ring-rose-200",
  sky: "bg-sky-50 text-sky-700 ring-sky-200",
  violet: "bg-violet-50 text-violet-700 ring-violet-200",
  slate: "bg-slate-100 text-slate-600 ring-slate-200",
};

const LIVE_DOT = '<span class="h-1.5 w-1.5 animate-pulse rounded-full bg-emerald-500" aria-hidden="true"></span>';

/** A pill: `label` is text (escaped), `tone` a key of TONES. */
export function pill(label, tone = "slate", attrs = "", { dot = false } = {}) {
  const classes = TONES[tone] || TONES.slate;
  return `<span class="pl-pill inline-flex shrink-0 items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${classes}" ${attrs}>${dot ? LIVE_DOT : ""}${escapeHtml(label)}</span>`;
}

function fromTable(table, value, attrs, dataName) {
  const [label, tone] = table[value] || [String(value || "—"), "slate"];
  const data = dataName ? ` data-${dataName}="${escapeHtml(value)}"` : "";
  return pill(label, tone, `${attrs}${data}`, { dot: value === "live" });
}

export const SESSION_STATUS = {
  scheduled: ["Scheduled", "indigo"],
  live: ["Live", "green"],
  completed: ["Completed", "slate"],
  cancelled: ["Cancelled", "red"],
};

export const PAYMENT_STATUS = {
  free: ["Free", "slate"],
  pending: ["Payment pending", "amber"],
  paid: ["Paid", "green"],
  refund_pending: ["Refund pending", "violet"],
  refunded: ["Refunded", "violet"],
  failed: ["Payment failed", "red"],
};

export const REQUEST_STATUS = {
  pending: ["Pending", "amber"],
  accepted: ["Accepted", "green"],
  declined: ["Declined", "red"],
};

export const PAYOUT_STATUS = {
  created: ["Requested", "amber"],
  queued: ["Queued", "amber"],
  pending: ["Pending approval", "amber"],
  processing: ["Processing", "amber"],
  processed: ["Sent", "green"],
  reversed: ["Reversed", "red"],
  failed: ["Failed", "red"],
  rejected: ["Rejected", "red"],
  cancelled: ["Cancelled", "red"],
};

/** A session's status (scheduled / live with a pulsing dot / completed / cancelled). */
export function sessionStatusPill(status, attrs = "") {
  return fromTable(SESSION_STATUS, status, attrs, "status");
}

/** A booking's payment status as the learner and the mentor read it. */
export function paymentPill(status, attrs = "") {
  return fromTable(PAYMENT_STATUS, status, attrs, "payment");
}

/** The label of a payment status, for titles and screen-reader text. */
export function paymentLabel(status) {
  return (PAYMENT_STATUS[status] || [String(status || "")])[0];
}

/** A session request's state. */
export function requestPill(status, attrs = "") {
  return fromTable(REQUEST_STATUS, status, attrs, "status");
}

/** A learner's answer to the mentor's "I'm Ready". */
export function confirmationPill(booking, attrs = "") {
  if (booking.confirmed) return pill("Confirmed", "sky", `${attrs} data-state="confirmed"`);
  if (booking.declined) return pill("Declined", "red", `${attrs} data-state="declined"`);
  return pill("Not confirmed", "slate", `${attrs} data-state="none"`);
}

/** Attended / Missed for a past session's roll. */
export function attendancePill(attended, attrs = "") {
  return attended ? pill("Attended", "green", attrs) : pill("Missed", "slate", attrs);
}

/** A withdrawal's state (Razorpay's payout status): amber on its way, green sent, red returned. */
export function payoutPill(status, attrs = "") {
  return fromTable(PAYOUT_STATUS, status, attrs, "status");
}

/** The label of a payout status ("Sent", "Processing"…). */
export function payoutLabel(status) {
  return (PAYOUT_STATUS[status] || [String(status || "")])[0];
}
