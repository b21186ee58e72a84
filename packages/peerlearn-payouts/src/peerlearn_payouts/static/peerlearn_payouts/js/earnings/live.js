// Live updates: the dashboard shell's notifications socket (payout.* and earnings.* pushes, as
// `peerlearn:notification` events), the tab being shown and the page coming back to the front
// all reload the balance and the history, coalesced into one round trip. The Earnings badge counts
// money news not yet seen: looking at the tab is seeing it.

const MONEY_NEWS = ["payout.", "earnings."];
const isMoneyNews = (kind) => MONEY_NEWS.some((prefix) => String(kind || "").startsWith(prefix));

/**
 * Claim the shell's payout.* pushes: the payout's own toast (payout-toast.js) tells that story, so
 * the shell must not stack a toast per state. Called before the kit is ready, so none is missed.
 */
export function claimPayoutNews() {
  document.addEventListener("peerlearn:notification", (event) => {
    if (String(event.detail?.kind || "").startsWith("payout.")) event.preventDefault();
  });
}

export function liveUpdates(kit, root, { balance, history, withdraw, visible }) {
  const tabsRoot = root.closest("[data-tabs]");
  let timer = 0;
  let queued = false;
  let marking = false;

  function refresh() {
    if (withdraw.submitting) {
      // The POST's own answer renders first (and slides in); catch up right after.
      queued = true;
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      balance.load({ quiet: true });
      history.load({ quiet: true });
    }, 120); // coalesce a burst of pushes into one round trip
  }

  async function markSeen() {
    const badge = document.querySelector('[data-badge="earnings"]');
    if (marking || !badge || badge.hidden) return;
    marking = true;
    try {
      await kit.api("/api/notifications/read_all/", { method: "POST", body: { kinds: MONEY_NEWS }, quiet: true });
    } catch {
      /* the badge simply stays; nothing else depends on it */
    } finally {
      marking = false;
    }
  }

  document.addEventListener("peerlearn:notification", (event) => {
    if (!isMoneyNews(event.detail?.kind)) return;
    refresh();
    if (visible()) setTimeout(markSeen, 1500);
  });

  // Showing the tab: count up a balance loaded while hidden, and catch up on anything missed.
  document.addEventListener("tabs:change", (event) => {
    if (event.target !== tabsRoot || event.detail?.tab !== "earnings") return;
    balance.showPending();
    refresh();
    markSeen();
  });

  // A phone waking up or a tab brought back to the front may have missed pushes.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && visible()) refresh();
  });

  return {
    refresh,
    /** After a withdrawal settles: run the refresh that waited for it (or one it calls for). */
    settled({ refresh: force = false } = {}) {
      if (!queued && !force) return;
      queued = false;
      refresh();
    },
  };
}
