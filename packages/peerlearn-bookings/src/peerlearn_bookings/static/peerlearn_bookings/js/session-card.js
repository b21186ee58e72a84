// Mentor → My Sessions: one session card's markup and the lifecycle rules it shows (when Join
// room, End session and attendance are open). Pure: no state, no kit calls; pills and formatting
// are the kit's and format.js's.
import {
  escapeHtml,
  formatDateTime,
  formatDuration,
  formatPrice,
  plural,
} from "../../peerlearn_core/js/format.js";
import { sessionStatusPill } from "../../peerlearn_core/js/kit/pills.js";

export const OPEN = new Set(["scheduled", "live"]);
export const READY_LABEL = "I'm Ready";
export const CANCEL_READY_LABEL = "Cancel Ready";

/** The label the ready button shows for a mentor_ready value. */
export const readyLabel = (ready) => (ready ? CANCEL_READY_LABEL : READY_LABEL);

// The server's lifecycle rules, so a button shows only when it would succeed.

/** "Join room" shows from room_opens_at until ends_at while the session is scheduled or live. */
export function roomWindowOpen(s, now = Date.now()) {
  if (!OPEN.has(s.status) || !s.room_opens_at || !s.ends_at) return false;
  return Date.parse(s.room_opens_at) <= now && now < Date.parse(s.ends_at);
}

/** A session ends once it went live or its end time passed. */
export function canEnd(s, now = Date.now()) {
  return s.status === "live" || (s.status === "scheduled" && Boolean(s.ends_at) && Date.parse(s.ends_at) <= now);
}

/** Attendance opens once the session is live. */
export const attendanceOpen = (s) => Boolean(s) && (s.status === "live" || s.status === "completed");

// After a reschedule: how many booked learners kept their seat at the new time ("2/3").
export function reconfirmShown(s) {
  return Boolean(s.rescheduled_at) && s.status === "scheduled" && Number(s.booked_count) > 0;
}

export function reconfirmText(s) {
  const booked = Number(s.booked_count) || 0;
  const done = Math.max(0, Math.min(booked, booked - (Number(s.reconfirm_pending_count) || 0)));
  return `${done}/${booked} re-confirmed`;
}

export function bookedPercent(s) {
  const max = Number(s.max_participants) || 0;
  return max ? Math.min(100, Math.round((Number(s.booked_count) / max) * 100)) : 0;
}

export const bookedText = (s) => `Booked ${Number(s.booked_count)}/${Number(s.max_participants)}`;
export const attendedText = (s) => `${Number(s.attended_count)} attended`;
export const waitlistText = (s) => `${Number(s.waitlist_count) || 0} waiting`;

const BTN_SECONDARY =
  "inline-flex items-center justify-center gap-1.5 rounded-lg bg-white px-3 py-2 text-sm font-semibold text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 transition hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70";
const BTN_QUIET =
  "inline-flex items-center justify-center gap-1.5 rounded-lg px-2.5 py-1.5 text-sm font-medium transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-60";

function countsHtml(s) {
  return `
      <div class="mt-4 flex flex-wrap items-center gap-2 text-xs font-medium">
        <span class="rounded-full bg-slate-100 px-2.5 py-1 text-slate-700" data-testid="booked-${s.id}" data-booked>${bookedText(s)}</span>
        <span class="inline-block rounded-full bg-sky-50 px-2.5 py-1 text-sky-700 ring-1 ring-inset ring-sky-200" data-testid="confirmed-badge-${s.id}" data-confirmed-badge><span data-count>${Number(s.confirmed_count)}</span> confirmed</span>
        <span class="rounded-full bg-emerald-50 px-2.5 py-1 text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="attended-${s.id}" data-attended>${attendedText(s)}</span>
        <span class="rounded-full bg-amber-50 px-2.5 py-1 text-amber-800 ring-1 ring-inset ring-amber-200" data-testid="reconfirmed-${s.id}" data-reconfirmed ${reconfirmShown(s) ? "" : "hidden"}>${reconfirmText(s)}</span>
        <span class="rounded-full bg-slate-50 px-2.5 py-1 text-slate-600 ring-1 ring-inset ring-slate-200" data-testid="waitlist-count-${s.id}" data-waitlist ${Number(s.waitlist_count) ? "" : "hidden"}>${waitlistText(s)}</span>
      </div>
      <div class="mt-3 h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
        <div class="h-full rounded-full bg-indigo-500 transition-[width] duration-500" data-booked-bar data-css="width:${bookedPercent(s)}%"></div>
      </div>`;
}

