// Earnings → Sessions: GET /api/analytics/sessions/ (paginated), each completed session with its
// date, title, gross, commission and net; "Details" opens its drill-down (session-details.js).
// Rows are kept by session id: a reload refreshes their numbers and slides new ones in on top.
import { escapeHtml, formatDate, formatMoney, plural } from "../../../peerlearn_core/js/format.js";
import { sessionDetails } from "./session-details.js";

const ARROW =
  '<svg class="pl-expand-arrow h-4 w-4" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.23 7.21a.75.75 0 011.06.02L10 11.17l3.71-3.94a.75.75 0 111.08 1.04l-4.25 4.5a.75.75 0 01-1.08 0l-4.25-4.5a.75.75 0 01.02-1.06z" clip-rule="evenodd"/></svg>';

const moneyCells = (s) => ({ gross: formatMoney(s.gross), commission: formatMoney(s.commission), net: formatMoney(s.net) });

function sessionRow(s) {
  const id = Number(s.id);
  const m = moneyCells(s);
  const learners = Number(s.learners);
  const learnersText = Number.isFinite(learners) ? ` · ${plural(learners, "learner")}` : "";
  const regionId = `analytics-session-details-${id}`;
  const amount = (cell, classes) =>
    `<p class="${classes} text-right tabular-nums" data-cell="${cell}" data-testid="analytics-${cell}-${id}">${escapeHtml(m[cell])}</p>`;
  const li = document.createElement("li");
  li.dataset.analyticsSession = String(id);
  li.dataset.testid = `analytics-session-${id}`;
  li.innerHTML = `
    <div class="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-4 py-3 md:grid-cols-[6.5rem_minmax(0,1fr)_6.5rem_6.5rem_6.5rem_6rem] md:gap-x-4 md:px-5">
      <p class="order-3 min-w-0 truncate text-xs text-slate-500 md:order-none md:text-sm md:text-slate-600" data-cell="date"><time datetime="${escapeHtml(s.date)}">${escapeHtml(formatDate(s.date, { year: "always" }))}</time><span class="md:hidden">${escapeHtml(learnersText)}</span></p>
      <p class="order-1 min-w-0 truncate font-medium text-slate-900 md:order-none" data-cell="title" title="${escapeHtml(s.title)}">${escapeHtml(s.title)}</p>
      ${amount("gross", "hidden text-sm text-slate-700 md:block")}
      ${amount("commission", "hidden text-sm text-slate-500 md:block")}
      ${amount("net", "order-2 font-semibold text-slate-900 md:order-none md:text-sm")}
      <div class="order-4 flex justify-end md:order-none">
        <button type="button" data-details="${id}" aria-controls="${regionId}" aria-expanded="false" data-testid="analytics-details-${id}"
                class="-mr-2 inline-flex items-center gap-1 rounded-lg px-2 py-1 text-sm font-medium text-indigo-700 transition hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-60">
          <span>Details</span>${ARROW}
        </button>
      </div>
      <p class="order-5 col-span-2 text-xs text-slate-500 tabular-nums md:hidden" data-cell="split">Gross ${escapeHtml(m.gross)} · Commission ${escapeHtml(m.commission)}</p>
    </div>
    <div id="${regionId}" class="pl-expand" data-expanded="false" data-state="collapsed" data-testid="${regionId}">
      <div class="border-t border-slate-100 bg-slate-50/60 px-4 py-4 md:px-5" data-details-body></div>
    </div>`;
  return li;
}

/** The Sessions view: {load({more, quiet})}. */
export function sessionsTable(kit, root) {
  const panel = root.querySelector('[data-tab-panel="earnings-sessions"]');
  const list = panel.querySelector("[data-analytics-sessions]");
  const part = (name) => panel.querySelector(`[data-sessions-${name}]`);
  const ui = Object.fromEntries(
    ["loading", "empty", "error", "total", "more", "retry"].map((name) => [name, part(name)])
  );
  ui.moreRow = part("more-row");
  const state = { rows: new Map(), data: new Map(), next: null, count: 0, loaded: false, seq: 0 };
  const details = sessionDetails(kit);

  /** Keep a drawn row, refreshing only its numbers (an open drill-down stays open). */
  function refreshRow(li, s) {
    const m = moneyCells(s);
    for (const cell of ["gross", "commission", "net"]) li.querySelector(`[data-cell="${cell}"]`).textContent = m[cell];
    li.querySelector('[data-cell="split"]').textContent = `Gross ${m.gross} · Commission ${m.commission}`;
    const before = state.data.get(Number(s.id));
    if (before && (before.net !== s.net || before.learners !== s.learners || before.average_rating !== s.average_rating)) {
      details.markStale(Number(s.id));
      kit.animate(li, "pl-flash-green");
    }
  }

  /** Merge one page into the list; the first page puts new sessions on top (sliding in). */
  function mergePage(items, { first }) {
    const fresh = [];
    items.forEach((s) => {
      const id = Number(s.id);
      let li = state.rows.get(id);
      if (li) refreshRow(li, s);
      else {
        li = sessionRow(s);
        state.rows.set(id, li);
        fresh.push(li);
      }
      state.data.set(id, s);
    });
    if (first) {
      // Page 1 is the newest sessions, in order: they go first, older rows keep their order after.
      const top = items.map((s) => state.rows.get(Number(s.id)));
      const order = top.concat(Array.from(list.children).filter((li) => !top.includes(li)));
      if (order.some((li, i) => list.children[i] !== li)) list.replaceChildren(...order);
    } else {
      fresh.forEach((li) => list.appendChild(li));
    }
    if (state.loaded) fresh.forEach((li) => kit.animate(li, "pl-slide-down"));
  }

  async function load({ more = false, quiet = false } = {}) {
    const seq = ++state.seq;
    const url = more && state.next ? state.next : "/api/analytics/sessions/?page_size=10";
    try {
      const page = await kit.api(url, { quiet });
      if (seq !== state.seq) return;
      const items = Array.isArray(page) ? page : page?.results || [];
      mergePage(items, { first: !more });
      state.count = Array.isArray(page) ? items.length : Number(page?.count ?? items.length);
      if (more || !state.loaded) state.next = Array.isArray(page) ? null : page?.next || null;
      state.loaded = true;
      ui.loading.hidden = true;
      ui.error.hidden = true;
      ui.empty.hidden = state.rows.size > 0;
      ui.total.textContent = String(state.count);
      ui.moreRow.hidden = !state.next;
    } catch {
      if (seq !== state.seq || state.loaded) return;
      ui.loading.hidden = true;
      ui.error.hidden = false;
    }
  }

  ui.more.addEventListener("click", () => kit.whileBusy(ui.more, "Loading…", () => load({ more: true })));
  ui.retry.addEventListener("click", () => {
    ui.error.hidden = true;
    ui.loading.hidden = false;
    load();
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-details]");
    if (button && list.contains(button)) details.toggle(button, state.rows.get(Number(button.dataset.details)));
  });

  return { load };
}
