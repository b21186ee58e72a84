// What the bookings tab scripts' session forms share: the time and price checks (kit steps
// validators) and the local time zone note. The limits (highest price, how far ahead) are the
// server's: a tab template puts them in the page with {% session_limits_json "id" %} and its script
// calls useSessionLimits("id"); none is typed here. Server errors are shown by the kit
// (kit/errors.js); formatting lives in peerlearn_core/js/format.js.
import { formatMoney, localTimeZone } from "../../peerlearn_core/js/format.js";
import { endBusy, startBusy } from "../../peerlearn_core/js/kit/busy.js";
import { showServerErrors } from "../../peerlearn_core/js/kit/errors.js";

const DAY_MS = 24 * 3600 * 1000;
let limits = {};

/** Read the server's session limits from the json_script element `id` (once per page is enough). */
export function useSessionLimits(id) {
  const el = document.getElementById(id);
  if (el) limits = { ...limits, ...JSON.parse(el.textContent) };
  return limits;
}

/** Why a datetime-local value is no good as a future time (null when it is fine). */
export function futureTimeError(value, { maxAhead = false } = {}) {
  const when = new Date(value).getTime();
  if (Number.isNaN(when)) return "Enter a valid date and time.";
  if (when <= Date.now()) return "Pick a time in the future.";
  const days = Number(limits.max_days_ahead);
  if (maxAhead && days && when > Date.now() + days * DAY_MS) {
    return days >= 365 ? "Sessions can be scheduled up to a year ahead." : `Sessions can be scheduled up to ${days} days ahead.`;
  }
  return null;
}

/** Kit validator for a session's start: in the future, not too far ahead; an unchanged edit passes. */
export function sessionStartValidator(pane, field) {
  const input = (field && field.matches("input") && field) || pane.querySelector('input[type="datetime-local"]');
  if (!input || !input.value) return null; // "required" is the browser's job
  if (input.dataset.initial && input.value === input.dataset.initial) return null; // unchanged (edit)
  const message = futureTimeError(input.value, { maxAhead: true });
  return message ? { field: input, message } : null;
}

/** Kit validator for a seat price in rupees (a disabled, locked price is not checked). */
export function sessionPriceValidator(pane, field) {
  const input = field || pane.querySelector('[name="price"]');
  if (!input || input.disabled) return null;
  const value = String(input.value).trim();
  if (!/^\d+(\.\d{1,2})?$/.test(value)) {
    return { field: input, message: "Enter rupees with at most 2 decimals, e.g. 499 or 499.50." };
  }
  if (limits.max_price && Number(value) > Number(limits.max_price)) {
    return { field: input, message: `That price is too high (max ${formatMoney(limits.max_price)}).` };
  }
  return null;
}

/** Register the start and price validators under the names a form's data-validate uses. */
export function registerSessionValidators(kit, { start, price }) {
  kit.registerValidator(start, sessionStartValidator);
  kit.registerValidator(price, sessionPriceValidator);
}

/** Fill every [data-local-tz] in `scope` with " (Asia/Kolkata)" (or nothing without a zone). */
export function showLocalTimeZone(scope) {
  const name = localTimeZone();
  scope.querySelectorAll("[data-local-tz]").forEach((el) => {
    el.textContent = name ? ` (${name})` : "";
  });
}

/** Move a tab's overlays to <body>: a hidden tab panel (or any ancestor) must never hide or clip them. */
export function liftOverlays(root) {
  root.querySelectorAll(".pl-modal, .pl-slide-over").forEach((el) => document.body.appendChild(el));
}

/**
 * Send a form to the API the one way every bookings form does: the button busy (kit spinner and
 * `busyLabel`) until the answer, which goes to onSuccess; a 409 to onConflict when given; any other
 * error under its inputs (`fields`, {apiField: input}; `steps` moves to the pane) and one toast.
 */
export async function submitForm(kit, { button, busyLabel, url, method = "POST", body, fields, steps = null, onSuccess, onConflict = null }) {
  if (!startBusy(button, busyLabel)) return;
  try {
    await onSuccess(await kit.api(url, { method, body, quiet: true }));
  } catch (error) {
    if (onConflict && error && error.status === 409) onConflict(error);
    else await showServerErrors(error, fields, { steps });
  } finally {
    endBusy(button);
  }
}

/**
 * A "why?" dialog (cancel a session, decline a request): a kit modal whose form has an optional
 * `reason`. open(id) shows describe(id) in the `line` element (nothing opens when it is null); the
 * form POSTs {reason} to url(id), then onSuccess(answer, id) and the modal closes.
 */
export function reasonDialog(kit, { modalId, line, busyLabel, url, describe, onSuccess, onConflict = null }) {
  const modal = document.getElementById(modalId);
  const form = modal.querySelector("form");
  const reason = form.querySelector('[name="reason"]');
  const submit = form.querySelector('[type="submit"]');
  let current = null;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = current;
    if (id === null) return;
    submitForm(kit, {
      button: submit,
      busyLabel,
      url: url(id),
      body: { reason: reason.value.trim() },
      fields: { reason },
      onSuccess(answer) {
        onSuccess(answer, id);
        kit.closeModal(modal);
      },
      onConflict,
    });
  });

  return function open(id) {
    const text = describe(id);
    if (text === null || submit.dataset.busy === "true") return;
    current = id;
    reason.value = "";
    kit.clearFieldError(reason);
    form.querySelector(line).textContent = text;
    kit.openModal(modal);
  };
}
