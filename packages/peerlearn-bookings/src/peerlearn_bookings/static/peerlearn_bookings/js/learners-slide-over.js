// Mentor → My Sessions → View Learners: the kit slide-over (from the right, 300 ms) listing a
// session's bookings from GET /api/sessions/{id}/learners/: payment and confirmation pills,
// details that expand (200 ms), and Mark Attended (POST /api/bookings/{id}/attend/, the row
// flashes green). Live pushes reach it through setConfirmation / setPayment / setAttended /
// refresh.
import {
  escapeHtml,
  formatDate,
  formatDateTime,
  formatDuration,
  formatPrice,
  initials,
} from "../../peerlearn_core/js/format.js";
import { attendancePill, confirmationPill, paymentLabel, paymentPill } from "../../peerlearn_core/js/kit/pills.js";
import { attendanceOpen, bookedText } from "./session-card.js";

function avatar(learner, size) {
  const classes = size === "lg" ? "h-14 w-14 text-base" : "h-10 w-10 text-sm";
  if (learner.avatar_url) {
    return `<img src="${escapeHtml(learner.avatar_url)}" alt="" class="${classes} shrink-0 rounded-full object-cover ring-1 ring-slate-200" loading="lazy">`;
  }
  return `<span class="${classes} inline-flex shrink-0 items-center justify-center rounded-full bg-indigo-100 font-semibold text-indigo-700" aria-hidden="true">${escapeHtml(initials(learner.name))}</span>`;
}

function feedbackHtml(booking) {
  const feedback = booking.feedback;
  if (!feedback || !feedback.rating) return "";
  const rating = Math.max(1, Math.min(5, Number(feedback.rating) || 0));
  return `<div class="mt-3 rounded-lg bg-amber-50/60 px-3 py-2 text-xs ring-1 ring-amber-100" data-testid="learner-feedback-${booking.id}">
      <p class="font-medium text-slate-800">Their rating <span class="text-amber-500" aria-label="${rating} out of 5">${"★".repeat(rating)}${"☆".repeat(5 - rating)}</span></p>
      ${feedback.comment ? `<p class="mt-0.5 whitespace-pre-line break-words text-slate-600">${escapeHtml(feedback.comment)}</p>` : ""}
    </div>`;
}

const confirmation = (booking) => confirmationPill(booking, `data-testid="learner-confirmation-${booking.id}" data-confirmation`);

function pastSessionsHtml(booking, sessionId) {
  const past = (booking.learner?.past_sessions || []).filter((p) => p.id !== sessionId);
  if (!past.length) {
    return `<p class="mt-2 text-xs text-slate-500" data-testid="learner-past-sessions-${booking.id}">No past sessions with you yet.</p>`;
  }
  const items = past.map(
    (p) => `<li class="flex items-center justify-between gap-3 rounded-lg bg-slate-50 px-3 py-2 text-xs">
              <span class="min-w-0"><span class="block truncate font-medium text-slate-800">${escapeHtml(p.title)}</span><span class="text-slate-500">${escapeHtml(formatDate(p.starts_at))}</span></span>
              ${attendancePill(p.attended)}
            </li>`
  );
  return `<ul class="mt-2 space-y-1.5" data-testid="learner-past-sessions-${booking.id}">${items.join("")}</ul>`;
}

function paymentHtml(bookingId, status) {
  return paymentPill(
    status,
    `data-testid="payment-status-${bookingId}" data-status="${escapeHtml(status)}" title="Payment: ${escapeHtml(paymentLabel(status))}"`
  );
}

