// Chart.js for the analytics views: the library (window.Chart, loaded by the module script the
// dashboard registry puts before ours), the site's chart look, bars that grow up (no motion when
// the user asked for less) and an HTML tooltip, so amounts show in the kit's money format.

export const COLORS = {
  net: "#6366f1", // indigo-500
  netHover: "#4f46e5", // indigo-600
  commission: "#cbd5e1", // slate-300
  commissionHover: "#94a3b8", // slate-400
  grid: "#f1f5f9", // slate-100
  tick: "#64748b", // slate-500
  status: {
    paid: "#6366f1",
    refunded: "#a78bfa", // violet-400
    pending: "#fbbf24", // amber-400
    failed: "#fb7185", // rose-400
    free: "#cbd5e1", // slate-300
  },
};

/** Chart.js, or null when its bundle did not load (the views then say so instead of drawing). */
export function chartLibrary() {
  return typeof window.Chart === "function" ? window.Chart : null;
}

/** Animation options: bars grow from the baseline in 700 ms; none under reduced motion. */
export function growAnimation() {
  const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return reduce ? false : { duration: 700, easing: "easeOutQuart" };
}

/** A tick/axis font in the page's font. */
export function font(size = 11) {
  return { family: getComputedStyle(document.body).fontFamily, size };
}

/**
 * Chart.js `plugins.tooltip.external` that fills the HTML element `el` (absolutely positioned in
 * the canvas's box) with `render(dataIndex)` and places it above the hovered bar, inside the box
 * (the box clips its overflow: a hidden tooltip left far right never widens a narrowed page).
 * The element carries data-state="shown"|"hidden" and data-index.
 */
export function htmlTooltip(el, render) {
  return ({ chart, tooltip }) => {
    const point = tooltip.dataPoints && tooltip.dataPoints[0];
    if (tooltip.opacity === 0 || !point) {
      el.style.opacity = "0";
      el.dataset.state = "hidden";
      return;
    }
    if (el.dataset.index !== String(point.dataIndex) || el.dataset.state !== "shown") {
      el.innerHTML = render(point.dataIndex);
      el.dataset.index = String(point.dataIndex);
    }
    el.dataset.state = "shown";
    const width = el.offsetWidth;
    const height = el.offsetHeight;
    const horizontal = chart.options.indexAxis === "y";
    let x = horizontal ? tooltip.caretX + 12 : tooltip.caretX - width / 2;
    let y = horizontal ? tooltip.caretY - height / 2 : tooltip.caretY - height - 12;
    if (horizontal && x + width > chart.width) x = tooltip.caretX - width - 12;
    x = Math.max(0, Math.min(chart.width - width, x));
    if (y < 0) y = horizontal ? 0 : Math.min(chart.height - height, tooltip.caretY + 12);
    el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
    el.style.opacity = "1";
  };
}

/** One "label … value" line of an HTML tooltip, with an optional colour swatch. */
export function tooltipRow(label, value, { swatch = "", strong = false, testid = "" } = {}) {
  const dot = swatch ? `<span class="h-2 w-2 shrink-0 rounded-sm" data-css="background:${swatch}"></span>` : "";
  return `<div class="flex items-center justify-between gap-4">
      <dt class="flex items-center gap-1.5">${dot}${label}</dt>
      <dd class="tabular-nums ${strong ? "font-semibold text-white" : ""}"${testid ? ` data-testid="${testid}"` : ""}>${value}</dd>
    </div>`;
}
