// Cancel a booking: a kit modal asks first and, for a paid seat, says before the learner confirms
// whether cancelling now refunds it (payouts' policy: in full before the cutoff, nothing after).
import { kitReady } from "../../../peerlearn_core/js/ready.js";
import { formatMoney } from "../../../peerlearn_core/js/format.js";
import { whileBusy } from "../../../peerlearn_core/js/kit/busy.js";
import { when } from "./icons.js";

const kit = await kitReady();

/**
 * `ctx`: {bookings, busy, run, bump, dropOrKeep, refreshSoon, announce} from the bookings page.
 * Returns `ask(b)`, which opens the dialog for booking `b`.
 */
export function cancelDialog(ctx) {
  const modal = document.getElementById("cancel-booking-modal");
  if (!modal) return () => {};
  if (modal.parentElement !== document.body) document.body.appendChild(modal);
  const confirm = modal.querySelector("[data-cancel-confirm]");
  const refund = modal.querySelector("[data-cancel-refund]");
  let cancelling = null; // booking id the modal is about
  let quote = null; // what cancelling it now refunds, for a paid seat

  async function showQuote(b) {
    refund.hidden = false;
    refund.textContent = "Checking the refund…";
    confirm.disabled = true;
    try {
      const answer = await kit.api(`/api/bookings/${b.id}/refund_quote/`, { quiet: true });
      if (cancelling !== b.id) return;
      quote = answer;
      const hours = Number(answer.cutoff_hours);
      refund.dataset.refund = answer.full_refund ? "full" : "none";
      refund.textContent = answer.full_refund
        ? `You'll get a full refund of ${formatMoney(answer.refund)} to your original payment method (cancelling more than ${hours} hours before the start).`
        : `No refund: it's less than ${hours} hours before the start (full refunds ended ${when(answer.cutoff_at)}).`;
    } catch {
      if (cancelling === b.id) refund.hidden = true;
    } finally {
      if (cancelling === b.id) confirm.disabled = false;
    }
  }

  function ask(b) {
    cancelling = b.id;
    quote = null;
    modal.querySelector("[data-cancel-title]").textContent = `“${b.session.title}”`;
    if (refund) {
      refund.hidden = true;
      refund.dataset.refund = "";
    }
    kit.openModal(modal);
    if (b.payment_status === "paid" && refund) showQuote(b);
  }

  async function cancel() {
    const b = ctx.bookings.get(cancelling);
    if (!b || ctx.busy.has(b.id)) return;
    const result = await whileBusy(confirm, "Cancelling…", () =>
      ctx.run(b, "cancel", () => kit.api(`/api/bookings/${b.id}/cancel/`, { method: "POST" }))
    );
    await kit.closeModal(modal);
    if (!result) return;
    ctx.bump();
    const refunding = b.payment_status === "paid" && quote?.booking_id === b.id && quote.full_refund;
    ctx.dropOrKeep(b, result, refunding ? "refund_pending" : null);
    ctx.refreshSoon(); // the server's word on the refund (the card keeps its place under "Cancelled")
    const money = refunding ? ` — refund of ${formatMoney(quote.refund)} on its way` : "";
    kit.toast(`Booking for “${b.session.title}” cancelled${money}`, { kind: "success" });
    ctx.announce("cancelled", b.id);
  }

  confirm?.addEventListener("click", cancel);
  return ask;
}
