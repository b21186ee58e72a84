// Earnings → breakdown (peerlearn_analytics' panel in the Earnings tab): Weekly / Monthly charts
// (earnings/period-charts.js; kit tabs, the underline slides in 200 ms) and the Sessions list with
// its drill-downs (earnings/sessions-table.js, earnings/session-details.js). Live: the dashboard
// shell turns the notifications socket's pushes into `peerlearn:notification` events; an
// `earnings.*` one (a session completed) reloads both views. The kit is window.PeerLearn.
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { periodCharts } from "./earnings/period-charts.js";
import { sessionsTable } from "./earnings/sessions-table.js";

const root = document.querySelector("[data-earnings-analytics]");

function start(kit) {
  const tabPanel = root.closest("[data-tab-panel]"); // the dashboard tab we sit in (Earnings)
  const dashboardTabs = tabPanel?.closest("[data-tabs]");
  const innerTabs = root.querySelector("[data-tabs]"); // Weekly / Monthly / Sessions (kit tabs)
  const visible = (el) => !el.closest("[hidden]");
  const charts = periodCharts(kit, root, { visible });
  const sessions = sessionsTable(kit, root);

  root.querySelector("[data-csv-link]").addEventListener("click", () => {
    kit.toast("Your sessions CSV is downloading", { kind: "success" });
  });

  let refreshTimer = 0;
  function refreshAll() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      charts.load({ quiet: true });
      sessions.load({ quiet: true });
    }, 150); // one round trip for a burst of pushes
  }

  document.addEventListener("peerlearn:notification", (event) => {
    if (String(event.detail?.kind || "").startsWith("earnings.")) refreshAll();
  });

  document.addEventListener("tabs:change", (event) => {
    if (event.target === innerTabs) charts.drawVisible();
    if (event.target === dashboardTabs && event.detail?.panel === tabPanel) {
      charts.drawVisible();
      refreshAll(); // catch up on anything missed while another tab was shown
    }
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && visible(root)) refreshAll();
  });

  charts.load();
  sessions.load();
}

if (root) start(await kitReady());
