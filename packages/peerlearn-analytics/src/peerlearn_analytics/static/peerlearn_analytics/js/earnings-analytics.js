// Earnings → breakdown (peerlearn_analytics' panel in the Earnings tab).
//
// Weekly / Monthly (kit tabs: the underline slides in 200 ms): GET /api/analytics/earnings/?period=…
// drawn as stacked bars (net + commission = gross) that grow up, with an HTML tooltip giving the
// exact amounts. Sessions: GET /api/analytics/sessions/ (paginated), each row's "Details" (kit
// expand, 200 ms) loads GET /api/analytics/sessions/{id}/: a chart of what each learner paid, the
// ratings and the comments. Live: the dashboard shell turns the notifications socket's pushes into
// `peerlearn:notification` events; an `earnings.*` one (a session completed) reloads both views.
// Money is always the kit's formatMoney; the kit is window.PeerLearn (kitReady()).
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import { endBusy, startBusy } from "../../peerlearn_core/js/kit/busy.js";
import { COLORS, chartLibrary, font, growAnimation, htmlTooltip, tooltipRow } from "./charts.js";
import { commentItems, plural, stars } from "./feedback.js";

const root = document.querySelector("[data-earnings-analytics]");

const PERIODS = { weekly: { unit: "week" }, monthly: { unit: "month" } };

const DAY = { day: "numeric", month: "short", year: "numeric" };

/** A bucket's first day: its start ("2026-11-23T00:00:00+05:30", midnight in the analytics time
 * zone) read as that calendar day, whatever the browser's zone. */
function bucketDay(start, options = DAY) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(start || ""));
  if (!match) return "";
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).toLocaleDateString(undefined, options);
}

/** When a session was, as a day in the browser's zone. */
function sessionDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleDateString(undefined, DAY);
}

