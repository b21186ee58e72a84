// Payout history: GET /api/payouts/ drawn as a table (a card per row on phones), newest first.
// Rows are kept by payout id and updated in place; new rows slide down, a status change flashes
// (sent), shakes (returned) or pulses (still on its way). `onChange(payout, previous)` hears every
// payout that appears or changes after the first load (the one-toast-per-payout module listens).
import { escapeHtml, formatDateTime, formatFull, rupeesToPaise, formatPaise } from "../../../peerlearn_core/js/format.js";
import { payoutLabel, payoutPill } from "../../../peerlearn_core/js/kit/pills.js";

export const RETURNED = new Set(["failed", "reversed", "rejected", "cancelled"]);
const STATUS_HINTS = {
  created: "Saved — being handed to Razorpay",
  queued: "Queued at Razorpay; it goes out shortly",
  pending: "Waiting for approval",
  processing: "On its way to the bank",
  processed: "Paid into the bank account",
};
const CELL = "md:table-cell md:px-5 md:py-3.5 md:align-top";

function statusTip(p) {
  if (RETURNED.has(p.status)) return `${p.failure_reason || `Withdrawal ${p.status}`} — the amount is back in your balance.`;
  if (p.status === "processed" && p.utr) return `${STATUS_HINTS.processed} (UTR ${p.utr})`;
  return STATUS_HINTS[p.status] || payoutLabel(p.status);
}

function statusHtml(p) {
  const id = escapeHtml(p.id);
  const attrs = `data-testid="payout-status-${id}" data-payout-status title="${escapeHtml(statusTip(p))}"`;
  let note = "";
  if (RETURNED.has(p.status)) {
    note = `<p class="order-5 col-span-2 text-xs leading-snug text-rose-600 md:mt-1 md:max-w-56" data-testid="payout-reason-${id}">${escapeHtml(p.failure_reason || "The amount is back in your balance.")}</p>`;
  } else if (p.status === "processed" && p.utr) {
    note = `<p class="order-5 col-span-2 text-xs text-slate-500 md:mt-1" data-testid="payout-utr-${id}">UTR <span class="font-mono">${escapeHtml(p.utr)}</span></p>`;
  }
  return `<span class="order-2 self-start justify-self-end">${payoutPill(p.status, attrs)}</span>${note}`;
}

// The date comes first in the table; on phones (a grid card) `order` puts it under the amount.
function rowHtml(p) {
  const id = escapeHtml(p.id);
  const when = formatDateTime(p.created_at, { weekday: false, year: "always" });
  return `
    <td role="cell" class="order-3 col-span-2 text-xs text-slate-500 md:order-none md:text-sm md:whitespace-nowrap md:text-slate-600 ${CELL}" data-cell="date"><time datetime="${escapeHtml(p.created_at)}" title="${escapeHtml(formatFull(p.created_at))}">${escapeHtml(when)}</time></td>
    <td role="cell" class="order-1 text-base font-semibold text-slate-900 tabular-nums md:order-none md:text-right md:text-sm md:whitespace-nowrap ${CELL}" data-cell="amount">${escapeHtml(formatPaise(rupeesToPaise(p.amount)))}</td>
    <td role="cell" class="order-4 col-span-2 min-w-0 ${CELL}" data-cell="method">
      <p class="flex min-w-0 items-center gap-1.5 md:block">
        <span class="shrink-0 rounded bg-slate-100 px-1.5 py-px text-[11px] font-semibold text-slate-600 md:bg-transparent md:p-0 md:text-sm md:font-medium md:text-slate-900">UPI</span>
        <span class="block min-w-0 truncate text-sm text-slate-700 md:max-w-64 md:text-xs md:text-slate-500" data-testid="payout-upi-${id}" title="${escapeHtml(p.upi_id)}">${escapeHtml(p.upi_id)}</span>
      </p>
    </td>
    <td role="cell" class="contents ${CELL}" data-cell="status">${statusHtml(p)}</td>`;
}