function learnerRow(booking, session) {
  const learner = booking.learner || {};
  const open = attendanceOpen(session);
  const payment = paymentHtml(booking.id, booking.payment_status);
  const li = document.createElement("li");
  li.className = "rounded-xl border border-slate-200 bg-white transition-colors";
  li.dataset.testid = `learner-row-${booking.id}`;
  li.dataset.bookingId = String(booking.id);
  li.innerHTML = `
      <div class="flex items-start gap-3 p-3">
        ${avatar(learner)}
        <div class="min-w-0 flex-1">
          <p class="truncate text-sm font-medium text-slate-900" data-testid="learner-name-${booking.id}">${escapeHtml(learner.name)}</p>
          <p class="truncate text-xs text-slate-500" data-testid="learner-email-${booking.id}">${escapeHtml(learner.email)}</p>
          <p class="mt-0.5 text-xs text-slate-400" data-testid="learner-booked-at-${booking.id}">Booked ${escapeHtml(formatDateTime(booking.booked_at, { weekday: false }))}</p>
          <div class="mt-2 flex flex-wrap gap-1.5">${payment}${confirmation(booking)}</div>
        </div>
        <button type="button" data-expand-toggle="learner-details-${booking.id}" aria-controls="learner-details-${booking.id}" aria-expanded="false"
                aria-label="Details for ${escapeHtml(learner.name)}" data-testid="learner-details-toggle-${booking.id}"
                class="-mr-1 inline-flex h-9 shrink-0 items-center gap-1 rounded-lg px-2 text-xs font-medium text-slate-500 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          <span class="hidden sm:inline">Details</span>
          <svg class="pl-expand-arrow h-4 w-4" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.23 7.21a.75.75 0 011.06.02L10 11.17l3.71-3.94a.75.75 0 111.08 1.04l-4.25 4.5a.75.75 0 01-1.08 0l-4.25-4.5a.75.75 0 01.02-1.06z" clip-rule="evenodd"/></svg>
        </button>
      </div>
      <div id="learner-details-${booking.id}" class="pl-expand" data-expanded="false" data-testid="learner-details-${booking.id}">
        <div class="border-t border-slate-100 px-3 py-3 text-sm text-slate-600">
          <div class="flex items-start gap-3">
            ${avatar(learner, "lg")}
            <p class="min-w-0 flex-1 whitespace-pre-line break-words" data-testid="learner-bio-${booking.id}">${learner.bio ? escapeHtml(learner.bio) : '<span class="text-slate-400">No bio yet.</span>'}</p>
          </div>
          ${feedbackHtml(booking)}
          <h4 class="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500">Past sessions with you</h4>
          ${pastSessionsHtml(booking, session?.id)}
        </div>
      </div>
      <p class="border-t border-slate-100 px-3 py-2.5 text-xs text-slate-500" data-attend-later ${open ? "hidden" : ""}>Attendance opens when the session goes live.</p>
      <label class="flex cursor-pointer items-center gap-2 border-t border-slate-100 px-3 py-2.5 text-sm text-slate-700" data-attend-row ${open ? "" : "hidden"}>
        <input type="checkbox" data-attend="${booking.id}" data-testid="attend-${booking.id}" ${booking.attended ? "checked" : ""}
               class="h-4 w-4 rounded border-slate-300 accent-emerald-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait">
        Mark Attended
      </label>`;
  return li;
}

