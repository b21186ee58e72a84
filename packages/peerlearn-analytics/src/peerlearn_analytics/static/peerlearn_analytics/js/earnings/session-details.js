// Earnings → Sessions → "Details" (kit expand, 200 ms): GET /api/analytics/sessions/{id}/ shown as
// a chart of what each learner paid, the ratings and the comments. Loaded once per row (again
// after the row's numbers change), drawn as the row opens so the bars are seen growing.
import { escapeHtml, formatMoney, plural } from "../../../peerlearn_core/js/format.js";
import { paymentLabel } from "../../../peerlearn_core/js/kit/pills.js";
import { COLORS, chartLibrary, font, growAnimation, htmlTooltip, tooltipRow } from "../charts.js";
import { commentItems, stars } from "../feedback.js";

function ratingsHtml(id, ratings, average) {
  if (!ratings.length) return `<p class="mt-2 text-sm text-slate-500" data-testid="details-ratings-${id}">No ratings yet.</p>`;
  const avg = Number(average ?? ratings.reduce((sum, r) => sum + r.rating, 0) / ratings.length).toFixed(1);
  const counts = [5, 4, 3, 2, 1].map((star) => [star, ratings.filter((r) => r.rating === star).length]);
  const max = Math.max(...counts.map(([, n]) => n), 1);
  const bars = counts
    .map(
      ([star, n]) => `<li class="flex items-center gap-2"><span class="w-3 text-right tabular-nums">${star}</span>
        <span class="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200"><span class="block h-full rounded-full bg-amber-400" data-css="width:${Math.round((n / max) * 100)}%"></span></span>
        <span class="w-4 tabular-nums">${n}</span></li>`
    )
    .join("");
  return `<div class="mt-2 flex items-center gap-4" data-testid="details-ratings-${id}">
      <div class="text-center">
        <p class="text-3xl font-bold text-slate-900 tabular-nums" data-testid="details-average-${id}">${escapeHtml(avg)}</p>
        <p class="text-sm"><span class="sr-only">${escapeHtml(avg)} out of 5</span>${stars(avg)}</p>
        <p class="text-xs text-slate-500">${escapeHtml(plural(ratings.length, "rating"))}</p>
      </div>
      <ul class="min-w-0 flex-1 space-y-1 text-xs text-slate-500" aria-label="Ratings by stars">${bars}</ul>
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

const heading = (text, extra = "") => `<h4 class="${extra}text-xs font-semibold tracking-wide text-slate-500 uppercase">${text}</h4>`;

function detailsHtml(id, data) {
  const paid = payments(data);
  const label = `Payments per learner: ${paid.map((p) => `${p.name} ${formatMoney(p.raw)} (${paymentLabel(p.status)})`).join("; ")}`;
  const paymentsHtml = paid.length
    ? `<div class="relative mt-2 overflow-hidden" data-css="height:${Math.max(120, paid.length * 34 + 40)}px">
        <canvas data-payments-chart data-testid="payments-chart-${id}" role="img" aria-label="${escapeHtml(label)}"></canvas>
        <div data-chart-tooltip data-testid="payments-tooltip-${id}" class="pointer-events-none absolute top-0 left-0 z-10 min-w-40 rounded-xl bg-slate-900/95 px-3 py-2 text-xs text-slate-200 opacity-0 shadow-lg transition-opacity duration-150"></div>
      </div>`
    : `<p class="mt-2 text-sm text-slate-500">No paid seats.</p>`;
  return `<div class="grid gap-5 md:grid-cols-2">
      <section class="min-w-0">${heading("Payments per learner")}${paymentsHtml}</section>
      <section class="min-w-0">
        ${heading("Ratings")}${ratingsHtml(id, data.ratings, data.session?.average_rating ?? null)}
        ${heading("Comments", "mt-4 ")}${commentsHtml(id, data.comments)}
      </section>
    </div>`;
}

function paymentTooltip(p) {
  return `<p class="font-semibold text-white">${escapeHtml(p.name)}</p>
    <dl class="mt-1 space-y-0.5">
      ${tooltipRow("Paid", escapeHtml(formatMoney(p.raw)), { strong: true, testid: "payment-tooltip-amount" })}
      ${p.status ? tooltipRow("Status", escapeHtml(paymentLabel(p.status))) : ""}
    </dl>`;
}

function drawPayments(body, data) {
  const Chart = chartLibrary();
  const canvas = body.querySelector("[data-payments-chart]");
  if (!canvas || !Chart) return null;
  const paid = payments(data);
  const tooltip = body.querySelector("[data-chart-tooltip]");
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
          ticks: { color: COLORS.tick, font: font(), maxTicksLimit: 4, callback: (value) => formatMoney(value) },
        },
        y: { grid: { display: false }, ticks: { color: COLORS.tick, font: font(12) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false, external: htmlTooltip(tooltip, (i) => paymentTooltip(paid[i])) },
      },
    },
  });
}

/** The drill-downs: {toggle(button, li), markStale(id)}. */
export function sessionDetails(kit) {
  const details = new Map(); // session id -> {data, chart, stale}

  async function toggle(button, li) {
    const id = Number(button.dataset.details);
    const region = li.querySelector(".pl-expand");
    const body = region.querySelector("[data-details-body]");
    if (region.dataset.expanded === "true") {
      kit.toggleExpand(button, false);
      return;
    }
    let entry = details.get(id);
    if (!entry || entry.stale) {
      if (!kit.startBusy(button)) return;
      try {
        const data = await kit.api(`/api/analytics/sessions/${id}/`);
        entry?.chart?.destroy();
        entry = { data, chart: null, stale: false };
        details.set(id, entry);
        body.innerHTML = detailsHtml(id, data);
      } catch {
        return; // api() showed the error toast
      } finally {
        kit.endBusy(button);
      }
    }
    const opening = kit.toggleExpand(button, true);
    if (!entry.chart) entry.chart = drawPayments(body, entry.data);
    await opening;
  }

  return {
    toggle,
    /** The row's numbers changed: reload its drill-down on the next open. */
    markStale(id) {
      const entry = details.get(id);
      if (entry) entry.stale = true;
    },
  };
}
