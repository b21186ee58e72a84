// Server errors, one renderer for every form: DRF field errors go under their inputs (the kit
// shakes them; a steps form first moves to the pane of the first one) and one error toast says
// what went wrong. api() already turns errors into messages (errorMessage in api.js).
import { showFieldError } from "./steps.js";
import { toast } from "./toast.js";

function firstText(value) {
  if (Array.isArray(value)) return value.length ? firstText(value[0]) : "";
  if (value && typeof value === "object") return firstText(Object.values(value)[0]);
  return value == null ? "" : String(value);
}

/**
 * Show an ApiError's field errors on `fields` ({apiFieldName: input}) and toast the first message.
 * `steps`: the kit steps controller of the form, if any. `toast: false` keeps it inline only.
 * Returns the first field message shown (null when no field matched).
 */
export async function showServerErrors(error, fields, { steps = null, toast: announce = true } = {}) {
  const data = error && error.data && typeof error.data === "object" && !Array.isArray(error.data) ? error.data : null;
  let first = null;
  if (data) {
    const entries = Object.entries(data).filter(([key]) => fields[key]);
    if (entries.length && steps) {
      const paneIndex = Math.min(...entries.map(([key]) => steps.panes.findIndex((p) => p.contains(fields[key]))));
      if (paneIndex >= 0 && paneIndex !== steps.index) await steps.goTo(paneIndex);
    }
    for (const [key, value] of entries) {
      const message = firstText(value);
      showFieldError(fields[key], message);
      if (!first) first = message;
    }
  }
  if (announce) toast(first || (error && error.message) || "Something went wrong.", { kind: "error" });
  return first;
}
