// The one formatting module: money, dates and times, durations, names. Every page script and the
// kit format through these functions and keep no formatter of their own. Money is shown in the
// en-IN grouping with ₹ (₹1,23,456.00); dates and times in the browser's (the user's) time zone.
// Pure functions: nothing here imports a kit module, so page scripts may import it directly.
import { escapeHtml } from "./ready.js";

export { escapeHtml };

const pad = (n) => String(n).padStart(2, "0");

const MONEY = new Intl.NumberFormat("en-IN", {
  style: "currency",
  currency: "INR",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** Rupees → "₹1,23,456.50". Accepts numbers or the API's decimal strings ("499.00"). */
export function formatMoney(rupees) {
  return MONEY.format(Number(rupees) || 0);
}

/** Integer paise → "₹1,234.50" (payouts and balances travel in paise). */
export function formatPaise(paise) {
  return formatMoney((Number(paise) || 0) / 100);
}

/** The API's rupee string ("1234.50", "-5", ".5") → integer paise, exactly; null when not one. */
export function rupeesToPaise(value) {
  const match = /^(-)?(\d*)(?:\.(\d{0,2}))?$/.exec(String(value ?? "").trim());
  if (!match || (!match[2] && !match[3])) return null;
  const paise = Number(match[2] || "0") * 100 + Number((match[3] || "").padEnd(2, "0"));
  return match[1] ? -paise : paise;
}

/** Integer paise → the API's rupee string (the wire format): 123450 → "1234.50". */
export function paiseToRupees(paise) {
  const n = Math.trunc(Number(paise) || 0);
  const sign = n < 0 ? "-" : "";
  return `${sign}${Math.trunc(Math.abs(n) / 100)}.${String(Math.abs(n) % 100).padStart(2, "0")}`;
}

/** A seat price in rupees; 0 (or nothing) is "Free". */
export function formatPrice(price) {
  return Number(price) > 0 ? formatMoney(price) : "Free";
}

function withYear(options, date, year) {
  if (year === "always" || (year === "auto" && date.getFullYear() !== new Date().getFullYear())) {
    options.year = "numeric";
  }
  return options;
}

/**
 * A date and time, e.g. "Fri, 14 Mar, 18:00".
 * `weekday`: show the short weekday. `year`: "auto" adds it only when it is not this year,
 * "always" always, false never. An empty or invalid value gives "".
 */
export function formatDateTime(iso, { weekday = true, year = "auto" } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (weekday) options.weekday = "short";
  return date.toLocaleString(undefined, withYear(options, date, year));
}

/** A date alone, e.g. "14 Mar" ("14 Mar 2025" in another year); same options as formatDateTime. */
export function formatDate(iso, { weekday = false, year = "auto" } = {}) {
  if (!iso) return "";
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const options = { day: "numeric", month: "short" };
  if (weekday) options.weekday = "short";
  return date.toLocaleDateString(undefined, withYear(options, date, year));
}

/** A calendar day from the API ("2025-03-10", no zone) as that day, never shifted by the zone. */
export function formatDay(ymd, options = {}) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(ymd || ""));
  if (!match) return "";
  return formatDate(new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])), options);
}

/** A month from the API's bucket start ("2025-03-01…", no zone): "Mar 25", or `long` "March 2025". */
export function formatMonth(ymd, { long = false } = {}) {
  const match = /^(\d{4})-(\d{2})/.exec(String(ymd || ""));
  if (!match) return "";
  const date = new Date(Number(match[1]), Number(match[2]) - 1, 1);
  const options = long ? { month: "long", year: "numeric" } : { month: "short", year: "2-digit" };
  return date.toLocaleDateString(undefined, options);
}

/** "18:00" (24-hour clock). */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** "Fri, 14 Mar, 18:00–19:30" for a session's start and end. */
export function formatTimeRange(startIso, endIso) {
  const day = formatDate(startIso, { weekday: true });
  return endIso ? `${day}, ${formatTime(startIso)}–${formatTime(endIso)}` : `${day}, ${formatTime(startIso)}`;
}

/** The full form for a title attribute: "Friday, 14 March 2025 at 18:00". */
export function formatFull(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" });
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "5 minutes ago", "in 2 hours", "yesterday"; a week or more away → formatDateTime. */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Number.isNaN(seconds)) return "";
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return RELATIVE.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return RELATIVE.format(Math.round(seconds / 3600), "hour");
  if (abs < 7 * 86400) return RELATIVE.format(Math.round(seconds / 86400), "day");
  return formatDateTime(iso, { weekday: false });
}

/** Milliseconds left → "14:05" (or "1:02:03" past an hour); never negative. */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil((Number(ms) || 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** 45 → "45 min", 90 → "1 h 30 min", 120 → "2 h". */
export function formatDuration(minutes) {
  const m = Number(minutes) || 0;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** 1 → "1 learner", 3 → "3 learners" (`many` for irregular plurals). */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${Number(n) === 1 ? word : many}`;
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
