// Mentor dashboard → My Sessions.
//
// The server owns the state: lists come from GET /api/sessions/?scope=scheduled|past, every action
// answers with the session (or booking) as it now is, and one kit socket per open session
// (/ws/sessions/{id}/) only pushes changes. UI behaviour (tabs, steps, modals, slide-over, expand,
// flip, toasts, animations) is the UI kit's, reached through window.PeerLearn (kitReady()).
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import {
  formatDateTime as formatWhen,
  formatDuration,
  formatPrice,
  initials,
  localInputToIso,
  localTimeZone,
  toLocalInput,
} from "../../peerlearn_core/js/format.js";
import { endBusy, startBusy } from "../../peerlearn_core/js/kit/busy.js";
import { showServerErrors } from "../../peerlearn_core/js/kit/errors.js";
import { sessionPriceValidator, sessionStartValidator } from "./session-form.js";

const kit = await kitReady();
const root = document.querySelector("[data-mentor-sessions]");
if (root) init();

function init() {
  const OPEN = new Set(["scheduled", "live"]);
  const READY_LABEL = "I'm Ready";
  const CANCEL_READY_LABEL = "Cancel Ready";

  // Overlays live in <body>: a hidden tab panel (or any ancestor) must never hide or clip them.
  root.querySelectorAll(".pl-modal, .pl-slide-over").forEach((el) => document.body.appendChild(el));

  const $ = (selector, scope = document) => scope.querySelector(selector);
  const byTestId = (id, scope = document) => scope.querySelector(`[data-testid="${CSS.escape(id)}"]`);

  const lists = {
    scheduled: $('[data-sessions-list="scheduled"]', root),
    past: $('[data-sessions-list="past"]', root),
  };
  const state = { scheduled: [], past: [], loaded: { scheduled: false, past: false } };
  const sessions = new Map(); // id -> latest session object
  const sockets = new Map(); // id -> kit socket for open sessions on screen
  const tabs = kit.initTabs($("#mentor-sessions-tabs", root));

  // ------------------------------------------------------------------ formatting helpers

  function formatDate(iso) {
    const date = new Date(iso);
    const options = { day: "numeric", month: "short" };
    if (date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
    return date.toLocaleDateString(undefined, options);
  }

  const STATUS_PILL = {
    scheduled: ["Scheduled", "bg-indigo-50 text-indigo-700 ring-indigo-200"],
    live: ["Live", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
    completed: ["Completed", "bg-slate-100 text-slate-700 ring-slate-200"],
    cancelled: ["Cancelled", "bg-rose-50 text-rose-700 ring-rose-200"],
  };

  const PAYMENT_PILL = {
    free: ["Free", "bg-slate-100 text-slate-700 ring-slate-200"],
    pending: ["Pending", "bg-amber-50 text-amber-800 ring-amber-200"],
    paid: ["Paid", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
    refund_pending: ["Refund pending", "bg-violet-50 text-violet-700 ring-violet-200"],
    refunded: ["Refunded", "bg-violet-50 text-violet-700 ring-violet-200"],
    failed: ["Failed", "bg-rose-50 text-rose-700 ring-rose-200"],
  };

  // ------------------------------------------------------------------ validators (kit steps)

  kit.registerValidator("pl-mentor-future", sessionStartValidator);
  kit.registerValidator("pl-mentor-price", sessionPriceValidator);

  // ------------------------------------------------------------------ cards

  function statusPill(session) {
    const [label, classes] = STATUS_PILL[session.status] || [session.status, "bg-slate-100 text-slate-700 ring-slate-200"];
    const dot = session.status === "live" ? '<span class="h-1.5 w-1.5 animate-pulse rounded-full bg-emerald-500" aria-hidden="true"></span>' : "";
    return `<span class="inline-flex shrink-0 items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${classes}" data-testid="session-status-${session.id}" data-status="${escapeHtml(session.status)}">${dot}${escapeHtml(label)}</span>`;
  }

  function bookedPercent(session) {
    const max = Number(session.max_participants) || 0;
    return max ? Math.min(100, Math.round((Number(session.booked_count) / max) * 100)) : 0;
  }

  const signature = (session) => JSON.stringify(session);

  const BTN_SECONDARY =
    "inline-flex items-center justify-center gap-1.5 rounded-lg bg-white px-3 py-2 text-sm font-semibold text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 transition hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70";
  const BTN_QUIET =
    "inline-flex items-center justify-center gap-1.5 rounded-lg px-2.5 py-1.5 text-sm font-medium transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-60";

  function cardHtml(s) {
    const open = OPEN.has(s.status);
    const ready = Boolean(s.mentor_ready);
    const showJoin = roomWindowOpen(s);
    const description = s.description
      ? `<p class="mt-3 line-clamp-2 break-words text-sm text-slate-600">${escapeHtml(s.description)}</p>`
      : "";
    const cancelReason =
      s.status === "cancelled" && s.cancel_reason
        ? `<p class="mt-3 break-words rounded-lg bg-rose-50 px-3 py-2 text-xs text-rose-700 ring-1 ring-rose-100" data-testid="cancel-reason-${s.id}">Reason: ${escapeHtml(s.cancel_reason)}</p>`
        : "";
    const counts = `
      <div class="mt-4 flex flex-wrap items-center gap-2 text-xs font-medium">
        <span class="rounded-full bg-slate-100 px-2.5 py-1 text-slate-700" data-testid="booked-${s.id}" data-booked>Booked ${Number(s.booked_count)}/${Number(s.max_participants)}</span>
        <span class="inline-block rounded-full bg-sky-50 px-2.5 py-1 text-sky-700 ring-1 ring-inset ring-sky-200" data-testid="confirmed-badge-${s.id}" data-confirmed-badge><span data-count>${Number(s.confirmed_count)}</span> confirmed</span>
        <span class="rounded-full bg-emerald-50 px-2.5 py-1 text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="attended-${s.id}" data-attended>${Number(s.attended_count)} attended</span>
        <span class="rounded-full bg-amber-50 px-2.5 py-1 text-amber-800 ring-1 ring-inset ring-amber-200" data-testid="reconfirmed-${s.id}" data-reconfirmed ${reconfirmShown(s) ? "" : "hidden"}>${reconfirmText(s)}</span>
        <span class="rounded-full bg-slate-50 px-2.5 py-1 text-slate-600 ring-1 ring-inset ring-slate-200" data-testid="waitlist-count-${s.id}" data-waitlist ${Number(s.waitlist_count) ? "" : "hidden"}>${Number(s.waitlist_count) || 0} waiting</span>
      </div>
      <div class="mt-3 h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
        <div class="h-full rounded-full bg-indigo-500 transition-[width] duration-500" data-booked-bar style="width:${bookedPercent(s)}%"></div>
      </div>`;

    let actions = "";
    if (open) {
      actions = `
      <div class="mt-auto pt-4">
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions>
          <button type="button" data-action="ready" data-id="${s.id}" data-testid="ready-${s.id}" data-ready="${ready}" data-flipped="${ready}"
                  class="inline-flex min-w-32 flex-1 items-center justify-center rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm transition-colors hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70 data-[flipped=true]:bg-rose-600 data-[flipped=true]:hover:bg-rose-700 sm:flex-none"><span data-flip-label>${ready ? CANCEL_READY_LABEL : READY_LABEL}</span></button>
          <button type="button" data-action="learners" data-id="${s.id}" data-testid="view-learners-${s.id}" class="${BTN_SECONDARY} flex-1 sm:flex-none">View Learners</button>
          <a href="${escapeHtml(s.room_url)}" data-testid="join-room-${s.id}" data-join-room ${showJoin ? "" : "hidden"}
             class="inline-flex flex-1 items-center justify-center gap-1.5 rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-emerald-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 sm:flex-none">Join room <span aria-hidden="true">→</span></a>
        </div>
        <div class="mt-2 flex flex-wrap items-center gap-1">
          ${s.status === "scheduled" ? `<button type="button" data-action="edit" data-id="${s.id}" data-testid="edit-session-${s.id}" class="${BTN_QUIET} text-slate-600 hover:bg-slate-100 hover:text-slate-900">Edit</button>` : ""}
          <button type="button" data-action="complete" data-id="${s.id}" data-testid="end-session-${s.id}" data-end-session ${canEnd(s) ? "" : "hidden"} class="${BTN_QUIET} text-slate-600 hover:bg-slate-100 hover:text-slate-900">End session</button>
          <button type="button" data-action="cancel" data-id="${s.id}" data-testid="cancel-session-${s.id}" class="${BTN_QUIET} ml-auto text-rose-600 hover:bg-rose-50 hover:text-rose-700">Cancel</button>
        </div>
      </div>`;
    } else if (s.status === "completed") {
      actions = `
      <div class="mt-auto pt-4">
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions>
          <button type="button" data-action="learners" data-id="${s.id}" data-testid="view-learners-${s.id}" class="${BTN_SECONDARY}">View Learners</button>
        </div>
      </div>`;
    } else {
      // No actions of our own: the row shows only when another app adds one (buildCard).
      actions = `
      <div class="mt-auto pt-4" data-card-actions-row hidden>
        <div class="flex flex-wrap gap-2 border-t border-slate-100 pt-4" data-card-actions></div>
      </div>`;
    }

    return `
      <div class="flex items-start justify-between gap-3">
        <h3 class="min-w-0 break-words font-semibold text-slate-900" data-testid="session-title-${s.id}">${escapeHtml(s.title)}</h3>
        ${statusPill(s)}
      </div>
      <dl class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-500">
        <div class="flex items-center gap-1.5"><dt class="sr-only">When</dt>
          <svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M5.75 2a.75.75 0 01.75.75V4h7V2.75a.75.75 0 011.5 0V4h.25A2.75 2.75 0 0118 6.75v8.5A2.75 2.75 0 0115.25 18H4.75A2.75 2.75 0 012 15.25v-8.5A2.75 2.75 0 014.75 4H5V2.75A.75.75 0 015.75 2zm-1 5.5c-.69 0-1.25.56-1.25 1.25v6.5c0 .69.56 1.25 1.25 1.25h10.5c.69 0 1.25-.56 1.25-1.25v-6.5c0-.69-.56-1.25-1.25-1.25H4.75z" clip-rule="evenodd"/></svg>
          <dd data-testid="session-when-${s.id}"><time datetime="${escapeHtml(s.starts_at)}">${escapeHtml(formatWhen(s.starts_at))}</time></dd></div>
        <div class="flex items-center gap-1.5"><dt class="sr-only">Duration</dt>
          <svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10 18a8 8 0 100-16 8 8 0 000 16zm.75-13a.75.75 0 00-1.5 0v5c0 .414.336.75.75.75h4a.75.75 0 000-1.5h-3.25V5z" clip-rule="evenodd"/></svg>
          <dd data-testid="session-duration-${s.id}">${escapeHtml(formatDuration(s.duration_minutes))}</dd></div>
        <div class="flex items-center gap-1.5"><dt class="sr-only">Price</dt>
          <dd class="font-medium text-slate-700" data-testid="session-price-${s.id}">${escapeHtml(formatPrice(s.price))}</dd></div>
      </dl>
      ${description}
      ${counts}
      ${cancelReason}
      ${actions}`;
  }

  function buildCard(s) {
    const card = document.createElement("article");
    card.className =
      "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-shadow hover:shadow-md";
    card.dataset.testid = `session-card-${s.id}`;
    card.dataset.sessionCard = String(s.id);
    card.dataset.status = s.status;
    card.dataset.sig = signature(s);
    if (sockets.has(s.id)) card.dataset.socket = socketState(s.id);
    card.innerHTML = cardHtml(s);
    // Extension point: apps above bookings add their own buttons to a card's actions row
    // (detail.actions) when it is drawn; bookings never knows which apps do.
    const actions = card.querySelector("[data-card-actions]");
    document.dispatchEvent(new CustomEvent("peerlearn:session-card", { detail: { session: s, card, actions } }));
    const row = card.querySelector("[data-card-actions-row]");
    if (row) row.hidden = actions.children.length === 0;
    return card;
  }

  const cardEl = (id) => root.querySelector(`[data-session-card="${id}"]`);

  function socketState(id) {
    const socket = sockets.get(id);
    return socket && socket.readyState === WebSocket.OPEN ? "open" : "connecting";
  }

  function sortScope(scope) {
    const byStart = (a, b) => new Date(a.starts_at) - new Date(b.starts_at) || a.id - b.id;
    state[scope].sort(scope === "past" ? (a, b) => byStart(b, a) : byStart);
  }

  /** Reconcile one list's DOM with state[scope]: reuse unchanged cards, replace changed ones. */
  function renderScope(scope) {
    const container = lists[scope];
    const items = state[scope];
    const existing = new Map(
      Array.from(container.querySelectorAll(":scope > [data-session-card]")).map((el) => [Number(el.dataset.sessionCard), el])
    );
    const added = [];
    items.forEach((s, index) => {
      let card = existing.get(s.id);
      existing.delete(s.id);
      if (!card || card.dataset.sig !== signature(s)) {
        const fresh = buildCard(s);
        if (card) card.replaceWith(fresh);
        else added.push(fresh);
        card = fresh;
      }
      if (container.children[index] !== card) container.insertBefore(card, container.children[index] || null);
    });
    existing.forEach((card) => card.remove());
    $(`[data-sessions-loading="${scope}"]`, root).hidden = state.loaded[scope];
    $(`[data-sessions-empty="${scope}"]`, root).hidden = !state.loaded[scope] || items.length > 0;
    const count = $(`[data-sessions-count="${scope}"]`, root);
    count.textContent = String(items.length);
    count.hidden = !state.loaded[scope] || items.length === 0;
    if (scope === "scheduled") {
      syncSockets();
      refreshJoinButtons();
    }
    return added;
  }

  function setScope(scope, items) {
    items.forEach((s) => sessions.set(s.id, s));
    state[scope] = items;
    state.loaded[scope] = true;
    sortScope(scope);
    return renderScope(scope);
  }

  async function loadScope(scope, { quiet = false } = {}) {
    try {
      const items = await kit.api(`/api/sessions/?scope=${scope}`, { quiet });
      setScope(scope, items);
    } catch (error) {
      if (!state.loaded[scope]) {
        $(`[data-sessions-loading="${scope}"]`, root).hidden = true;
        const empty = $(`[data-sessions-empty="${scope}"]`, root);
        empty.hidden = false;
      }
    }
  }

  const reloadAll = ({ quiet = false } = {}) => Promise.all([loadScope("scheduled", { quiet }), loadScope("past", { quiet })]);

  /** Put one session (from an action's answer or a push) where it belongs and redraw. */
  function applySession(s) {
    const previous = sessions.get(s.id);
    sessions.set(s.id, s);
    const scope = OPEN.has(s.status) ? "scheduled" : "past";
    const other = scope === "scheduled" ? "past" : "scheduled";
    const had = state[scope].some((x) => x.id === s.id);
    state[scope] = state[scope].filter((x) => x.id !== s.id).concat(s);
    state[other] = state[other].filter((x) => x.id !== s.id);
    sortScope(scope);
    renderScope(other);
    const added = renderScope(scope);
    // The mentor's own state changes keep their animation: flip the rebuilt button in from the old label.
    if (previous && had && Boolean(previous.mentor_ready) !== Boolean(s.mentor_ready)) {
      const button = cardEl(s.id)?.querySelector('[data-action="ready"]');
      if (button) {
        button.dataset.flipped = String(Boolean(previous.mentor_ready));
        button.querySelector("[data-flip-label]").textContent = previous.mentor_ready ? CANCEL_READY_LABEL : READY_LABEL;
        kit.flip(button, s.mentor_ready ? CANCEL_READY_LABEL : READY_LABEL);
      }
    }
    if (slideOver.sessionId === s.id) fillSlideOverHeader(s);
    return added;
  }

  // ------------------------------------------------------------------ "Join room" window

  // "Join room" shows exactly while the room is open: from room_opens_at until ends_at, while
  // the session is scheduled or live. Re-checked every 30 s, and at the next opening or closing
  // moment of a session on screen, so it appears on time without a reload.
  const JOIN_CHECK_MS = 30000;
  let joinTimer = null;

  function roomWindowOpen(s, now = Date.now()) {
    if (!OPEN.has(s.status) || !s.room_opens_at || !s.ends_at) return false;
    return Date.parse(s.room_opens_at) <= now && now < Date.parse(s.ends_at);
  }

  // The server's lifecycle rules, so a button shows only when it would succeed: a session ends
  // once it went live or its end time passed; attendance opens once it is live.
  function canEnd(s, now = Date.now()) {
    return s.status === "live" || (s.status === "scheduled" && Boolean(s.ends_at) && Date.parse(s.ends_at) <= now);
  }
  const attendanceOpen = (s) => Boolean(s) && (s.status === "live" || s.status === "completed");

  function refreshJoinButtons() {
    clearTimeout(joinTimer);
    const now = Date.now();
    let next = JOIN_CHECK_MS;
    state.scheduled.forEach((s) => {
      const join = cardEl(s.id)?.querySelector("[data-join-room]");
      if (join) join.hidden = !roomWindowOpen(s, now);
      const end = cardEl(s.id)?.querySelector("[data-end-session]");
      if (end) end.hidden = !canEnd(s, now);
      [s.room_opens_at, s.ends_at].forEach((iso) => {
        const at = Date.parse(iso);
        if (at > now) next = Math.min(next, at - now + 50);
      });
    });
    joinTimer = setTimeout(refreshJoinButtons, next);
  }

  // ------------------------------------------------------------------ live counts

  // After a reschedule: how many booked learners kept their seat at the new time ("2/3").
  function reconfirmShown(s) {
    return Boolean(s.rescheduled_at) && s.status === "scheduled" && Number(s.booked_count) > 0;
  }

  function reconfirmText(s) {
    const booked = Number(s.booked_count) || 0;
    const done = Math.max(0, Math.min(booked, booked - (Number(s.reconfirm_pending_count) || 0)));
    return `${done}/${booked} re-confirmed`;
  }

  function updateCounts(id, { pulseConfirmed = false } = {}) {
    const s = sessions.get(id);
    const card = cardEl(id);
    if (s && card) {
      const booked = card.querySelector("[data-booked]");
      booked.textContent = `Booked ${Number(s.booked_count)}/${Number(s.max_participants)}`;
      const badge = card.querySelector("[data-confirmed-badge]");
      badge.querySelector("[data-count]").textContent = String(Number(s.confirmed_count));
      card.querySelector("[data-attended]").textContent = `${Number(s.attended_count)} attended`;
      const reconfirmed = card.querySelector("[data-reconfirmed]");
      if (reconfirmed) {
        reconfirmed.hidden = !reconfirmShown(s);
        reconfirmed.textContent = reconfirmText(s);
      }
      const waitlist = card.querySelector("[data-waitlist]");
      if (waitlist) {
        waitlist.hidden = !Number(s.waitlist_count);
        waitlist.textContent = `${Number(s.waitlist_count) || 0} waiting`;
      }
      const bar = card.querySelector("[data-booked-bar]");
      if (bar) bar.style.width = `${bookedPercent(s)}%`;
      card.dataset.sig = signature(s);
      if (pulseConfirmed) kit.animate(badge, "pl-pulse");
    }
    if (s && slideOver.sessionId === id) fillSlideOverHeader(s);
  }

  /** Show the ready state: flips the button (kit flipY) only when the state really changes. */
  function setReady(id, ready) {
    const s = sessions.get(id);
    if (!s) return;
    s.mentor_ready = Boolean(ready);
    const card = cardEl(id);
    if (!card) return;
    card.dataset.sig = signature(s);
    const button = card.querySelector('[data-action="ready"]');
    if (!button || button.dataset.ready === String(s.mentor_ready)) return;
    button.dataset.ready = String(s.mentor_ready);
    kit.flip(button, s.mentor_ready ? CANCEL_READY_LABEL : READY_LABEL);
  }

  function onSessionMessage(id, message) {
    const s = sessions.get(id);
    if (!s || !message || typeof message !== "object") return;
    switch (message.type) {
      case "booking.created":
        if (Number.isFinite(message.booked_count)) s.booked_count = message.booked_count;
        updateCounts(id);
        if (slideOver.sessionId === id) loadLearners(id, { background: true });
        break;
      case "booking.cancelled":
        if (Number.isFinite(message.booked_count)) s.booked_count = message.booked_count;
        if (Number.isFinite(message.confirmed_count)) s.confirmed_count = message.confirmed_count;
        updateCounts(id);
        if (slideOver.sessionId === id) loadLearners(id, { background: true });
        break;
      case "session.rescheduled":
      case "booking.reconfirmed":
        if (Number.isFinite(message.booked_count)) s.booked_count = message.booked_count;
        if (Number.isFinite(message.reconfirm_pending_count)) s.reconfirm_pending_count = message.reconfirm_pending_count;
        if (message.type === "session.rescheduled") s.rescheduled_at = s.rescheduled_at || new Date().toISOString();
        updateCounts(id);
        if (message.type === "booking.reconfirmed") {
          kit.toast(message.accepted ? "A learner kept their seat at the new time" : "A learner declined the new time", {
            kind: message.accepted ? "success" : "info",
          });
          if (slideOver.sessionId === id) loadLearners(id, { background: true });
        }
        break;
      case "waitlist.changed":
        if (Number.isFinite(message.waitlist_count)) s.waitlist_count = message.waitlist_count;
        updateCounts(id);
        break;
      case "booking.confirmed":
        if (Number.isFinite(message.confirmed_count)) s.confirmed_count = message.confirmed_count;
        updateCounts(id, { pulseConfirmed: true });
        setRowConfirmation(id, message.booking_id, { confirmed: true, declined: false });
        kit.toast("A learner confirmed", { kind: "success" });
        break;
      case "booking.declined":
        if (Number.isFinite(message.confirmed_count)) s.confirmed_count = message.confirmed_count;
        updateCounts(id);
        setRowConfirmation(id, message.booking_id, { confirmed: false, declined: true });
        kit.toast("A learner declined", { kind: "info" });
        break;
      case "booking.attended":
        if (Number.isFinite(message.attended_count)) s.attended_count = message.attended_count;
        updateCounts(id);
        setRowAttended(id, message.booking_id, Boolean(message.attended));
        break;
      case "mentor.ready":
        setReady(id, true);
        break;
      case "mentor.cancel_ready":
        setReady(id, false);
        break;
      case "session.updated":
        if (message.session && message.session.id === id) {
          applySession(message.session);
          syncAttendance(id);
        }
        break;
      default:
        break;
    }
  }

  // One debounced list refresh after sockets (re)connect: catches anything pushed while we were away.
  let resyncTimer = null;
  function scheduleResync() {
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(() => loadScope("scheduled", { quiet: true }), 400);
  }

  function syncSockets() {
    const wanted = new Set(state.scheduled.filter((s) => OPEN.has(s.status)).map((s) => s.id));
    sockets.forEach((socket, id) => {
      if (!wanted.has(id)) {
        socket.close();
        sockets.delete(id);
      }
    });
    wanted.forEach((id) => {
      if (sockets.has(id)) return;
      const socket = kit.openSocket(`/ws/sessions/${id}/`, {
        onOpen: () => {
          const card = cardEl(id);
          if (card) card.dataset.socket = "open";
          // Anything pushed before this socket joined (or while it was away) is caught by one refetch.
          scheduleResync();
        },
        onClose: () => {
          const card = cardEl(id);
          if (card) card.dataset.socket = "closed";
        },
        onMessage: (message) => onSessionMessage(id, message),
      });
      sockets.set(id, socket);
      const card = cardEl(id);
      if (card) card.dataset.socket = "connecting";
    });
  }

  window.addEventListener("pagehide", () => sockets.forEach((socket) => socket.close()));

  // ------------------------------------------------------------------ card actions

  async function toggleReady(id, button) {
    const want = button.dataset.ready !== "true";
    if (!startBusy(button)) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/${want ? "ready" : "cancel_ready"}/`, { method: "POST" });
      const s = sessions.get(id);
      if (s) Object.assign(s, updated);
      setReady(id, updated.mentor_ready);
      updateCounts(id);
      kit.toast(
        updated.mentor_ready ? "You're ready — learners were asked to confirm" : "Ready cancelled — learners were notified",
        { kind: "success" }
      );
    } catch {
      /* api() showed the error toast */
    } finally {
      endBusy(button);
    }
  }

  async function completeSession(id, button) {
    if (!startBusy(button, "Ending…")) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/complete/`, { method: "POST" });
      applySession(updated);
      kit.toast("Session ended — it moved to Past", { kind: "success" });
    } catch {
      endBusy(button);
    }
  }

  root.addEventListener("click", (event) => {
    const create = event.target.closest("[data-create-session]");
    if (create) {
      openCreate();
      return;
    }
    const button = event.target.closest("[data-action]");
    if (!button || !root.contains(button)) return;
    const id = Number(button.dataset.id);
    switch (button.dataset.action) {
      case "ready":
        toggleReady(id, button);
        break;
      case "learners":
        openLearners(id);
        break;
      case "edit":
        openEdit(id);
        break;
      case "complete":
        completeSession(id, button);
        break;
      case "cancel":
        openCancel(id);
        break;
      default:
        break;
    }
  });

  // ------------------------------------------------------------------ create session (modal + steps)
  //
  // The button opens the form in a modal. Other apps open it with
  //   document.dispatchEvent(new CustomEvent("peerlearn:create-session",
  //     {detail: {prefill: {title, description, duration_minutes, max_participants, price}, presentation: "slide-over", note}}))
  // prefill takes a session's own (API) field names; presentation "slide-over" moves the same form
  // into a slide-over; note replaces the panel's description line.

  const createModal = document.getElementById("create-session-modal");
  const createSlideOver = document.getElementById("create-session-slide-over");
  const createHosts = {
    modal: createModal.querySelector("[data-modal-body]"),
    "slide-over": createSlideOver.querySelector("[data-slide-over-body]"),
  };
  const createNote = createSlideOver.querySelector("#create-session-slide-over-description");
  const defaultCreateNote = createNote.textContent;
  const createForm = createModal.querySelector("[data-create-session-form]");
  const createSteps = kit.initSteps(createForm);
  const createFields = {
    title: createForm.querySelector("#cs-title"),
    description: createForm.querySelector("#cs-description"),
    starts_at: createForm.querySelector("#cs-starts-at"),
    duration_minutes: createForm.querySelector("#cs-duration"),
    max_participants: createForm.querySelector("#cs-max"),
    price: createForm.querySelector("#cs-price"),
  };
  const createSubmit = createForm.querySelector('[type="submit"]');
  const tzName = localTimeZone();
  createModal.querySelectorAll("[data-local-tz]").forEach((el) => {
    el.textContent = tzName ? ` (${tzName})` : "";
  });

  /** Put a session's values (API field names) into the create form; starts_at only when given. */
  function fillCreate(prefill) {
    Object.entries(createFields).forEach(([key, input]) => {
      const value = prefill[key];
      if (value === undefined || value === null) return;
      if (key === "starts_at") input.value = toLocalInput(value);
      else if (key === "price") input.value = String(Number(value));
      else input.value = String(value);
    });
  }

  function openCreate({ prefill = null, presentation = "modal", note = "" } = {}) {
    // A request in flight keeps its form (and where it is shown) as it is.
    if (createSubmit.dataset.busy !== "true") {
      createSteps.reset();
      if (prefill) fillCreate(prefill);
      const host = createHosts[presentation] || createHosts.modal;
      if (createForm.parentElement !== host) host.appendChild(createForm);
      createNote.textContent = note || defaultCreateNote;
    }
    if (createForm.parentElement === createHosts["slide-over"]) kit.openSlideOver(createSlideOver);
    else kit.openModal(createModal);
  }

  document.addEventListener("peerlearn:create-session", (event) => {
    // Asked from another tab: show My Sessions under the form, where the new session will appear.
    const panel = root.closest("[data-tab-panel]");
    if (panel?.hidden) root.closest("[data-tabs]")?.plTabs?.select(panel.dataset.tabPanel);
    openCreate(event.detail || {});
  });

  createForm.addEventListener("steps:change", (event) => {
    if (event.detail.index !== createSteps.panes.length - 1) return;
    const summary = createForm.querySelector("[data-cs-summary]");
    const when = createFields.starts_at.value ? formatWhen(new Date(createFields.starts_at.value).toISOString()) : "";
    summary.textContent = `“${createFields.title.value.trim()}” · ${when} · ${formatDuration(createFields.duration_minutes.value)}`;
  });

  createForm.addEventListener("steps:submit", async (event) => {
    const values = event.detail.values;
    if (!startBusy(createSubmit, "Creating…")) return;
    const body = {
      title: String(values.title || "").trim(),
      description: String(values.description || "").trim(),
      starts_at: localInputToIso(values.starts_at),
      duration_minutes: Number(values.duration_minutes),
      max_participants: Number(values.max_participants),
      price: Number(values.price || 0).toFixed(2),
    };
    try {
      const created = await kit.api("/api/sessions/", { method: "POST", body, quiet: true });
      kit.toast("Session created", { kind: "success" });
      kit.closeModal(createModal);
      kit.closeSlideOver(createSlideOver);
      tabs?.select("scheduled");
      const added = applySession(created);
      added.forEach((card) => kit.animate(card, "pl-slide-down"));
      cardEl(created.id)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } catch (error) {
      await showServerErrors(error, createFields, { steps: createSteps });
    } finally {
      endBusy(createSubmit);
    }
  });

  // ------------------------------------------------------------------ edit (reschedule)

  const editModal = document.getElementById("edit-session-modal");
  const editForm = editModal.querySelector("[data-edit-session-form]");
  const editFields = {
    title: editForm.querySelector("#es-title"),
    description: editForm.querySelector("#es-description"),
    starts_at: editForm.querySelector("#es-starts-at"),
    duration_minutes: editForm.querySelector("#es-duration"),
    max_participants: editForm.querySelector("#es-max"),
    price: editForm.querySelector("#es-price"),
  };
  const editSubmit = editForm.querySelector('[type="submit"]');
  let editingId = null;

  function openEdit(id) {
    const s = sessions.get(id);
    if (!s) return;
    editingId = id;
    const initial = {
      title: s.title,
      description: s.description || "",
      starts_at: toLocalInput(s.starts_at),
      duration_minutes: String(s.duration_minutes),
      max_participants: String(s.max_participants),
      price: String(Number(s.price)),
    };
    Object.entries(editFields).forEach(([key, input]) => {
      kit.clearFieldError(input);
      input.value = initial[key];
      input.dataset.initial = initial[key];
    });
    const minSeats = Math.max(1, Number(s.booked_count) || 0);
    editFields.max_participants.min = String(minSeats);
    editFields.max_participants.dataset.errorMessage = `Seats must be between ${minSeats} and 500 (${s.booked_count} booked).`;
    const locked = Number(s.booked_count) > 0;
    editFields.price.disabled = locked;
    editForm.querySelector("[data-price-locked]").classList.toggle("hidden", !locked);
    editModal.querySelector(`#edit-session-modal-description`).textContent = locked
      ? "Booked learners are notified of the changes."
      : "Nobody has booked yet.";
    kit.openModal(editModal);
  }

  editForm.addEventListener("input", (event) => {
    if (event.target.getAttribute?.("aria-invalid") === "true") kit.clearFieldError(event.target);
  });

  editForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = editingId;
    const s = sessions.get(id);
    if (!s || editSubmit.dataset.busy === "true") return;
    if (!kit.validatePane(editForm)) return;
    const changes = {};
    Object.entries(editFields).forEach(([key, input]) => {
      if (input.disabled) return;
      const value = key === "title" || key === "description" ? input.value.trim() : input.value;
      if (value === input.dataset.initial) return;
      if (key === "starts_at") changes[key] = localInputToIso(value);
      else if (key === "price") {
        if (Number(value) !== Number(input.dataset.initial)) changes[key] = Number(value).toFixed(2);
      } else if (key === "duration_minutes" || key === "max_participants") changes[key] = Number(value);
      else changes[key] = value;
    });
    if (!Object.keys(changes).length) {
      kit.toast("Nothing changed", { kind: "info" });
      kit.closeModal(editModal);
      return;
    }
    if (!startBusy(editSubmit, "Saving…")) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/`, { method: "PATCH", body: changes, quiet: true });
      applySession(updated);
      kit.toast("Session updated — booked learners were notified", { kind: "success" });
      kit.closeModal(editModal);
    } catch (error) {
      await showServerErrors(error, editFields);
    } finally {
      endBusy(editSubmit);
    }
  });

  // ------------------------------------------------------------------ cancel

  const cancelModal = document.getElementById("cancel-session-modal");
  const cancelForm = cancelModal.querySelector("[data-cancel-session-form]");
  const cancelReason = cancelForm.querySelector("#cancel-session-reason");
  const cancelSubmit = cancelForm.querySelector('[type="submit"]');
  let cancellingId = null;

  function openCancel(id) {
    const s = sessions.get(id);
    if (!s) return;
    cancellingId = id;
    cancelReason.value = "";
    kit.clearFieldError(cancelReason);
    cancelForm.querySelector("[data-cancel-session-title]").textContent = `“${s.title}” · ${formatWhen(s.starts_at)} · ${s.booked_count} booked`;
    kit.openModal(cancelModal);
  }

  cancelForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = cancellingId;
    if (!id || !startBusy(cancelSubmit, "Cancelling…")) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/cancel/`, {
        method: "POST",
        body: { reason: cancelReason.value.trim() },
        quiet: true,
      });
      applySession(updated);
      kit.toast("Session cancelled — booked learners were notified", { kind: "success" });
      kit.closeModal(cancelModal);
    } catch (error) {
      await showServerErrors(error, { reason: cancelReason });
    } finally {
      endBusy(cancelSubmit);
    }
  });

  // ------------------------------------------------------------------ learners slide-over

  const slideRoot = document.getElementById("learners-slide-over");
  const slideOver = {
    sessionId: null,
    token: 0,
    title: slideRoot.querySelector("[data-so-title]"),
    when: slideRoot.querySelector("[data-so-when]"),
    booked: slideRoot.querySelector("[data-so-booked]"),
    confirmed: slideRoot.querySelector("[data-so-confirmed]"),
    attended: slideRoot.querySelector("[data-so-attended]"),
    list: slideRoot.querySelector("[data-so-list]"),
    empty: slideRoot.querySelector("[data-so-empty]"),
    loading: slideRoot.querySelector("[data-so-loading]"),
  };

  function fillSlideOverHeader(s) {
    slideOver.title.textContent = s.title;
    slideOver.when.textContent = `${formatWhen(s.starts_at)} · ${formatDuration(s.duration_minutes)} · ${formatPrice(s.price)}`;
    slideOver.booked.textContent = `Booked ${Number(s.booked_count)}/${Number(s.max_participants)}`;
    slideOver.confirmed.textContent = `Confirmed: ${Number(s.confirmed_count)}`;
    slideOver.attended.textContent = `Attended: ${Number(s.attended_count)}`;
    slideRoot.dataset.sessionId = String(s.id);
  }

  function pill(label, classes, attrs = "") {
    return `<span class="inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${classes}" ${attrs}>${escapeHtml(label)}</span>`;
  }

  function confirmationPill(booking) {
    const attrs = `data-testid="learner-confirmation-${booking.id}" data-confirmation`;
    if (booking.confirmed) return pill("Confirmed", "bg-sky-50 text-sky-700 ring-sky-200", `${attrs} data-state="confirmed"`);
    if (booking.declined) return pill("Declined", "bg-rose-50 text-rose-700 ring-rose-200", `${attrs} data-state="declined"`);
    return pill("Not confirmed", "bg-slate-50 text-slate-500 ring-slate-200", `${attrs} data-state="none"`);
  }

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

  function learnerRow(booking, sessionId) {
    const learner = booking.learner || {};
    const [payLabel, payClasses] = PAYMENT_PILL[booking.payment_status] || [booking.payment_status, "bg-slate-100 text-slate-700 ring-slate-200"];
    const past = (learner.past_sessions || []).filter((p) => p.id !== sessionId);
    const pastHtml = past.length
      ? `<ul class="mt-2 space-y-1.5" data-testid="learner-past-sessions-${booking.id}">${past
          .map(
            (p) => `<li class="flex items-center justify-between gap-3 rounded-lg bg-slate-50 px-3 py-2 text-xs">
              <span class="min-w-0"><span class="block truncate font-medium text-slate-800">${escapeHtml(p.title)}</span><span class="text-slate-500">${escapeHtml(formatDate(p.starts_at))}</span></span>
              ${p.attended ? pill("Attended", "bg-emerald-50 text-emerald-700 ring-emerald-200") : pill("Missed", "bg-slate-100 text-slate-500 ring-slate-200")}
            </li>`
          )
          .join("")}</ul>`
      : `<p class="mt-2 text-xs text-slate-500" data-testid="learner-past-sessions-${booking.id}">No past sessions with you yet.</p>`;
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
          <p class="mt-0.5 text-xs text-slate-400" data-testid="learner-booked-at-${booking.id}">Booked ${escapeHtml(formatWhen(booking.booked_at, { weekday: false }))}</p>
          <div class="mt-2 flex flex-wrap gap-1.5">
            ${pill(payLabel, payClasses, `data-testid="payment-status-${booking.id}" data-status="${escapeHtml(booking.payment_status)}" title="Payment: ${escapeHtml(payLabel)}"`)}
            ${confirmationPill(booking)}
          </div>
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
          ${pastHtml}
        </div>
      </div>
      <p class="border-t border-slate-100 px-3 py-2.5 text-xs text-slate-500" data-attend-later ${attendanceOpen(sessions.get(sessionId)) ? "hidden" : ""}>Attendance opens when the session goes live.</p>
      <label class="flex cursor-pointer items-center gap-2 border-t border-slate-100 px-3 py-2.5 text-sm text-slate-700" data-attend-row ${attendanceOpen(sessions.get(sessionId)) ? "" : "hidden"}>
        <input type="checkbox" data-attend="${booking.id}" data-testid="attend-${booking.id}" ${booking.attended ? "checked" : ""}
               class="h-4 w-4 rounded border-slate-300 accent-emerald-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait">
        Mark Attended
      </label>`;
    return li;
  }

  async function loadLearners(id, { background = false } = {}) {
    const token = ++slideOver.token;
    if (!background) {
      slideOver.list.innerHTML = "";
      slideOver.empty.hidden = true;
      slideOver.loading.hidden = false;
    }
    slideRoot.dataset.loading = "true";
    try {
      const bookings = await kit.api(`/api/sessions/${id}/learners/`, { quiet: background });
      if (token !== slideOver.token || slideOver.sessionId !== id) return;
      const expanded = new Set(
        Array.from(slideOver.list.querySelectorAll('.pl-expand[data-expanded="true"]')).map((el) => el.id)
      );
      const busy = new Set(
        Array.from(slideOver.list.querySelectorAll("[data-attend][data-busy]")).map((el) => el.dataset.attend)
      );
      const fragment = document.createDocumentFragment();
      bookings.forEach((booking) => {
        const row = learnerRow(booking, id);
        // A save in flight keeps its row as it is on screen.
        const inFlight = busy.has(String(booking.id)) && slideOver.list.querySelector(`[data-testid="learner-row-${booking.id}"]`);
        fragment.appendChild(inFlight || row);
      });
      slideOver.list.replaceChildren(fragment);
      kit.initExpand(slideOver.list);
      expanded.forEach((regionId) => {
        const region = document.getElementById(regionId);
        if (!region || region.dataset.expanded === "true") return;
        region.dataset.expanded = "true";
        region.dataset.state = "expanded";
        region.style.height = "auto";
        slideOver.list.querySelectorAll(`[data-expand-toggle="${CSS.escape(regionId)}"]`).forEach((b) => b.setAttribute("aria-expanded", "true"));
      });
      slideOver.empty.hidden = bookings.length > 0;
      const s = sessions.get(id);
      if (s) {
        const attended = bookings.filter((b) => b.attended).length;
        const confirmed = bookings.filter((b) => b.confirmed).length;
        if (s.attended_count !== attended || s.confirmed_count !== confirmed || s.booked_count !== bookings.length) {
          s.attended_count = attended;
          s.confirmed_count = confirmed;
          s.booked_count = bookings.length;
          updateCounts(id);
        }
      }
    } catch {
      if (token !== slideOver.token) return;
      if (!background) {
        slideOver.empty.hidden = true;
        slideOver.list.innerHTML = `<li class="rounded-xl bg-rose-50 px-4 py-3 text-sm text-rose-700 ring-1 ring-rose-200">Could not load the learners. Close and try again.</li>`;
      }
    } finally {
      if (token === slideOver.token) {
        slideOver.loading.hidden = true;
        delete slideRoot.dataset.loading;
      }
    }
  }

  function openLearners(id) {
    const s = sessions.get(id);
    if (!s) return;
    slideOver.sessionId = id;
    fillSlideOverHeader(s);
    kit.openSlideOver(slideRoot);
    loadLearners(id);
  }

  slideRoot.addEventListener("slide-over:close", () => {
    slideOver.sessionId = null;
    slideOver.token += 1;
    delete slideRoot.dataset.sessionId;
  });

  const rowOf = (bookingId) => slideOver.list.querySelector(`[data-testid="learner-row-${bookingId}"]`);

  function setRowConfirmation(sessionId, bookingId, booking) {
    if (slideOver.sessionId !== sessionId) return;
    const row = rowOf(bookingId);
    const current = row?.querySelector("[data-confirmation]");
    if (current) current.outerHTML = confirmationPill({ id: bookingId, ...booking });
  }

  /** Show or hide the Mark Attended rows of the open slide-over as its session goes live. */
  function syncAttendance(sessionId) {
    if (slideOver.sessionId !== sessionId) return;
    const open = attendanceOpen(sessions.get(sessionId));
    slideOver.list.querySelectorAll("[data-attend-row]").forEach((row) => (row.hidden = !open));
    slideOver.list.querySelectorAll("[data-attend-later]").forEach((hint) => (hint.hidden = open));
  }

  function setRowAttended(sessionId, bookingId, attended) {
    if (slideOver.sessionId !== sessionId) return;
    const box = rowOf(bookingId)?.querySelector("[data-attend]");
    if (box && !box.dataset.busy) box.checked = attended;
  }

  slideOver.list.addEventListener("change", async (event) => {
    const box = event.target.closest("[data-attend]");
    if (!box) return;
    const sessionId = slideOver.sessionId;
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
      kit.animate(row, "pl-flash-green");
      const s = sessions.get(sessionId);
      if (s && slideOver.sessionId === sessionId) {
        s.attended_count = slideOver.list.querySelectorAll("[data-attend]:checked").length;
        updateCounts(sessionId);
      }
      kit.toast(booking.attended ? `${name} marked attended` : `${name} marked not attended`, { kind: "success" });
    } catch {
      box.checked = !want; // api() showed the error toast
    } finally {
      delete box.dataset.busy;
      box.disabled = false;
    }
  });

  // ------------------------------------------------------------------ outside events + first load

  document.addEventListener("peerlearn:sessions-changed", () => reloadAll({ quiet: true }));
  // Sessions made elsewhere (another tab of this mentor) have no socket yet: catch up on return.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.loaded.scheduled) reloadAll({ quiet: true });
  });

  reloadAll();
}
