// Small formatting and DOM helpers shared by the dashboard tab scripts. Nothing here knows about
// bookings, sessions or payouts, and nothing imports a kit module (page scripts reach the kit
// through window.PeerLearn / kitReady(), so the kit is only ever loaded once).
import { escapeHtml } from "./ready.js";

/** The kit's loading spinner (styled by .pl-spinner in kit.css). */
export const SPINNER = '<span class="pl-spinner" aria-hidden="true"></span>';

const pad = (n) => String(n).padStart(2, "0");

/**
 * A date and time in the browser's locale, e.g. "Fri, 14 Mar, 18:00".
 * `weekday`: show the short weekday. `year`: "auto" adds it only when it is not this year,
 * "always" always, false never. An empty value gives "".
 */
export function formatDateTime(iso, { weekday = true, year = "auto" } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (weekday) options.weekday = "short";
  if (year === "always" || (year === "auto" && date.getFullYear() !== new Date().getFullYear())) {
    options.year = "numeric";
  }
  return date.toLocaleString(undefined, options);
}

/** 45 → "45 min", 90 → "1 h 30 min", 120 → "2 h". */
export function formatDuration(minutes) {
  const m = Number(minutes) || 0;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** A rupee price through the kit's money format; 0 (or nothing) is "Free". Call after kitReady(). */
export function formatPrice(price) {
  return Number(price) > 0 ? window.PeerLearn.formatMoney(price) : "Free";
}

/** ISO string → the value a datetime-local input takes, in the browser's time zone. */
export function toLocalInput(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value → ISO 8601 with the browser's offset, e.g. 2025-03-14T18:00:00+05:30. */
export function localInputToIso(value) {
  const d = new Date(value);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** The browser's IANA time zone name ("Asia/Kolkata"), or "" when it has none. */
export function localTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

/** "Asha Rao" → "AR", "asha" → "A", "" → "?". */
export function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

/** Mark `button` busy (disabled, spinner + label). Returns false when it already is. */
export function startBusy(button, label) {
  if (!button || button.dataset.busy === "true") return false;
  button.dataset.busy = "true";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (label) {
    button.dataset.idleHtml = button.innerHTML;
    button.innerHTML = `${SPINNER}<span>${escapeHtml(label)}</span>`;
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
