// Mentor → Earnings tab: available balance (count-up), the "Withdraw via Razorpay" steps modal
// (Amount → UPI ID → Review, POST /api/payouts/razorpay/ with an Idempotency-Key) and the payout
// history, kept live by the shell's `peerlearn:notification` events (payout.* / earnings.*).
// UI behaviour comes from the kit (window.PeerLearn): countUp, openModal, steps, toast, animate.
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import { formatDateTime } from "../../peerlearn_core/js/format.js";

const root = document.querySelector("[data-earnings]");
const modal = document.getElementById("withdraw-modal");
// Overlays live in <body>: a hidden tab panel must never hide (or clip) the open modal.
if (modal && modal.parentElement !== document.body) document.body.appendChild(modal);

const MIN_PAYOUT_PAISE = 100; // Razorpay's (and the API's) smallest payout: ₹1.00
const MAX_PAYOUT_PAISE = 5_00_000_00; // the API's per-request ceiling: ₹5,00,000.00
// Razorpay's server-side VPA rule (razorpay-api.md §6): 3–100 chars, one @, letters-only handle.
const VPA_RE = /^[-.a-zA-Z0-9][a-zA-Z0-9.-]*@[a-zA-Z]+(?:[0-9]*\.ifsc\.npci)?$/;

const IN_PROGRESS = new Set(["created", "queued", "pending", "processing"]);
const RETURNED = new Set(["failed", "reversed", "rejected", "cancelled"]);
const STATUS_HINTS = {
  created: "Saved — being handed to Razorpay",
  queued: "Queued at Razorpay; it goes out shortly",
  pending: "Waiting for approval",
  processing: "On its way to the bank",
  processed: "Paid into the bank account",
};

if (root) {
  const kit = await kitReady();
  start(kit);
}

// --- money ----------------------------------------------------------------------------------

/** "1234.50" (the API's rupee strings) → 123450 paise; null when not a rupee amount. */
function toPaise(value) {
  const match = /^(-)?(\d*)(?:\.(\d{0,2}))?$/.exec(String(value ?? "").trim());
  if (!match || (!match[2] && !match[3])) return null;
  const paise = Number(match[2] || "0") * 100 + Number((match[3] || "").padEnd(2, "0"));
  return match[1] ? -paise : paise;
}

/** 123450 → "1234.50" (what the API expects). */
function toRupees(paise) {
  return `${Math.trunc(paise / 100)}.${String(Math.abs(paise) % 100).padStart(2, "0")}`;
}

/** Parse what the mentor typed ("1,000", "₹499.5", "250") → {paise} or {error}. */
function parseAmount(raw) {
  const text = String(raw ?? "").replace(/[₹,\s]/g, "");
  if (!text) return { error: "Enter the amount to withdraw." };
  if (text.startsWith("-")) return { error: "Enter an amount greater than ₹0." };
  if (!/^\d*(\.\d*)?$/.test(text) || text === ".") {
    return { error: "Enter an amount in rupees, like 500 or 499.50." };
  }
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length > 2) return { error: "Use at most 2 decimal places (paise)." };
  if (whole.replace(/^0+/, "").length > 12) return { error: "That amount is too large." };
  return { paise: Number(whole || "0") * 100 + Number(fraction.padEnd(2, "0")) };
}

function upiError(raw) {
  const value = String(raw ?? "").trim();
  if (!value) return "Enter your UPI ID, like name@okhdfcbank.";
  if (/\s/.test(value)) return "A UPI ID has no spaces.";
  if (value.includes("_")) return "UPI IDs can’t contain underscores (_).";
  const ats = (value.match(/@/g) || []).length;
  if (ats === 0) return "Add @ and your bank’s handle, like name@okhdfcbank.";
  if (ats > 1) return "A UPI ID has exactly one @.";
  if (value.length < 3) return "That UPI ID is too short.";
  if (value.length > 100) return "A UPI ID is at most 100 characters.";
  if (VPA_RE.test(value)) return null;
  const [name, handle] = value.split("@");
  if (!name) return "Add your name or number before the @.";
  if (/[^-.a-zA-Z0-9]/.test(name)) return "Before the @, use only letters, digits, dots and hyphens.";
  if (!handle) return "Add your bank’s handle after the @, like okhdfcbank.";
  return "After the @ comes your bank’s handle: letters only, like okhdfcbank.";
}