function actionsHtml(s) {
  if (OPEN.has(s.status)) {
    const ready = Boolean(s.mentor_ready);
    return `
      <div class="mt-auto pt-4">
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions>
          <button type="button" data-action="ready" data-id="${s.id}" data-testid="ready-${s.id}" data-ready="${ready}" data-flipped="${ready}"
                  class="inline-flex min-w-32 flex-1 items-center justify-center rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm transition-colors hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70 data-[flipped=true]:bg-rose-600 data-[flipped=true]:hover:bg-rose-700 sm:flex-none"><span data-flip-label>${readyLabel(ready)}</span></button>
          <button type="button" data-action="learners" data-id="${s.id}" data-testid="view-learners-${s.id}" class="${BTN_SECONDARY} flex-1 sm:flex-none">View Learners</button>
          <a href="${escapeHtml(s.room_url)}" data-testid="join-room-${s.id}" data-join-room ${roomWindowOpen(s) ? "" : "hidden"}
             class="inline-flex flex-1 items-center justify-center gap-1.5 rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-emerald-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 sm:flex-none">Join room <span aria-hidden="true">→</span></a>
        </div>
        <div class="mt-2 flex flex-wrap items-center gap-1">
          ${s.status === "scheduled" ? `<button type="button" data-action="edit" data-id="${s.id}" data-testid="edit-session-${s.id}" class="${BTN_QUIET} text-slate-600 hover:bg-slate-100 hover:text-slate-900">Edit</button>` : ""}
          <button type="button" data-action="complete" data-id="${s.id}" data-testid="end-session-${s.id}" data-end-session ${canEnd(s) ? "" : "hidden"} class="${BTN_QUIET} text-slate-600 hover:bg-slate-100 hover:text-slate-900">End session</button>
          <button type="button" data-action="cancel" data-id="${s.id}" data-testid="cancel-session-${s.id}" class="${BTN_QUIET} ml-auto text-rose-600 hover:bg-rose-50 hover:text-rose-700">Cancel</button>
        </div>
      </div>`;
  }
  if (s.status === "completed") {
    return `
      <div class="mt-auto pt-4">
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions>
          <button type="button" data-action="learners" data-id="${s.id}" data-testid="view-learners-${s.id}" class="${BTN_SECONDARY}">View Learners</button>
        </div>
      </div>`;
  }
  // No actions of our own: the row shows only when another app adds one (buildCard).
  return `
      <div class="mt-auto pt-4" data-card-actions-row hidden>
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions></div>
      </div>`;
}

const ICON_WHEN =
  '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.75 2a.75.75 0 01.75.75V4h7V2.75a.75.75 0 011.5 0V4h.25A2.75 2.75 0 0118 6.75v8.5A2.75 2.75 0 0115.25 18H4.75A2.75 2.75 0 012 15.25v-8.5A2.75 2.75 0 014.75 4H5V2.75A.75.75 0 015.75 2zm-1 5.5c-.69 0-1.25.56-1.25 1.25v6.5c0 .69.56 1.25 1.25 1.25h10.5c.69 0 1.25-.56 1.25-1.25v-6.5c0-.69-.56-1.25-1.25-1.25H4.75z" clip-rule="evenodd"/></svg>';
const ICON_DURATION =
  '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10 18a8 8 0 100-16 8 8 0 000 16zm.75-13a.75.75 0 00-1.5 0v5c0 .414.336.75.75.75h4a.75.75 0 000-1.5h-3.25V5z" clip-rule="evenodd"/></svg>';

/** The inner HTML of a session's card. */
export function cardHtml(s) {
  const description = s.description
    ? `<p class="mt-3 line-clamp-2 break-words text-sm text-slate-600">${escapeHtml(s.description)}</p>`
    : "";
  const cancelReason =
    s.status === "cancelled" && s.cancel_reason
      ? `<p class="mt-3 break-words rounded-lg bg-rose-50 px-3 py-2 text-xs text-rose-700 ring-1 ring-rose-100" data-testid="cancel-reason-${s.id}">Reason: ${escapeHtml(s.cancel_reason)}</p>`
      : "";
  return `
      <div class="flex items-start justify-between gap-3">
        <h3 class="min-w-0 break-words font-semibold text-slate-900" data-testid="session-title-${s.id}">${escapeHtml(s.title)}</h3>
        ${sessionStatusPill(s.status, `data-testid="session-status-${s.id}"`)}
      </div>
      <dl class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-500">
        <div class="flex items-center gap-1.5"><dt class="sr-only">When</dt>${ICON_WHEN}
          <dd data-testid="session-when-${s.id}"><time datetime="${escapeHtml(s.starts_at)}">${escapeHtml(formatDateTime(s.starts_at))}</time></dd></div>
        <div class="flex items-center gap-1.5"><dt class="sr-only">Duration</dt>${ICON_DURATION}
          <dd data-testid="session-duration-${s.id}">${escapeHtml(formatDuration(s.duration_minutes))}</dd></div>
        <div class="flex items-center gap-1.5"><dt class="sr-only">Price</dt>
          <dd class="font-medium text-slate-700" data-testid="session-price-${s.id}">${escapeHtml(formatPrice(s.price))}</dd></div>
      </dl>
      ${description}
      ${countsHtml(s)}
      ${cancelReason}
      ${actionsHtml(s)}`;
}

/** "Pandas in practice · Fri, 14 Mar, 18:00 · 3 booked" (the cancel dialog's line). */
export function sessionLine(s) {
  return `“${s.title}” · ${formatDateTime(s.starts_at)} · ${plural(Number(s.booked_count) || 0, "learner")} booked`;
}
