// What the bookings tab scripts' session forms share: the time and price checks (kit steps
// validators). Server errors are shown by the kit (kit/errors.js). General formatting lives in
// peerlearn_core/js/format.js; the kit is reached through window.PeerLearn (kitReady()).

const YEAR_MS = 366 * 24 * 3600 * 1000;

/** Why a datetime-local value is no good as a future time (null when it is fine). */
export function futureTimeError(value, { maxAhead = false } = {}) {
  const when = new Date(value).getTime();
  if (Number.isNaN(when)) return "Enter a valid date and time.";
  if (when <= Date.now()) return "Pick a time in the future.";
  if (maxAhead && when > Date.now() + YEAR_MS) return "Sessions can be scheduled up to a year ahead.";
  return null;
}

/** Kit validator for a session's start: in the future, at most a year ahead; an unchanged edit passes. */
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
  if (Number(value) > 1000000) return { field: input, message: "That price is too high (max ₹10,00,000)." };
  return null;
}
