// One toast per payout. A withdrawal is one story ("Withdrawal requested · ₹1,000.00 to name@upi"
// → "… · Processing…" → "Withdrawal sent ✓" or "Withdrawal failed"), so every state of the same
// payout updates one kit toast in place (key `payout-<id>`) instead of stacking one per push. The notifications socket's payout.* pushes
// are claimed from the shell (it would toast each one) and shown here from the payout itself.
import { formatPaise, rupeesToPaise } from "../../../peerlearn_core/js/format.js";
import { RETURNED } from "./history.js";

const STAGE = { requested: 0, processing: 1, done: 2 };
const IN_PROGRESS_MS = 10000; // long enough to see it move on; the final state gets the kit's 4 s
const FAILED_MS = 8000;

function stageOf(status) {
  if (status === "processing") return "processing";
  if (status === "processed" || RETURNED.has(status)) return "done";
  return "requested"; // created, queued, pending
}

const PROGRESS = {
  created: "",
  queued: " · Queued at Razorpay",
  pending: " · Waiting for approval",
  processing: " · Processing…",
};

/** What the toast says for a payout in its current state: {title, message, kind, duration}. */
export function payoutToastText(p) {
  const what = `${formatPaise(rupeesToPaise(p.amount))} to ${p.upi_id}`;
  if (p.status === "processed") {
    return { title: "Withdrawal sent ✓", message: p.utr ? `${what} · UTR ${p.utr}` : what, kind: "success", duration: undefined };
  }
  if (RETURNED.has(p.status)) {
    const reason = p.failure_reason ? ` ${p.failure_reason}` : "";
    return {
      title: `Withdrawal ${p.status}`,
      message: `${what} — the amount is back in your balance.${reason}`,
      kind: "error",
      duration: FAILED_MS,
    };
  }
  // On its way: what the mentor did, and how far it got.
  return { title: "Withdrawal requested", message: `${what}${PROGRESS[p.status] ?? ""}`, kind: "success", duration: IN_PROGRESS_MS };
}

export function payoutToasts(kit) {
  const shown = new Map(); // payout id → the status its toast last showed

  /** Show (or move on) the toast of payout `p`; an older state never replaces a newer one. */
  function show(p) {
    if (!p || p.id === undefined || p.id === null) return;
    const id = String(p.id);
    const before = shown.get(id);
    if (before === p.status) return;
    if (before !== undefined && STAGE[stageOf(p.status)] < STAGE[stageOf(before)]) return;
    shown.set(id, p.status);
    const { title, message, kind, duration } = payoutToastText(p);
    const options = { kind, title, key: `payout-${id}` };
    if (duration !== undefined) options.duration = duration;
    kit.toast(message, options);
  }

  return { show };
}
