// Mentor → Earnings tab: the available balance (count-up), the "Withdraw via Razorpay" steps
// modal, the payout history and one toast per payout, kept live by the shell's
// `peerlearn:notification` events. One module per concern (./earnings/); this wires them.
// UI behaviour comes from the kit (window.PeerLearn, via kitReady()).
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { balanceCard } from "./earnings/balance.js";
import { payoutHistory } from "./earnings/history.js";
import { claimPayoutNews, liveUpdates } from "./earnings/live.js";
import { payoutToasts } from "./earnings/payout-toast.js";
import { readRules } from "./earnings/rules.js";
import { withdrawForm } from "./earnings/withdraw.js";

const root = document.querySelector("[data-earnings]");
const modal = document.getElementById("withdraw-modal");
// Overlays live in <body>: a hidden tab panel must never hide (or clip) the open modal.
if (modal && modal.parentElement !== document.body) document.body.appendChild(modal);

if (root && modal) {
  claimPayoutNews();
  start(await kitReady());
}

function start(kit) {
  const visible = () => !root.closest("[hidden]");
  const toasts = payoutToasts(kit);
  const balance = balanceCard(kit, root, modal, { visible });
  // A payout that appears or changes state (a push, another tab) moves its one toast on.
  const history = payoutHistory(kit, root, { onChange: (payout) => toasts.show(payout) });
  let live = null;
  const withdraw = withdrawForm(kit, modal, {
    rules: readRules(),
    balance,
    history,
    toasts,
    onSettled: (options) => live.settled(options),
  });
  live = liveUpdates(kit, root, { balance, history, withdraw, visible });
  balance.load();
  history.load();
}