function buildRow(p) {
  const tr = document.createElement("tr");
  tr.className =
    "grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1.5 rounded-xl bg-white p-3.5 ring-1 ring-slate-200 md:table-row md:rounded-none md:bg-transparent md:p-0 md:ring-0 md:hover:bg-slate-50/70";
  tr.dataset.testid = `payout-row-${p.id}`;
  tr.dataset.payoutId = String(p.id);
  tr.setAttribute("role", "row"); // phones show rows as grid cards: keep the table semantics
  tr.dataset.status = p.status;
  tr.innerHTML = rowHtml(p);
  return tr;
}

/** @returns {{load, upsert, sync, loaded, lastUpi, bump}} */
export function payoutHistory(kit, root, { onChange = () => {} } = {}) {
  const q = (selector) => root.querySelector(selector);
  const ui = {
    table: q("[data-payout-history]"),
    tbody: q("[data-payouts-body]"),
    loading: q("[data-payouts-loading]"),
    empty: q("[data-payouts-empty]"),
    error: q("[data-payouts-error]"),
    count: q("[data-payout-count]"),
  };
  const rows = new Map(); // payout id → <tr>
  const payouts = new Map(); // payout id → the payout last drawn
  let seq = 0;
  const self = { loaded: false, lastUpi: "", load, upsert, sync, bump: () => ++seq };

  function updateRow(tr, p, previous) {
    const statusChanged = previous.status !== p.status;
    if (previous.amount !== p.amount || previous.upi_id !== p.upi_id || previous.created_at !== p.created_at) {
      tr.innerHTML = rowHtml(p);
    } else if (statusChanged || previous.failure_reason !== p.failure_reason || previous.utr !== p.utr) {
      tr.querySelector('[data-cell="status"]').innerHTML = statusHtml(p);
    }
    tr.dataset.status = p.status;
    if (!statusChanged) return;
    const pill = tr.querySelector("[data-payout-status]");
    if (p.status === "processed") {
      kit.animate(pill, "pl-flash-green");
      kit.animate(tr, "pl-flash-green");
    } else {
      kit.animate(pill, RETURNED.has(p.status) ? "pl-shake" : "pl-pulse");
    }
  }

  /** Insert or update one payout at `index`; a new row slides down when `animateNew`. */
  function upsert(p, index, { animateNew }) {
    const key = String(p.id);
    const previous = payouts.get(key);
    let tr = rows.get(key);
    if (!tr) {
      tr = buildRow(p);
      rows.set(key, tr);
      ui.tbody.insertBefore(tr, ui.tbody.children[index] || null);
      if (animateNew) kit.animate(tr, "pl-slide-down");
    } else {
      updateRow(tr, p, previous);
      const at = ui.tbody.children[index];
      if (at !== tr) ui.tbody.insertBefore(tr, at || null);
    }
    payouts.set(key, { ...p });
    if (self.loaded && previous?.status !== p.status) onChange(p, previous || null);
  }

  function sync() {
    const count = rows.size;
    ui.loading.hidden = true;
    ui.error.hidden = true;
    ui.table.hidden = count === 0;
    ui.empty.hidden = count !== 0;
    ui.count.hidden = count === 0;
    ui.count.textContent = count === 1 ? "1 payout" : `${count} payouts`;
  }

  function render(list) {
    const seen = new Set(list.map((p) => String(p.id)));
    list.forEach((p, index) => upsert(p, index, { animateNew: self.loaded }));
    for (const [key, tr] of rows) {
      if (seen.has(key)) continue;
      tr.remove();
      rows.delete(key);
      payouts.delete(key);
    }
    // Prefill the next withdrawal with the newest UPI ID that did not fail.
    if (!self.lastUpi) self.lastUpi = list.find((p) => !RETURNED.has(p.status))?.upi_id || "";
    sync();
  }

  async function load({ quiet = false } = {}) {
    const mine = ++seq;
    try {
      const list = await kit.api("/api/payouts/", { quiet });
      if (mine !== seq) return;
      render(Array.isArray(list) ? list : list?.results || []);
      self.loaded = true;
    } catch (err) {
      if (err?.name === "AbortError" || self.loaded) return;
      ui.loading.hidden = true;
      ui.table.hidden = true;
      ui.empty.hidden = true;
      ui.error.hidden = false;
    }
  }

  q("[data-payouts-retry]").addEventListener("click", () => {
    ui.error.hidden = true;
    ui.loading.hidden = false;
    load();
  });

  return self;
}