function start(kit) {
  const money = (value) => kit.formatMoney(value);
  const Chart = chartLibrary();
  const tabPanel = root.closest("[data-tab-panel]"); // the dashboard tab we sit in (Earnings)
  const dashboardTabs = tabPanel?.closest("[data-tabs]");
  const innerTabs = root.querySelector("[data-tabs]"); // Weekly / Monthly / Sessions (kit tabs)
  const visible = (el) => !el.closest("[hidden]");

  // ---------------------------------------------------------------- weekly / monthly charts

  const charts = Object.fromEntries(
    Object.keys(PERIODS).map((period) => {
      const panel = root.querySelector(`[data-chart-panel="${period}"]`);
      return [
        period,
        {
          period,
          panel,
          canvas: panel.querySelector("[data-chart]"),
          tooltip: panel.querySelector("[data-chart-tooltip]"),
          loading: panel.querySelector("[data-chart-loading]"),
          empty: panel.querySelector("[data-chart-empty]"),
          error: panel.querySelector("[data-chart-error]"),
          total: panel.querySelector("[data-chart-total]"),
          caption: panel.querySelector("[data-chart-caption]"),
          buckets: null,
          totals: null,
          chart: null,
          seq: 0,
        },
      ];
    })
  );

  function bucketLabel(period, start) {
    return period === "weekly"
      ? bucketDay(start, { day: "numeric", month: "short" })
      : bucketDay(start, { month: "short", year: "2-digit" });
  }

  function bucketTitle(period, start) {
    return period === "weekly"
      ? `Week of ${bucketDay(start)}`
      : bucketDay(start, { month: "long", year: "numeric" });
  }

  function tooltipHtml(view, index) {
    const b = view.buckets[index];
    const sessions = Number(b.sessions) || 0;
    return `<p class="font-semibold text-white" data-tooltip-title>${escapeHtml(bucketTitle(view.period, b.start))}</p>
      <dl class="mt-1.5 space-y-0.5">
        ${tooltipRow("Net", escapeHtml(money(b.net)), { swatch: COLORS.net, strong: true, testid: "tooltip-net" })}
        ${tooltipRow("Commission", escapeHtml(money(b.commission)), { swatch: COLORS.commission, testid: "tooltip-commission" })}
        ${tooltipRow("Gross", escapeHtml(money(b.gross)), { testid: "tooltip-gross" })}
        ${tooltipRow("Sessions", String(sessions), { testid: "tooltip-sessions" })}
      </dl>`;
  }

  function chartData(view) {
    return {
      labels: view.buckets.map((b) => bucketLabel(view.period, b.start)),
      net: view.buckets.map((b) => Number(b.net) || 0),
      commission: view.buckets.map((b) => Number(b.commission) || 0),
    };
  }

  function createChart(view) {
    const data = chartData(view);
    view.chart = new Chart(view.canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Net",
            data: data.net,
            backgroundColor: COLORS.net,
            hoverBackgroundColor: COLORS.netHover,
            stack: "earnings",
            maxBarThickness: 40,
          },
          {
            label: "Commission",
            data: data.commission,
            backgroundColor: COLORS.commission,
            hoverBackgroundColor: COLORS.commissionHover,
            borderRadius: { topLeft: 6, topRight: 6, bottomLeft: 0, bottomRight: 0 },
            borderSkipped: false,
            stack: "earnings",
            maxBarThickness: 40,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: growAnimation(),
        interaction: { mode: "index", intersect: false },
        scales: {
          x: {
            stacked: true,
            grid: { display: false },
            border: { color: COLORS.grid },
            ticks: { color: COLORS.tick, font: font(), maxRotation: 0, autoSkipPadding: 8 },
          },
          y: {
            stacked: true,
            beginAtZero: true,
            grid: { color: COLORS.grid },
            border: { display: false },
            ticks: { color: COLORS.tick, font: font(), maxTicksLimit: 5, callback: (value) => money(value) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: { enabled: false, external: htmlTooltip(view.tooltip, (i) => tooltipHtml(view, i)) },
        },
      },
    });
    view.canvas.dataset.ready = "true";
  }

  function describe(view) {
    const parts = view.buckets.map((b) => `${bucketLabel(view.period, b.start)}: ${money(b.net)}`);
    view.canvas.setAttribute("aria-label", `Net earnings per ${PERIODS[view.period].unit}. ${parts.join("; ")}`);
  }

  function renderChart(view) {
    if (!view.buckets) return;
    const { unit } = PERIODS[view.period];
    const sessions = view.buckets.reduce((sum, b) => sum + (Number(b.sessions) || 0), 0);
    view.total.textContent = money(view.totals.net);
    view.caption.textContent = `net from ${plural(sessions, "session")} in the last ${plural(view.buckets.length, unit)}`;
    view.loading.hidden = true;
    view.error.hidden = true;
    view.empty.hidden = view.buckets.some((b) => Number(b.gross) > 0);
    describe(view);
    if (!Chart) {
      view.error.hidden = false;
      view.error.querySelector("p").textContent = "Charts are unavailable (Chart.js did not load).";
      view.error.querySelector("button").hidden = true;
      return;
    }
    if (!view.chart) {
      // Drawn the first time it is on screen, so the bars are seen growing.
      if (visible(view.panel)) createChart(view);
      return;
    }
    const data = chartData(view);
    view.chart.data.labels = data.labels;
    view.chart.data.datasets[0].data = data.net;
    view.chart.data.datasets[1].data = data.commission;
    view.chart.update(); // bars move to their new heights
  }

  async function loadChart(view, { quiet = false } = {}) {
    const seq = ++view.seq;
    try {
      const data = await kit.api(`/api/analytics/earnings/?period=${view.period}`, { quiet });
      if (seq !== view.seq) return;
      view.buckets = data.buckets;
      view.totals = data.totals;
      renderChart(view);
    } catch (err) {
      if (seq !== view.seq || view.buckets) return;
      view.loading.hidden = true;
      view.error.hidden = false;
    }
  }

  Object.values(charts).forEach((view) => {
    view.error.querySelector("[data-chart-retry]").addEventListener("click", () => {
      view.error.hidden = true;
      view.loading.hidden = false;
      loadChart(view);
    });
  });

  function drawVisibleCharts() {
    Object.values(charts).forEach((view) => {
      if (view.buckets && !view.chart && Chart && visible(view.panel)) createChart(view);
    });
  }

  // ---------------------------------------------------------------- completed sessions

  const sessionsPanel = root.querySelector('[data-tab-panel="earnings-sessions"]');
  const list = sessionsPanel.querySelector("[data-analytics-sessions]");
  const sessionsUi = {
    loading: sessionsPanel.querySelector("[data-sessions-loading]"),
    empty: sessionsPanel.querySelector("[data-sessions-empty]"),
    error: sessionsPanel.querySelector("[data-sessions-error]"),
    total: sessionsPanel.querySelector("[data-sessions-total]"),
    moreRow: sessionsPanel.querySelector("[data-sessions-more-row]"),
    more: sessionsPanel.querySelector("[data-sessions-more]"),
  };
  const sessions = { rows: new Map(), data: new Map(), next: null, count: 0, loaded: false, seq: 0 };
  const details = new Map(); // session id -> {data, chart, stale}

  function moneyCells(s) {
    return {
      gross: money(s.gross),
      commission: money(s.commission),
      net: money(s.net),
    };
  }

  function sessionRow(s) {
    const id = Number(s.id);
    const m = moneyCells(s);
    const learners = Number(s.learners);
    const learnersText = Number.isFinite(learners) ? ` · ${plural(learners, "learner")}` : "";
    const regionId = `analytics-session-details-${id}`;
    const li = document.createElement("li");
    li.dataset.analyticsSession = String(id);
    li.dataset.testid = `analytics-session-${id}`;
    li.innerHTML = `
      <div class="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-4 py-3 md:grid-cols-[6.5rem_minmax(0,1fr)_6.5rem_6.5rem_6.5rem_6rem] md:gap-x-4 md:px-5">
        <p class="order-3 min-w-0 truncate text-xs text-slate-500 md:order-none md:text-sm md:text-slate-600" data-cell="date"><time datetime="${escapeHtml(s.date)}">${escapeHtml(sessionDay(s.date))}</time><span class="md:hidden">${escapeHtml(learnersText)}</span></p>
        <p class="order-1 min-w-0 truncate font-medium text-slate-900 md:order-none" data-cell="title" title="${escapeHtml(s.title)}">${escapeHtml(s.title)}</p>
        <p class="hidden text-right text-sm text-slate-700 tabular-nums md:block" data-cell="gross" data-testid="analytics-gross-${id}">${escapeHtml(m.gross)}</p>
        <p class="hidden text-right text-sm text-slate-500 tabular-nums md:block" data-cell="commission" data-testid="analytics-commission-${id}">${escapeHtml(m.commission)}</p>
        <p class="order-2 text-right font-semibold text-slate-900 tabular-nums md:order-none md:text-sm" data-cell="net" data-testid="analytics-net-${id}">${escapeHtml(m.net)}</p>
        <div class="order-4 flex justify-end md:order-none">
          <button type="button" data-details="${id}" aria-controls="${regionId}" aria-expanded="false" data-testid="analytics-details-${id}"
                  class="-mr-2 inline-flex items-center gap-1 rounded-lg px-2 py-1 text-sm font-medium text-indigo-700 transition hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-60">
            <span>Details</span>
            <svg class="pl-expand-arrow h-4 w-4" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.23 7.21a.75.75 0 011.06.02L10 11.17l3.71-3.94a.75.75 0 111.08 1.04l-4.25 4.5a.75.75 0 01-1.08 0l-4.25-4.5a.75.75 0 01.02-1.06z" clip-rule="evenodd"/></svg>
          </button>
        </div>
        <p class="order-5 col-span-2 text-xs text-slate-500 tabular-nums md:hidden" data-cell="split">Gross ${escapeHtml(m.gross)} · Commission ${escapeHtml(m.commission)}</p>
      </div>
      <div id="${regionId}" class="pl-expand" data-expanded="false" data-state="collapsed" data-testid="${regionId}">
        <div class="border-t border-slate-100 bg-slate-50/60 px-4 py-4 md:px-5" data-details-body></div>
      </div>`;
    return li;
  }

  /** Keep a drawn row, refreshing only its numbers (an open drill-down stays open). */
  function refreshRow(li, s) {
    const m = moneyCells(s);
    const id = Number(s.id);
    li.querySelector('[data-cell="gross"]').textContent = m.gross;
    li.querySelector('[data-cell="commission"]').textContent = m.commission;
    li.querySelector('[data-cell="net"]').textContent = m.net;
    li.querySelector('[data-cell="split"]').textContent = `Gross ${m.gross} · Commission ${m.commission}`;
    const before = sessions.data.get(id);
    if (before && (before.net !== s.net || before.learners !== s.learners || before.average_rating !== s.average_rating)) {
      const entry = details.get(id);
      if (entry) entry.stale = true; // reloaded on the next open
      kit.animate(li, "pl-flash-green");
    }
  }

  function syncSessionsChrome() {
    sessionsUi.loading.hidden = true;
    sessionsUi.error.hidden = true;
    sessionsUi.empty.hidden = sessions.rows.size > 0;
    sessionsUi.total.textContent = String(sessions.count);
    sessionsUi.moreRow.hidden = !sessions.next;
  }

  /** Merge one page into the list; the first page puts new sessions on top (sliding in). */
  function mergePage(items, { first }) {
    const fresh = [];
    items.forEach((s) => {
      const id = Number(s.id);
      let li = sessions.rows.get(id);
      if (li) refreshRow(li, s);
      else {
        li = sessionRow(s);
        sessions.rows.set(id, li);
        fresh.push(li);
      }
      sessions.data.set(id, s);
    });
    if (first) {
      // Page 1 is the newest sessions, in order: they go first, older rows keep their order after.
      const top = items.map((s) => sessions.rows.get(Number(s.id)));
      const order = top.concat(Array.from(list.children).filter((li) => !top.includes(li)));
      if (order.some((li, i) => list.children[i] !== li)) list.replaceChildren(...order);
    } else {
      fresh.forEach((li) => list.appendChild(li));
    }
    if (sessions.loaded) fresh.forEach((li) => kit.animate(li, "pl-slide-down"));
  }

  async function loadSessions({ more = false, quiet = false } = {}) {
    const seq = ++sessions.seq;
    const url = more && sessions.next ? sessions.next : "/api/analytics/sessions/?page_size=10";
    try {
      const page = await kit.api(url, { quiet });
      if (seq !== sessions.seq) return;
      const items = Array.isArray(page) ? page : page?.results || [];
      mergePage(items, { first: !more });
      sessions.count = Array.isArray(page) ? items.length : Number(page?.count ?? items.length);
      if (more || !sessions.loaded) sessions.next = Array.isArray(page) ? null : page?.next || null;
      sessions.loaded = true;
      syncSessionsChrome();
    } catch (err) {
      if (seq !== sessions.seq || sessions.loaded) return;
      sessionsUi.loading.hidden = true;
      sessionsUi.error.hidden = false;
    }
  }

  sessionsUi.more.addEventListener("click", async () => {
    if (!startBusy(sessionsUi.more, "Loading…")) return;
    try {
      await loadSessions({ more: true });
    } finally {
      endBusy(sessionsUi.more);
    }
  });
  sessionsPanel.querySelector("[data-sessions-retry]").addEventListener("click", () => {
    sessionsUi.error.hidden = true;
    sessionsUi.loading.hidden = false;
    loadSessions();
  });

  root.querySelector("[data-csv-link]").addEventListener("click", () => {
    kit.toast("Your sessions CSV is downloading", { kind: "success" });
  });

  // ---------------------------------------------------------------- drill-down ("Details")

  function ratingsHtml(id, ratings, average) {
    if (!ratings.length) return `<p class="mt-2 text-sm text-slate-500" data-testid="details-ratings-${id}">No ratings yet.</p>`;
    const avg = average ?? ratings.reduce((sum, r) => sum + r.rating, 0) / ratings.length;
    const counts = [5, 4, 3, 2, 1].map((star) => [star, ratings.filter((r) => r.rating === star).length]);
    const max = Math.max(...counts.map(([, n]) => n), 1);
    return `<div class="mt-2 flex items-center gap-4" data-testid="details-ratings-${id}">
        <div class="text-center">
          <p class="text-3xl font-bold text-slate-900 tabular-nums" data-testid="details-average-${id}">${escapeHtml(Number(avg).toFixed(1))}</p>
          <p class="text-sm"><span class="sr-only">${escapeHtml(Number(avg).toFixed(1))} out of 5</span>${stars(avg)}</p>
          <p class="text-xs text-slate-500">${escapeHtml(plural(ratings.length, "rating"))}</p>
        </div>
        <ul class="min-w-0 flex-1 space-y-1 text-xs text-slate-500" aria-label="Ratings by stars">
          ${counts
            .map(
              ([star, n]) => `<li class="flex items-center gap-2"><span class="w-3 text-right tabular-nums">${star}</span>
                <span class="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200"><span class="block h-full rounded-full bg-amber-400" style="width:${Math.round((n / max) * 100)}%"></span></span>
                <span class="w-4 tabular-nums">${n}</span></li>`
            )
            .join("")}
        </ul>
      </div>`;
  }

  function commentsHtml(id, comments) {
    if (!comments.length) return `<p class="mt-2 text-sm text-slate-500" data-testid="details-comments-${id}">No comments.</p>`;
    return `<ul class="mt-2 space-y-2" data-testid="details-comments-${id}">${commentItems(comments)}</ul>`;
  }

  /** The drill-down's payments ({learner: {name}, amount, status}) as the chart shows them. */
  function payments(data) {
    return data.payments.map((p) => ({
      name: p.learner?.name || "Learner",
      amount: Number(p.amount) || 0,
      raw: p.amount,
      status: String(p.status || ""),
    }));
  }

  function detailsHtml(id, data) {
    const paid = payments(data);
    const average = data.session?.average_rating ?? null;
    const chartHeight = Math.max(120, paid.length * 34 + 40);
    const paymentsHtml = paid.length
      ? `<div class="relative mt-2 overflow-hidden" style="height:${chartHeight}px">
          <canvas data-payments-chart data-testid="payments-chart-${id}" role="img" aria-label="${escapeHtml(
            `Payments per learner: ${paid.map((p) => `${p.name} ${money(p.raw)} (${p.status})`).join("; ")}`
          )}"></canvas>
          <div data-chart-tooltip data-testid="payments-tooltip-${id}" class="pointer-events-none absolute top-0 left-0 z-10 min-w-40 rounded-xl bg-slate-900/95 px-3 py-2 text-xs text-slate-200 opacity-0 shadow-lg transition-opacity duration-150"></div>
        </div>`
      : `<p class="mt-2 text-sm text-slate-500">No paid seats.</p>`;
    return `<div class="grid gap-5 md:grid-cols-2">
        <section class="min-w-0">
          <h4 class="text-xs font-semibold tracking-wide text-slate-500 uppercase">Payments per learner</h4>
          ${paymentsHtml}
        </section>
        <section class="min-w-0">
          <h4 class="text-xs font-semibold tracking-wide text-slate-500 uppercase">Ratings</h4>
          ${ratingsHtml(id, data.ratings, average)}
          <h4 class="mt-4 text-xs font-semibold tracking-wide text-slate-500 uppercase">Comments</h4>
          ${commentsHtml(id, data.comments)}
        </section>
      </div>`;
  }

  function drawPayments(id, body, data) {
    const canvas = body.querySelector("[data-payments-chart]");
    if (!canvas || !Chart) return null;
    const paid = payments(data);
    const tooltip = body.querySelector("[data-chart-tooltip]");
    const statusLabel = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : "");
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: paid.map((p) => p.name),
        datasets: [
          {
            label: "Paid",
            data: paid.map((p) => p.amount),
            backgroundColor: paid.map((p) => COLORS.status[p.status] || COLORS.net),
            borderRadius: 6,
            maxBarThickness: 22,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: growAnimation(),
        interaction: { mode: "nearest", axis: "y", intersect: false },
        scales: {
          x: {
            beginAtZero: true,
            grid: { color: COLORS.grid },
            border: { display: false },
            ticks: { color: COLORS.tick, font: font(), maxTicksLimit: 4, callback: (value) => money(value) },
          },
          y: { grid: { display: false }, ticks: { color: COLORS.tick, font: font(12) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            enabled: false,
            external: htmlTooltip(tooltip, (i) => {
              const p = paid[i];
              return `<p class="font-semibold text-white">${escapeHtml(p.name)}</p>
                <dl class="mt-1 space-y-0.5">
                  ${tooltipRow("Paid", escapeHtml(money(p.raw)), { strong: true, testid: "payment-tooltip-amount" })}
                  ${p.status ? tooltipRow("Status", escapeHtml(statusLabel(p.status))) : ""}
                </dl>`;
            }),
          },
        },
      },
    });
  }

  async function toggleDetails(button) {
    const id = Number(button.dataset.details);
    const li = sessions.rows.get(id);
    const region = li.querySelector(".pl-expand");
    const body = region.querySelector("[data-details-body]");
    if (region.dataset.expanded === "true") {
      kit.toggleExpand(button, false);
      return;
    }
    let entry = details.get(id);
    if (!entry || entry.stale) {
      if (!startBusy(button)) return;
      try {
        const data = await kit.api(`/api/analytics/sessions/${id}/`);
        entry?.chart?.destroy();
        entry = { data, chart: null, stale: false };
        details.set(id, entry);
        body.innerHTML = detailsHtml(id, data);
      } catch {
        return; // api() showed the error toast
      } finally {
        endBusy(button);
      }
    }
    const opening = kit.toggleExpand(button, true);
    // Drawn as the row opens, so the bars are seen growing.
    if (!entry.chart) entry.chart = drawPayments(id, body, entry.data);
    await opening;
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-details]");
    if (button && list.contains(button)) toggleDetails(button);
  });

  // ---------------------------------------------------------------- live updates

  let refreshTimer = 0;
  function refreshAll() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      Object.values(charts).forEach((view) => loadChart(view, { quiet: true }));
      loadSessions({ quiet: true });
    }, 150); // one round trip for a burst of pushes
  }

  document.addEventListener("peerlearn:notification", (event) => {
    if (String(event.detail?.kind || "").startsWith("earnings.")) refreshAll();
  });

  document.addEventListener("tabs:change", (event) => {
    if (event.target === innerTabs) drawVisibleCharts();
    if (event.target === dashboardTabs && event.detail?.panel === tabPanel) {
      drawVisibleCharts();
      refreshAll(); // catch up on anything missed while another tab was shown
    }
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && visible(root)) refreshAll();
  });

  Object.values(charts).forEach((view) => loadChart(view));
  loadSessions();
}

if (root) start(await kitReady());
