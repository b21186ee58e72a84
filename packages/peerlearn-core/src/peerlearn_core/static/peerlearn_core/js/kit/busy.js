// Busy states, one mechanism for every page: a button that is working shows the kit spinner and a
// label and cannot be pressed twice; a list that is loading carries aria-busy.
import { escapeHtml } from "../ready.js";

/** The kit's loading spinner (styled by .pl-spinner). */
export const SPINNER = '<span class="pl-spinner" aria-hidden="true"></span>';

/** Markup for a button label while it works: spinner + text ("Booking…"). */
export function busyLabel(label) {
  return `${SPINNER}<span>${escapeHtml(label)}</span>`;
}

/** Attributes for a button rendered busy or idle inside an HTML template string. */
export function busyAttrs(busy) {
  return busy ? 'disabled aria-busy="true"' : "";
}

/** Mark `button` busy (disabled, spinner + label). Returns false when it already is. */
export function startBusy(button, label) {
  if (!button || button.dataset.busy === "true") return false;
  button.dataset.busy = "true";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (label) {
    button.dataset.idleHtml = button.innerHTML;
    button.innerHTML = busyLabel(label);
  }
  return true;
}

/** Undo startBusy(): the button's own markup back, enabled again. */
export function endBusy(button) {
  if (!button) return;
  if (button.dataset.idleHtml !== undefined) {
    button.innerHTML = button.dataset.idleHtml;
    delete button.dataset.idleHtml;
  }
  delete button.dataset.busy;
  button.disabled = false;
  button.removeAttribute("aria-busy");
}

/** startBusy/endBusy around an async job: `await whileBusy(button, "Saving…", () => api(...))`. */
export async function whileBusy(button, label, job) {
  if (!startBusy(button, label)) return undefined;
  try {
    return await job();
  } finally {
    endBusy(button);
  }
}

/** A list or card that is loading (true) or done (false), for assistive tech and tests. */
export function setLoading(el, loading) {
  if (el) el.setAttribute("aria-busy", loading ? "true" : "false");
}
