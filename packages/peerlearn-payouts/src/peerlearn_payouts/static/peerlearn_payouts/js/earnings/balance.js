// The balance card: GET /api/payouts/balance/ (rupee strings) shown as the kit count-up, where the
// mentor can see it; "Withdraw via Razorpay" is enabled only with something to withdraw.
import { formatPaise, rupeesToPaise } from "../../../peerlearn_core/js/format.js";

const KEYS = ["available", "earned", "withdrawn", "pending"];

/** @returns the card: {paise (the last balance, in paise, or null), load(), showPending(), available()} */
export function balanceCard(kit, root, modal, { visible }) {
  const card = root.querySelector("[data-balance-card]");
  const els = Object.fromEntries(KEYS.map((key) => [key, root.querySelector(`[data-balance="${key}"]`)]));
  const openButton = root.querySelector("[data-withdraw-open]");
  const hint = root.querySelector("[data-withdraw-hint]");
  const availableEls = Array.from(modal.querySelectorAll("[data-wd-available]"));
  let shown = false; // counted up on screen at least once
  let seq = 0;

  const self = {
    paise: null, // {earned, withdrawn, pending, available}
    available: () => (self.paise ? self.paise.available : null),
    load,
    showPending,
    openButton,
  };

  function show() {
    for (const [key, el] of Object.entries(els)) {
      if (el) kit.countUp(el, self.paise[key] / 100, { format: "money" });
    }
    shown = true;
  }

  /** A balance loaded while the tab was hidden counts up when the tab is first shown. */
  function showPending() {
    if (self.paise && !shown) show();
  }

  function apply(data) {
    self.paise = Object.fromEntries(KEYS.map((key) => [key, rupeesToPaise(data[key]) ?? 0]));
    card.removeAttribute("aria-busy");
    if (visible()) show();
    const canWithdraw = self.paise.available > 0;
    openButton.disabled = !canWithdraw;
    hint.hidden = canWithdraw;
    openButton.title = canWithdraw ? "" : "No available balance to withdraw";
    availableEls.forEach((el) => {
      el.textContent = formatPaise(self.paise.available);
    });
  }

  async function load({ quiet = false } = {}) {
    const mine = ++seq;
    try {
      const data = await kit.api("/api/payouts/balance/", { quiet });
      if (mine === seq) apply(data);
    } catch (err) {
      if (err?.name === "AbortError" || self.paise) return;
      card.removeAttribute("aria-busy");
      hint.textContent = "Couldn’t load your balance. Reload the page to try again.";
      hint.hidden = false;
    }
  }

  return self;
}
