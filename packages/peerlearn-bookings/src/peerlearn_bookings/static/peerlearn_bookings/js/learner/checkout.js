// Paying for a held seat: an order from our API, then Razorpay Checkout opened over the page
// (the sandbox's stand-in in the demo and tests), so the learner never leaves the dashboard.
// Checkout's signed answer is verified by POST /api/payments/verify/. Booking a priced session
// calls this at once; "Pay now" on a card calls it again after a dismissed or failed payment.
//
// One toast per action: every toast about paying booking N shares the key `checkout-N`, so the
// "seat held" toast turns into "Paid ₹1,077.30 · <title>" in place instead of stacking.
import { kitReady } from "../../../peerlearn_core/js/ready.js";
import { formatCountdown, formatMoney } from "../../../peerlearn_core/js/format.js";
import { holdLeft } from "./hold.js";

const kit = await kitReady();
const open = new Map(); // booking id -> the promise of a Checkout in progress

export const checkoutKey = (bookingId) => `checkout-${bookingId}`;

// News this page already toasted: the server's notification of a payment made here ("Payment
// received", or the automatic refund of one that came too late) reaches this page too, and must
// not be a second toast. booking id -> {kinds, until}: while Checkout is open, and for a minute
// after it settled, only for what it settled as (a later cancel's refund is news again).
const CLAIM_MS = 60_000;
const claims = new Map();
const claim = (bookingId, kinds) => claims.set(bookingId, { kinds: new Set(kinds), until: Date.now() + CLAIM_MS });
document.addEventListener("peerlearn:notification", (event) => {
  const { kind, data } = event.detail || {};
  const found = claims.get(Number(data?.booking_id));
  if (found && found.until > Date.now() && found.kinds.has(kind)) event.preventDefault();
});

/** Is a Checkout for this booking being opened or shown? */
export const isPaying = (bookingId) => open.has(bookingId);

function loadScript(src) {
  if (window.Razorpay) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error("Checkout did not load. Check your connection and try again."));
    document.head.appendChild(script);
  });
}

function announce(action, booking) {
  document.dispatchEvent(
    new CustomEvent("peerlearn:bookings-changed", {
      detail: { source: "checkout", action, bookingId: booking.id, sessionId: booking.session?.id ?? booking.session },
    })
  );
}

function heldFor(b) {
  const left = holdLeft(b);
  return left ? ` Your seat is held for ${formatCountdown(left)} more — use Pay now to finish.` : "";
}

async function verify(b, title, response) {
  const key = checkoutKey(b.id);
  try {
    const booking = await kit.api("/api/payments/verify/", { method: "POST", body: response, quiet: true });
    if (booking.payment_status === "paid") {
      kit.toast(`Paid ${formatMoney(booking.amount)} · ${title}`, { kind: "success", key });
    } else {
      // The money came after the seat was let go: it is on its way back.
      kit.toast(`Your payment for ${title} arrived after the seat was released — it is being refunded.`, { kind: "info", key });
    }
    announce("paid", booking);
    return { outcome: booking.payment_status === "paid" ? "paid" : "refunded", booking };
  } catch (error) {
    kit.toast(`We could not confirm your payment for ${title}: ${error.message}`, { kind: "error", key });
    announce("payment-unconfirmed", b);
    return { outcome: "error" };
  }
}

async function openCheckout(b, title) {
  const key = checkoutKey(b.id);
  let order;
  try {
    order = await kit.api(`/api/bookings/${b.id}/pay/`, { method: "POST", quiet: true });
    await loadScript(order.checkout_js_url || "https://checkout.razorpay.com/v1/checkout.js");
  } catch (error) {
    kit.toast(`Checkout for ${title} did not open: ${error.message}`, { kind: "error", key });
    if (error.status === 409 || error.status === 404) announce("payment-refused", b);
    return { outcome: "error" };
  }
  const held = { ...b, hold_expires_at: order.hold_expires_at || b.hold_expires_at };
  const left = holdLeft(held);
  return new Promise((resolve) => {
    const checkout = new window.Razorpay({
      key: order.key_id,
      order_id: order.order_id,
      amount: order.amount_paise,
      currency: order.currency,
      name: "PeerLearn",
      description: title,
      // Razorpay closes Checkout when the seat stops being held.
      ...(left ? { timeout: Math.max(1, Math.floor(left / 1000)) } : {}),
      handler: (response) => verify(b, title, response).then(resolve),
      modal: {
        ondismiss: () => {
          kit.toast(`Checkout closed · ${title}.${heldFor(held)}`, { kind: "info", key });
          resolve({ outcome: "dismissed" });
        },
      },
    });
    // Checkout stays open on a failed attempt so the learner can retry or close it.
    checkout.on("payment.failed", (answer) => {
      const reason = answer?.error?.description || "The payment did not go through";
      kit.toast(`Payment failed · ${title}. ${reason}. Try again, or close Checkout and pay later.`, { kind: "error", key });
    });
    checkout.open();
  });
}

/**
 * Open Checkout for booking `b` (a held, priced seat) and settle how it went:
 * resolves {outcome: "paid"|"refunded"|"dismissed"|"error", booking?}. A second call for the
 * same booking while one is open shares it.
 */
export function payForBooking(b) {
  if (open.has(b.id)) return open.get(b.id);
  const title = b.session?.title || "your session";
  claim(b.id, ["payment.paid", "refund.pending"]);
  const paying = openCheckout(b, `“${title}”`)
    .then((result) => {
      // The server's news may trail the verify answer: keep claiming what this page announced.
      if (result.outcome === "paid") claim(b.id, ["payment.paid"]);
      else if (result.outcome === "refunded") claim(b.id, ["payment.paid", "refund.pending"]);
      else claims.delete(b.id);
      return result;
    })
    .finally(() => open.delete(b.id));
  open.set(b.id, paying);
  return paying;
}

/** Back from a redirect Checkout (?payment=…): say how it went once, then drop the marker. */
export function announceRedirectOutcome() {
  const outcome = new URLSearchParams(location.search).get("payment");
  if (!outcome) return;
  if (outcome === "paid") kit.toast("Payment received — your seat is confirmed", { kind: "success" });
  else if (outcome === "refunded")
    kit.toast("Your payment arrived after the seat was no longer held — it is being refunded", { kind: "info" });
  else kit.toast("The payment did not go through. Your seat is held for a few minutes — try again.", { kind: "error" });
  history.replaceState(null, "", location.pathname + location.hash);
}