/** Wire the learners slide-over of `board` (session-board.js). */
export function createLearnersSlideOver(kit, board) {
  const root = document.getElementById("learners-slide-over");
  const part = (name) => root.querySelector(`[data-so-${name}]`);
  const el = {
    title: part("title"),
    when: part("when"),
    booked: part("booked"),
    confirmed: part("confirmed"),
    attended: part("attended"),
    list: part("list"),
    empty: part("empty"),
    loading: part("loading"),
  };
  let sessionId = null;
  let token = 0;

  const rowOf = (bookingId) => el.list.querySelector(`[data-testid="learner-row-${bookingId}"]`);

  function fillHeader(s) {
    el.title.textContent = s.title;
    el.when.textContent = `${formatDateTime(s.starts_at)} · ${formatDuration(s.duration_minutes)} · ${formatPrice(s.price)}`;
    el.booked.textContent = bookedText(s);
    el.confirmed.textContent = `Confirmed: ${Number(s.confirmed_count)}`;
    el.attended.textContent = `Attended: ${Number(s.attended_count)}`;
    root.dataset.sessionId = String(s.id);
  }

  /** Show or hide the Mark Attended rows as the session goes live. */
  function syncAttendance() {
    const open = attendanceOpen(board.sessions.get(sessionId));
    el.list.querySelectorAll("[data-attend-row]").forEach((row) => (row.hidden = !open));
    el.list.querySelectorAll("[data-attend-later]").forEach((hint) => (hint.hidden = open));
  }

  /** Keep the regions the mentor opened open across a redraw. */
  function reopen(expanded) {
    expanded.forEach((regionId) => {
      const region = document.getElementById(regionId);
      if (!region || region.dataset.expanded === "true") return;
      region.dataset.expanded = "true";
      region.dataset.state = "expanded";
      region.style.height = "auto";
      el.list.querySelectorAll(`[data-expand-toggle="${CSS.escape(regionId)}"]`).forEach((b) => b.setAttribute("aria-expanded", "true"));
    });
  }

  /** The session's counts as the list shows them (a push may have been missed). */
  function syncCounts(id, bookings) {
    const s = board.sessions.get(id);
    if (!s) return;
    const attended = bookings.filter((b) => b.attended).length;
    const confirmed = bookings.filter((b) => b.confirmed).length;
    if (s.attended_count !== attended || s.confirmed_count !== confirmed || s.booked_count !== bookings.length) {
      Object.assign(s, { attended_count: attended, confirmed_count: confirmed, booked_count: bookings.length });
      board.updateCounts(id);
    }
  }

  async function load(id, { background = false } = {}) {
    const mine = ++token;
    if (!background) {
      el.list.innerHTML = "";
      el.empty.hidden = true;
      el.loading.hidden = false;
    }
    root.dataset.loading = "true";
    try {
      const bookings = await kit.api(`/api/sessions/${id}/learners/`, { quiet: background });
      if (mine !== token || sessionId !== id) return;
      const expanded = Array.from(el.list.querySelectorAll('.pl-expand[data-expanded="true"]')).map((r) => r.id);
      const fragment = document.createDocumentFragment();
      bookings.forEach((booking) => {
        // A save in flight keeps its row as it is on screen.
        const current = rowOf(booking.id);
        const inFlight = current?.querySelector("[data-attend][data-busy]") ? current : null;
        fragment.appendChild(inFlight || learnerRow(booking, board.sessions.get(id)));
      });
      el.list.replaceChildren(fragment);
      kit.initExpand(el.list);
      reopen(expanded);
      el.empty.hidden = bookings.length > 0;
      syncCounts(id, bookings);
    } catch {
      if (mine !== token || background) return;
      el.empty.hidden = true;
      el.list.innerHTML = `<li class="rounded-xl bg-rose-50 px-4 py-3 text-sm text-rose-700 ring-1 ring-rose-200">Could not load the learners. Close and try again.</li>`;
    } finally {
      if (mine === token) {
        el.loading.hidden = true;
        delete root.dataset.loading;
      }
    }
  }

  root.addEventListener("slide-over:close", () => {
    sessionId = null;
    token += 1;
    delete root.dataset.sessionId;
  });

  board.on("change", (id) => {
    if (id !== sessionId) return;
    fillHeader(board.sessions.get(id));
    syncAttendance();
  });

  el.list.addEventListener("change", async (event) => {
    const box = event.target.closest("[data-attend]");
    if (!box) return;
    const id = sessionId;
    const bookingId = box.dataset.attend;
    const want = box.checked;
    if (box.dataset.busy) {
      box.checked = !want;
      return;
    }
    box.dataset.busy = "true";
    box.disabled = true;
    const row = box.closest("[data-booking-id]");
    const name = row.querySelector(`[data-testid="learner-name-${bookingId}"]`)?.textContent || "Learner";
    try {
      const booking = await kit.api(`/api/bookings/${bookingId}/attend/`, { method: "POST", body: { attended: want } });
      box.checked = Boolean(booking.attended);
      // The commit's push may have redrawn the list while the request was out: flash the row
      // on screen, not the one that was clicked.
      kit.animate(rowOf(bookingId) || row, "pl-flash-green");
      const s = board.sessions.get(id);
      if (s && sessionId === id) {
        s.attended_count = el.list.querySelectorAll("[data-attend]:checked").length;
        board.updateCounts(id);
      }
      const what = booking.attended ? "marked attended" : "marked not attended";
      kit.toast(`${name} ${what}${s ? ` · ${s.title}` : ""}`, { kind: "success", key: `attend-${bookingId}` });
    } catch {
      box.checked = !want; // api() showed the error toast
    } finally {
      delete box.dataset.busy;
      box.disabled = false;
    }
  });

  return {
    open(id) {
      const s = board.sessions.get(id);
      if (!s) return;
      sessionId = id;
      fillHeader(s);
      kit.openSlideOver(root);
      load(id);
    },
    /** Reload the rows in the background when `id` is the session on show. */
    refresh(id) {
      if (sessionId === id) load(id, { background: true });
    },
    /** A learner confirmed or declined: redraw that row's pill. */
    setConfirmation(id, bookingId, answer) {
      const current = sessionId === id && rowOf(bookingId)?.querySelector("[data-confirmation]");
      if (current) current.outerHTML = confirmation({ id: bookingId, ...answer });
    },
    /** A payment settled (paid, refunded…): redraw that row's payment pill; paid flashes green. */
    setPayment(id, bookingId, status) {
      const current = sessionId === id && rowOf(bookingId)?.querySelector(`[data-testid="payment-status-${bookingId}"]`);
      if (!current || current.dataset.status === status) return;
      current.outerHTML = paymentHtml(bookingId, status);
      if (status === "paid") kit.animate(rowOf(bookingId), "pl-flash-green");
    },
    /** Attendance changed elsewhere (another tab): tick or untick the row's box. */
    setAttended(id, bookingId, attended) {
      const box = sessionId === id && rowOf(bookingId)?.querySelector("[data-attend]");
      if (box && !box.dataset.busy) box.checked = attended;
    },
  };
}