/** One key per modal opening: a double click or a retry never makes two payouts. */
function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // Plain-http hosts other than localhost have no randomUUID: build a v4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function capitalize(word) {
  const text = String(word || "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatDate(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return { short: "", full: "" };
  return {
    short: formatDateTime(iso, { weekday: false, year: "always" }),
    full: when.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" }),
  };
}

// --- the tab ------------------------------------------------------------------------------

function start(kit) {
  const money = (paise) => kit.formatMoney((paise || 0) / 100);
  const q = (selector, scope = root) => scope.querySelector(selector);

  const balanceCard = q("[data-balance-card]");
  const balanceEls = Object.fromEntries(
    ["available", "earned", "withdrawn", "pending"].map((key) => [key, q(`[data-balance="${key}"]`)])
  );
  const openButton = q("[data-withdraw-open]");
  const hint = q("[data-withdraw-hint]");

  const table = q("[data-payout-history]");
  const tbody = q("[data-payouts-body]");
  const loading = q("[data-payouts-loading]");
  const empty = q("[data-payouts-empty]");
  const loadError = q("[data-payouts-error]");
  const countBadge = q("[data-payout-count]");

  const form = modal.querySelector("[data-withdraw-form]");
  const steps = kit.initSteps(form); // the kit wired it at boot; this returns that controller
  const amountInput = form.querySelector("#wd-amount");
  const upiInput = form.querySelector("#wd-upi");
  const maxButton = form.querySelector("[data-wd-max]");
  const submitButton = form.querySelector("[data-wd-submit]");
  const spinner = form.querySelector("[data-wd-spinner]");
  const submitLabel = form.querySelector("[data-wd-submit-label]");
  const closeButtons = Array.from(modal.querySelectorAll("[data-modal-close]"));
  const availableEls = Array.from(modal.querySelectorAll("[data-wd-available]"));
  const review = {
    amount: form.querySelector('[data-wd-review="amount"]'),
    upi_id: form.querySelector('[data-wd-review="upi_id"]'),
  };
  const FIELD_PANE = { amount: 0, upi_id: 1 };
  const FIELD_INPUT = { amount: amountInput, upi_id: upiInput };

  const state = {
    balance: null, // paise: {earned, withdrawn, pending, available}
    balanceShown: false, // counted up on screen at least once
    rows: new Map(), // payout id → <tr>
    payouts: new Map(), // payout id → last payout object rendered
    historyLoaded: false,
    submitting: false,
    idempotencyKey: null,
    serverErrors: {}, // field → {value, message}: a 400/409 answer shown until the field changes
    lastUpi: "",
    refreshTimer: 0,
    refreshQueued: false,
    balanceSeq: 0,
    historySeq: 0,
  };

  const tabsRoot = root.closest("[data-tabs]");
  const tabVisible = () => !root.closest("[hidden]");

  // ---------------------------------------------------------------- balance

  function showBalance({ animate = true } = {}) {
    if (!state.balance) return;
    for (const [key, el] of Object.entries(balanceEls)) {
      if (!el) continue;
      kit.countUp(el, state.balance[key] / 100, { format: "money", duration: animate ? 800 : 0 });
    }
    state.balanceShown = true;
  }

  function applyBalance(data) {
    const parsed = {};
    for (const key of ["earned", "withdrawn", "pending", "available"]) parsed[key] = toPaise(data[key]) ?? 0;
    state.balance = parsed;
    balanceCard.removeAttribute("aria-busy");
    // Count up where the mentor can see it: a hidden tab counts up when it is first shown.
    if (tabVisible()) showBalance();
    const canWithdraw = parsed.available > 0;
    openButton.disabled = !canWithdraw;
    hint.hidden = canWithdraw;
    openButton.title = canWithdraw ? "" : "No available balance to withdraw";
    availableEls.forEach((el) => {
      el.textContent = money(parsed.available);
    });
  }

  async function loadBalance({ quiet = false } = {}) {
    const seq = ++state.balanceSeq;
    try {
      const data = await kit.api("/api/payouts/balance/", { quiet });
      if (seq === state.balanceSeq) applyBalance(data);
    } catch (err) {
      if (err?.name === "AbortError") return;
      if (!state.balance) {
        balanceCard.removeAttribute("aria-busy");
        hint.textContent = "Couldn’t load your balance. Reload the page to try again.";
        hint.hidden = false;
      }
    }
  }

  // ---------------------------------------------------------------- history

  function tone(status) {
    if (status === "processed") {
      return {
        pill: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
        icon: `<svg class="h-3 w-3" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M16.704 4.153a.75.75 0 01.143 1.052l-8 10.5a.75.75 0 01-1.127.075l-4.5-4.5a.75.75 0 011.06-1.06l3.894 3.893 7.48-9.817a.75.75 0 011.05-.143z" clip-rule="evenodd"/></svg>`,
        note: "text-slate-500",
      };
    }
    if (RETURNED.has(status)) {
      return {
        pill: "bg-rose-50 text-rose-700 ring-rose-600/20",
        icon: `<svg class="h-3 w-3" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path d="M6.28 5.22a.75.75 0 00-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 101.06 1.06L10 11.06l3.72 3.72a.75.75 0 101.06-1.06L11.06 10l3.72-3.72a.75.75 0 00-1.06-1.06L10 8.94 6.28 5.22z"/></svg>`,
        note: "text-rose-600",
      };
    }
    return {
      pill: "bg-amber-50 text-amber-800 ring-amber-600/25",
      icon: `<span class="h-1.5 w-1.5 animate-pulse rounded-full bg-amber-500" aria-hidden="true"></span>`,
      note: "text-slate-500",
    };
  }

  function statusTip(p) {
    if (RETURNED.has(p.status)) {
      return `${p.failure_reason || `Withdrawal ${p.status}`} — the amount is back in your balance.`;
    }
    if (p.status === "processed" && p.utr) return `${STATUS_HINTS.processed} (UTR ${p.utr})`;
    return STATUS_HINTS[p.status] || capitalize(p.status);
  }

  function statusHtml(p) {
    const id = escapeHtml(p.id);
    const t = tone(p.status);
    let note = "";
    if (RETURNED.has(p.status)) {
      note = `<p class="order-5 col-span-2 text-xs leading-snug ${t.note} md:mt-1 md:max-w-56" data-testid="payout-reason-${id}">${escapeHtml(p.failure_reason || "The amount is back in your balance.")}</p>`;
    } else if (p.status === "processed" && p.utr) {
      note = `<p class="order-5 col-span-2 text-xs ${t.note} md:mt-1" data-testid="payout-utr-${id}">UTR <span class="font-mono">${escapeHtml(p.utr)}</span></p>`;
    }
    return `<span class="order-2 inline-flex items-center gap-1.5 self-start justify-self-end rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${t.pill}"
                  data-testid="payout-status-${id}" data-payout-status data-status="${escapeHtml(p.status)}" title="${escapeHtml(statusTip(p))}">${t.icon}${escapeHtml(capitalize(p.status))}</span>${note}`;
  }

  function rowHtml(p) {
    const id = escapeHtml(p.id);
    const cell = "md:table-cell md:px-5 md:py-3.5 md:align-top";
    return `
      <td role="cell" class="order-1 text-base font-semibold text-slate-900 tabular-nums md:order-none md:text-right md:text-sm md:whitespace-nowrap ${cell}" data-cell="amount">${escapeHtml(money(toPaise(p.amount)))}</td>
      <td role="cell" class="order-4 col-span-2 min-w-0 ${cell}" data-cell="method">
        <p class="flex min-w-0 items-center gap-1.5 md:block">
          <span class="shrink-0 rounded bg-slate-100 px-1.5 py-px text-[11px] font-semibold text-slate-600 md:bg-transparent md:p-0 md:text-sm md:font-medium md:text-slate-900">UPI</span>
          <span class="block min-w-0 truncate text-sm text-slate-700 md:max-w-64 md:text-xs md:text-slate-500" data-testid="payout-upi-${id}" title="${escapeHtml(p.upi_id)}">${escapeHtml(p.upi_id)}</span>
        </p>
      </td>
      <td role="cell" class="contents ${cell}" data-cell="status">${statusHtml(p)}</td>`;
  }

  // The date comes first in the table; on phones (a grid card) `order` puts it under the amount.
  function dateCellHtml(p) {
    const when = formatDate(p.created_at);
    return `<td role="cell" class="order-3 col-span-2 text-xs text-slate-500 md:order-none md:text-sm md:whitespace-nowrap md:text-slate-600 md:table-cell md:px-5 md:py-3.5 md:align-top" data-cell="date"><time datetime="${escapeHtml(p.created_at)}" title="${escapeHtml(when.full)}">${escapeHtml(when.short)}</time></td>`;
  }

  function buildRow(p) {
    const tr = document.createElement("tr");
    tr.className =
      "grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1.5 rounded-xl bg-white p-3.5 ring-1 ring-slate-200 md:table-row md:rounded-none md:bg-transparent md:p-0 md:ring-0 md:hover:bg-slate-50/70";
    tr.dataset.testid = `payout-row-${p.id}`;
    tr.dataset.payoutId = String(p.id);
    tr.setAttribute("role", "row"); // phones show rows as grid cards: keep the table semantics
    tr.dataset.status = p.status;
    tr.innerHTML = dateCellHtml(p) + rowHtml(p);
    return tr;
  }

  function updateRow(tr, p, previous) {
    const statusChanged = previous.status !== p.status;
    const detailsChanged =
      statusChanged ||
      previous.failure_reason !== p.failure_reason ||
      previous.utr !== p.utr;
    if (detailsChanged) {
      tr.querySelector('[data-cell="status"]').innerHTML = statusHtml(p);
      tr.dataset.status = p.status;
    }
    if (previous.amount !== p.amount || previous.upi_id !== p.upi_id || previous.created_at !== p.created_at) {
      tr.innerHTML = dateCellHtml(p) + rowHtml(p);
    }
    if (!statusChanged) return;
    const pill = tr.querySelector("[data-payout-status]");
    if (p.status === "processed") {
      kit.animate(pill, "pl-flash-green");
      kit.animate(tr, "pl-flash-green");
    } else if (RETURNED.has(p.status)) {
      kit.animate(pill, "pl-shake");
    } else {
      kit.animate(pill, "pl-pulse");
    }
  }

  /** Insert or update one payout; new rows slide down when `animateNew`. */
  function upsert(p, index, { animateNew }) {
    const key = String(p.id);
    let tr = state.rows.get(key);
    if (!tr) {
      tr = buildRow(p);
      state.rows.set(key, tr);
      state.payouts.set(key, { ...p });
      const at = tbody.children[index] || null;
      tbody.insertBefore(tr, at);
      if (animateNew) kit.animate(tr, "pl-slide-down");
      return;
    }
    updateRow(tr, p, state.payouts.get(key));
    state.payouts.set(key, { ...p });
    const at = tbody.children[index];
    if (at !== tr) tbody.insertBefore(tr, at || null);
  }

  function syncHistoryChrome() {
    const count = state.rows.size;
    loading.hidden = true;
    loadError.hidden = true;
    table.hidden = count === 0;
    empty.hidden = count !== 0;
    countBadge.hidden = count === 0;
    countBadge.textContent = count === 1 ? "1 payout" : `${count} payouts`;
  }

  function renderHistory(list, { animateNew }) {
    const seen = new Set();
    list.forEach((p, index) => {
      seen.add(String(p.id));
      upsert(p, index, { animateNew });
    });
    for (const [key, tr] of state.rows) {
      if (!seen.has(key)) {
        tr.remove();
        state.rows.delete(key);
        state.payouts.delete(key);
      }
    }
    // Prefill the next withdrawal with the newest UPI ID that did not fail.
    if (!state.lastUpi) state.lastUpi = list.find((p) => !RETURNED.has(p.status))?.upi_id || "";
    syncHistoryChrome();
  }

  async function loadHistory({ quiet = false } = {}) {
    const seq = ++state.historySeq;
    try {
      const list = await kit.api("/api/payouts/", { quiet });
      if (seq !== state.historySeq) return;
      renderHistory(Array.isArray(list) ? list : list?.results || [], { animateNew: state.historyLoaded });
      state.historyLoaded = true;
    } catch (err) {
      if (err?.name === "AbortError" || state.historyLoaded) return;
      loading.hidden = true;
      table.hidden = true;
      empty.hidden = true;
      loadError.hidden = false;
    }
  }

  q("[data-payouts-retry]").addEventListener("click", () => {
    loadError.hidden = true;
    loading.hidden = false;
    loadHistory();
  });

  function refreshAll() {
    if (state.submitting) {
      // The POST's own answer renders first (and slides in); catch up right after.
      state.refreshQueued = true;
      return;
    }
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => {
      loadBalance({ quiet: true });
      loadHistory({ quiet: true });
    }, 120); // coalesce a burst of pushes into one round trip
  }

  // ---------------------------------------------------------------- withdraw modal

  function clearServerError(field) {
    delete state.serverErrors[field];
  }

  kit.registerValidator("wd-amount", (pane, field) => {
    const input = field || amountInput;
    const parsed = parseAmount(input.value);
    if (parsed.error) return { field: input, message: parsed.error };
    const available = state.balance ? state.balance.available : null;
    if (parsed.paise <= 0) return { field: input, message: "Enter an amount greater than ₹0." };
    if (available !== null && parsed.paise > available) {
      return {
        field: input,
        message: available > 0
          ? `That’s more than your available balance of ${money(available)}.`
          : "You have no available balance to withdraw.",
      };
    }
    if (parsed.paise < MIN_PAYOUT_PAISE) return { field: input, message: `The smallest withdrawal is ${money(MIN_PAYOUT_PAISE)}.` };
    if (parsed.paise > MAX_PAYOUT_PAISE) return { field: input, message: `The largest withdrawal is ${money(MAX_PAYOUT_PAISE)}.` };
    const server = state.serverErrors.amount;
    if (server && server.value === input.value) return { field: input, message: server.message };
    return null;
  });

  kit.registerValidator("wd-upi", (pane, field) => {
    const input = field || upiInput;
    const trimmed = input.value.trim();
    if (trimmed !== input.value) input.value = trimmed;
    const message = upiError(trimmed);
    if (message) return { field: input, message };
    const server = state.serverErrors.upi_id;
    if (server && server.value === input.value) return { field: input, message: server.message };
    return null;
  });

  function syncReview() {
    const parsed = parseAmount(amountInput.value);
    review.amount.textContent = parsed.error ? "—" : money(parsed.paise);
    review.upi_id.textContent = upiInput.value.trim() || "—";
    review.upi_id.title = upiInput.value.trim();
  }

  form.addEventListener("input", (event) => {
    if (event.target === amountInput) clearServerError("amount");
    if (event.target === upiInput) clearServerError("upi_id");
    syncReview();
  });

  maxButton.addEventListener("click", () => {
    if (!state.balance) return;
    amountInput.value = toRupees(Math.max(0, state.balance.available));
    clearServerError("amount");
    // The kit clears a field's shown error on `input`; keep typing focus in the field.
    amountInput.dispatchEvent(new Event("input", { bubbles: true }));
    amountInput.focus();
  });

  function openWithdraw() {
    if (!state.balance || state.balance.available <= 0) return;
    if (!state.submitting) {
      steps.reset();
      state.serverErrors = {};
      state.idempotencyKey = newIdempotencyKey();
      form.dataset.idempotencyKey = state.idempotencyKey;
      upiInput.value = state.lastUpi;
      syncReview();
    }
    availableEls.forEach((el) => {
      el.textContent = money(state.balance.available);
    });
    kit.openModal(modal).then(() => {
      if (modal.dataset.open === "true" && steps.index === 0 && !state.submitting) {
        amountInput.focus({ preventScroll: true });
      }
    });
  }

  openButton.addEventListener("click", openWithdraw);

  function setSubmitting(on) {
    state.submitting = on;
    submitButton.disabled = on;
    submitButton.setAttribute("aria-busy", String(on));
    spinner.hidden = !on;
    submitLabel.textContent = on ? "Requesting…" : "Request";
    form.querySelectorAll("[data-steps-back]").forEach((b) => {
      b.disabled = on;
    });
    closeButtons.forEach((b) => {
      b.disabled = on;
    });
    // No Escape / backdrop close while the request runs: its answer belongs in this modal.
    if (on) modal.dataset.dismissible = "false";
    else delete modal.dataset.dismissible;
  }

  /** Show a server error on its field: go back to that field's pane and shake it. */
  async function showServerErrors(fields) {
    const known = Object.keys(FIELD_PANE).filter((f) => fields[f]);
    if (!known.length) return false;
    known.forEach((f) => {
      const messages = [].concat(fields[f]);
      state.serverErrors[f] = { value: FIELD_INPUT[f].value, message: String(messages[0]) };
    });
    const first = known.sort((a, b) => FIELD_PANE[a] - FIELD_PANE[b])[0];
    await steps.goTo(FIELD_PANE[first]);
    kit.validatePane(steps.panes[FIELD_PANE[first]]);
    return true;
  }

  async function submit() {
    if (state.submitting) return;
    const parsed = parseAmount(amountInput.value);
    // Belt and braces: the panes were validated on Next, but a value may have changed since.
    for (const i of [0, 1]) {
      if (!kit.validatePane(steps.panes[i])) {
        await steps.goTo(i);
        kit.validatePane(steps.panes[i]);
        return;
      }
    }
    const upiId = upiInput.value.trim();
    setSubmitting(true);
    try {
      const payout = await kit.api("/api/payouts/razorpay/", {
        method: "POST",
        body: { amount: toRupees(parsed.paise), upi_id: upiId },
        headers: { "Idempotency-Key": state.idempotencyKey },
        quiet: true,
      });
      state.lastUpi = upiId;
      setSubmitting(false);
      kit.closeModal(modal);
      kit.toast(`${money(toPaise(payout.amount))} to ${payout.upi_id}.`, {
        kind: "success",
        title: "Withdrawal Requested",
      });
      if (state.historyLoaded || state.rows.size) {
        state.historySeq += 1; // a list fetched before this payout existed must not drop its row
        upsert(payout, 0, { animateNew: true });
        syncHistoryChrome();
      }
      await loadBalance({ quiet: true });
      if (!state.historyLoaded) loadHistory({ quiet: true });
    } catch (err) {
      setSubmitting(false);
      await handleSubmitError(err);
    } finally {
      if (state.submitting) setSubmitting(false);
      if (state.refreshQueued) {
        state.refreshQueued = false;
        refreshAll();
      }
    }
  }

  async function handleSubmitError(err) {
    const status = err?.status;
    const data = err?.data && typeof err.data === "object" ? err.data : {};
    if (status === 409) {
      // The balance changed under us (another tab, a reversal…): show the new one.
      const message =
        [].concat(data.amount || data.detail || [])[0] || "Your balance changed. Check the amount and try again.";
      kit.toast(String(message), { kind: "error", title: "Balance changed" });
      await loadBalance({ quiet: true });
      if (modal.dataset.open === "true") await showServerErrors({ amount: [message] });
      return;
    }
    if (status === 400 && modal.dataset.open === "true" && (await showServerErrors(data))) return;
    if (status === 0) {
      kit.toast("Network error. Try again — the same request can’t create a second payout.", {
        kind: "error",
        title: "Not sent",
      });
      refreshAll();
      return;
    }
    kit.toast(err?.message || "Something went wrong. Please try again.", { kind: "error" });
  }

  form.addEventListener("steps:submit", (event) => {
    event.preventDefault();
    submit();
  });

  // ---------------------------------------------------------------- live updates

  // The Earnings badge counts money news not yet seen: looking at the tab is seeing it.
  let markingSeen = false;
  async function markEarningsSeen() {
    const badge = document.querySelector('[data-badge="earnings"]');
    if (markingSeen || !badge || badge.hidden) return;
    markingSeen = true;
    try {
      await kit.api("/api/notifications/read_all/", {
        method: "POST", body: { kinds: ["payout.", "earnings."] }, quiet: true,
      });
    } catch {
      /* the badge simply stays; nothing else depends on it */
    } finally {
      markingSeen = false;
    }
  }

  document.addEventListener("peerlearn:notification", (event) => {
    const kind = String(event.detail?.kind || "");
    if (kind.startsWith("payout.") || kind.startsWith("earnings.")) {
      refreshAll();
      if (tabVisible()) setTimeout(markEarningsSeen, 1500);
    }
  });

  // Showing the tab: count up a balance loaded while hidden, and catch up on anything missed.
  document.addEventListener("tabs:change", (event) => {
    if (event.target !== tabsRoot || event.detail?.tab !== "earnings") return;
    if (state.balance && !state.balanceShown) showBalance();
    refreshAll();
    markEarningsSeen();
  });

  // A phone waking up or a tab brought back to the front may have missed pushes.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && tabVisible()) refreshAll();
  });

  loadBalance();
  loadHistory();
}
