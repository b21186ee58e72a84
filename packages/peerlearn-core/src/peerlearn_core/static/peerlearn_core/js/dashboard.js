// The dashboard shell: one notifications socket per page that turns pushes into toasts,
// live badge counts and document events other tab scripts listen to. A listener that calls
// preventDefault() on `peerlearn:notification` shows that notification itself (no shell toast).
import { kitReady } from "./ready.js";

const kit = await kitReady();
const root = document.querySelector("[data-dashboard]");
const dot = document.querySelector("[data-live-dot]");
const label = document.querySelector("[data-live-label]");

function setLive(state) {
  if (!dot) return;
  dot.className = "inline-block h-2 w-2 rounded-full " + (state ? "bg-emerald-500" : "bg-amber-400");
  label.textContent = state ? "Live" : "Reconnecting…";
  root.dataset.live = state ? "true" : "false";
}

function applyBadges(counts) {
  for (const [key, value] of Object.entries(counts)) {
    if (key === "type") continue;
    document.querySelectorAll(`[data-badge="${key}"]`).forEach((el) => {
      if (String(el.textContent).trim() !== String(value) || el.hidden !== (value === 0)) {
        kit.setBadge(el, value);
      }
    });
  }
}

kit.openSocket("/ws/notifications/", {
  onOpen: () => setLive(true),
  onClose: () => setLive(false),
  onMessage: (message) => {
    if (message.type === "notification") {
      // A tab script that already shows this news in its own toast (the payment it just took,
      // the payout it is following) claims the event with preventDefault(): one toast per action.
      const event = new CustomEvent("peerlearn:notification", { detail: message, cancelable: true });
      if (document.dispatchEvent(event)) {
        // Keyed by id: a notification replaced on the server (a coalesced thread) updates its toast.
        kit.toast(message.body || message.title, {
          kind: "info",
          title: message.body ? message.title : undefined,
          key: `notification-${message.id}`,
        });
      }
    } else if (message.type === "badges") {
      applyBadges(message);
      document.dispatchEvent(new CustomEvent("peerlearn:badges", { detail: message }));
    } else if (message && typeof message.type === "string") {
      // A platform channel an app registered (e.g. browse.session for learners): its tab listens.
      document.dispatchEvent(new CustomEvent("peerlearn:push", { detail: message }));
    }
  },
});
