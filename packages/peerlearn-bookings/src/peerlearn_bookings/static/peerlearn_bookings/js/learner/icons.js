// The learner cards' icons and their when/how-long line, drawn once with the kit's icon() (one way to draw icons everywhere).
import { escapeHtml, formatDateTime, formatDuration } from "../../../peerlearn_core/js/format.js";
import { icon } from "../../../peerlearn_core/js/kit/icon.js";

const muted = { className: "h-4 w-4 shrink-0 text-slate-400" };

export const ICONS = {
  calendar: icon(["M5 5h14a2 2 0 012 2v12a2 2 0 01-2 2H5a2 2 0 01-2-2V7a2 2 0 012-2z", "M16 3v4M8 3v4M3 10h18"], muted).outerHTML,
  clock: icon(["M12 3a9 9 0 110 18 9 9 0 010-18z", "M12 7v5l3 2"], muted).outerHTML,
  seats: icon(
    ["M9 4.5a3.5 3.5 0 110 7 3.5 3.5 0 010-7z", "M2.5 20c.8-3.4 3.4-5 6.5-5s5.7 1.6 6.5 5M16 4.5a3.5 3.5 0 010 7M18 15c2 .6 3.2 2.2 3.5 5"],
    muted
  ).outerHTML,
  video: icon(["M4.5 6h9a2 2 0 012 2v8a2 2 0 01-2 2h-9a2 2 0 01-2-2V8a2 2 0 012-2z", "M15.5 10.5l6-3.5v10l-6-3.5"], {
    className: "h-4 w-4 shrink-0",
  }).outerHTML,
  check: icon("M5 13l4 4L19 7", { className: "h-4 w-4", strokeWidth: 2.5 }).outerHTML,
  timer: icon(["M12 5a8 8 0 110 16 8 8 0 010-16z", "M12 9v4l2.5 1.5M9.5 2.5h5"], { className: "h-4 w-4 shrink-0" }).outerHTML,
};

/** A session's start as the learner cards show it ("Fri, 14 Mar, 18:00"). */
export const when = (iso) => formatDateTime(iso, { year: false });

/** The "when · how long" items of a session card (Browse and My Bookings). */
export function whenItems(session, whenTestid) {
  return `
    <li class="inline-flex items-center gap-1.5">${ICONS.calendar}<time datetime="${escapeHtml(session.starts_at)}" data-testid="${whenTestid}">${escapeHtml(when(session.starts_at))}</time></li>
    <li class="inline-flex items-center gap-1.5">${ICONS.clock}<span>${escapeHtml(formatDuration(session.duration_minutes))}</span></li>`;
}
