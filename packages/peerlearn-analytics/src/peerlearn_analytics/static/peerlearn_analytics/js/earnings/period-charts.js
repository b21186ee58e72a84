// Earnings → Weekly / Monthly: GET /api/analytics/earnings/?period=… drawn as stacked bars
// (net + commission = gross) that grow up, with an HTML tooltip giving the exact amounts.
// A chart is drawn the first time it is on screen, so the bars are seen growing.
import { escapeHtml, formatDay, formatMoney, formatMonth, plural } from "../../../peerlearn_core/js/format.js";
import { COLORS, chartLibrary, font, growAnimation, htmlTooltip, tooltipRow } from "../charts.js";

const PERIODS = { weekly: { unit: "week" }, monthly: { unit: "month" } };

// A bucket's start ("2026-11-23T00:00:00+05:30", midnight in the analytics time zone) is read as
// that calendar day (formatDay / formatMonth), whatever the browser's zone.
const bucketLabel = (period, start) => (period === "weekly" ? formatDay(start, { year: false }) : formatMonth(start));
const bucketTitle = (period, start) =>
  period === "weekly" ? `Week of ${formatDay(start, { year: "always" })}` : formatMonth(start, { long: true });

function tooltipHtml(view, index) {
  const b = view.buckets[index];
  return `<p class="font-semibold text-white" data-tooltip-title>${escapeHtml(bucketTitle(view.period, b.start))}</p>
    <dl class="mt-1.5 space-y-0.5">
      ${tooltipRow("Net", escapeHtml(formatMoney(b.net)), { swatch: COLORS.net, strong: true, testid: "tooltip-net" })}
      ${tooltipRow("Commission", escapeHtml(formatMoney(b.commission)), { swatch: COLORS.commission, testid: "tooltip-commission" })}
      ${tooltipRow("Gross", escapeHtml(formatMoney(b.gross)), { testid: "tooltip-gross" })}
      ${tooltipRow("Sessions", String(Number(b.sessions) || 0), { testid: "tooltip-sessions" })}
    </dl>`;
}

function chartData(view) {
  return {
    labels: view.buckets.map((b) => bucketLabel(view.period, b.start)),
    net: view.buckets.map((b) => Number(b.net) || 0),
    commission: view.buckets.map((b) => Number(b.commission) || 0),
  };
}

function dataset(label, data, color, hover, extra = {}) {
  return { label, data, backgroundColor: color, hoverBackgroundColor: hover, stack: "earnings", maxBarThickness: 40, ...extra };
}

function createChart(Chart, view) {
  const data = chartData(view);
  const axis = { color: COLORS.tick, font: font() };
  view.chart = new Chart(view.canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        dataset("Net", data.net, COLORS.net, COLORS.netHover),
        dataset("Commission", data.commission, COLORS.commission, COLORS.commissionHover, {
          borderRadius: { topLeft: 6, topRight: 6, bottomLeft: 0, bottomRight: 0 },
          borderSkipped: false,
        }),
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: growAnimation(),
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, border: { color: COLORS.grid }, ticks: { ...axis, maxRotation: 0, autoSkipPadding: 8 } },
        y: {
          stacked: true,
          beginAtZero: true,
          grid: { color: COLORS.grid },
          border: { display: false },
          ticks: { ...axis, maxTicksLimit: 5, callback: (value) => formatMoney(value) },
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

/** The Weekly and Monthly views: {load({quiet}), drawVisible()}. */
export function periodCharts(kit, root, { visible }) {
  const Chart = chartLibrary();
  const views = Object.keys(PERIODS).map((period) => {
    const panel = root.querySelector(`[data-chart-panel="${period}"]`);
    const part = (name) => panel.querySelector(`[data-chart-${name}]`);
    return {
      period,
      panel,
      canvas: panel.querySelector("[data-chart]"),
      tooltip: part("tooltip"),
      loading: part("loading"),
      empty: part("empty"),
      error: part("error"),
      total: part("total"),
      caption: part("caption"),
      buckets: null,
      totals: null,
      chart: null,
      seq: 0,
    };
  });

  function describe(view) {
    const parts = view.buckets.map((b) => `${bucketLabel(view.period, b.start)}: ${formatMoney(b.net)}`);
    view.canvas.setAttribute("aria-label", `Net earnings per ${PERIODS[view.period].unit}. ${parts.join("; ")}`);
  }

  function render(view) {
    const sessions = view.buckets.reduce((sum, b) => sum + (Number(b.sessions) || 0), 0);
    view.total.textContent = formatMoney(view.totals.net);
    view.caption.textContent = `net from ${plural(sessions, "session")} in the last ${plural(view.buckets.length, PERIODS[view.period].unit)}`;
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
      if (visible(view.panel)) createChart(Chart, view);
      return;
    }
    const data = chartData(view);
    view.chart.data.labels = data.labels;
    view.chart.data.datasets[0].data = data.net;
    view.chart.data.datasets[1].data = data.commission;
    view.chart.update(); // bars move to their new heights
  }

  async function loadView(view, { quiet = false } = {}) {
    const seq = ++view.seq;
    try {
      const data = await kit.api(`/api/analytics/earnings/?period=${view.period}`, { quiet });
      if (seq !== view.seq) return;
      view.buckets = data.buckets;
      view.totals = data.totals;
      render(view);
    } catch {
      if (seq !== view.seq || view.buckets) return;
      view.loading.hidden = true;
      view.error.hidden = false;
    }
  }

  views.forEach((view) => {
    view.error.querySelector("[data-chart-retry]").addEventListener("click", () => {
      view.error.hidden = true;
      view.loading.hidden = false;
      loadView(view);
    });
  });

  return {
    load: (options) => views.forEach((view) => loadView(view, options)),
    drawVisible() {
      views.forEach((view) => {
        if (view.buckets && !view.chart && Chart && visible(view.panel)) createChart(Chart, view);
      });
    },
  };
}
