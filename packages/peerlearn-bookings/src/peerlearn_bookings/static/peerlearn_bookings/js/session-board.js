// Mentor → My Sessions: the two lists (Scheduled, Past) and their cards. The server owns the
// state: lists come from GET /api/sessions/?scope=scheduled|past and every change (an action's
// answer, a push) goes through applySession() or updateCounts(), which redraw only what changed.
// Other parts listen with board.on("render" | "change", fn) and never reach into the cards.
import {
  OPEN,
  attendedText,
  bookedPercent,
  bookedText,
  canEnd,
  cardHtml,
  readyLabel,
  reconfirmShown,
  reconfirmText,
  roomWindowOpen,
  waitlistText,
} from "./session-card.js";
import { reconcile } from "./reconcile.js";

// "Join room" and "End session" are re-checked every 30 s, and at the next opening or closing
// moment of a session on screen, so they appear on time without a reload.
const JOIN_CHECK_MS = 30000;

const signature = (session) => JSON.stringify(session);

export function createBoard(kit, root) {
  const $ = (selector) => root.querySelector(selector);
  const lists = { scheduled: $('[data-sessions-list="scheduled"]'), past: $('[data-sessions-list="past"]') };
  const state = { scheduled: [], past: [], loaded: { scheduled: false, past: false } };
  const sessions = new Map(); // id -> latest session object
  const listeners = { render: [], change: [] };
  const emit = (name, ...args) => listeners[name].forEach((fn) => fn(...args));
  let joinTimer = null;

  const cardEl = (id) => root.querySelector(`[data-session-card="${id}"]`);

  function buildCard(s) {
    const card = Object.assign(document.createElement("article"), {
      className: "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-shadow hover:shadow-md",
      innerHTML: cardHtml(s),
    });
    Object.assign(card.dataset, { testid: `session-card-${s.id}`, status: s.status });
    const socket = board.socketState(s.id);
    if (socket) card.dataset.socket = socket;
    // Extension point: apps above bookings add their own buttons to a card's actions row
    // (detail.actions) when it is drawn; bookings never knows which apps do.
    const actions = card.querySelector("[data-card-actions]");
    document.dispatchEvent(new CustomEvent("peerlearn:session-card", { detail: { session: s, card, actions } }));
    const row = card.querySelector("[data-card-actions-row]");
    if (row) row.hidden = actions.children.length === 0;
    return card;
  }

  function sortScope(scope) {
    const byStart = (a, b) => new Date(a.starts_at) - new Date(b.starts_at) || a.id - b.id;
    state[scope].sort(scope === "past" ? (a, b) => byStart(b, a) : byStart);
  }

  /** Reconcile one list's DOM with state[scope]: reuse unchanged cards, replace changed ones. */
  function renderScope(scope) {
    const items = state[scope];
    const { added } = reconcile(lists[scope], items, { key: "sessionCard", build: buildCard, sig: signature });
    $(`[data-sessions-loading="${scope}"]`).hidden = state.loaded[scope];
    $(`[data-sessions-empty="${scope}"]`).hidden = !state.loaded[scope] || items.length > 0;
    const count = $(`[data-sessions-count="${scope}"]`);
    count.textContent = String(items.length);
    count.hidden = !state.loaded[scope] || items.length === 0;
    if (scope === "scheduled") {
      emit("render", state.scheduled);
      refreshJoinButtons();
    }
    return added;
  }

  async function loadScope(scope, { quiet = false } = {}) {
    try {
      const items = await kit.api(`/api/sessions/?scope=${scope}`, { quiet });
      items.forEach((s) => sessions.set(s.id, s));
      state[scope] = items;
      state.loaded[scope] = true;
      sortScope(scope);
      renderScope(scope);
    } catch {
      if (!state.loaded[scope]) {
        $(`[data-sessions-loading="${scope}"]`).hidden = true;
        $(`[data-sessions-empty="${scope}"]`).hidden = false;
      }
    }
  }

  const reloadAll = ({ quiet = false } = {}) => Promise.all([loadScope("scheduled", { quiet }), loadScope("past", { quiet })]);

  /** Put one session (from an action's answer or a push) where it belongs and redraw; returns new cards. */
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
        button.querySelector("[data-flip-label]").textContent = readyLabel(previous.mentor_ready);
        kit.flip(button, readyLabel(s.mentor_ready));
      }
    }
    emit("change", s.id);
    return added;
  }

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

  /** Redraw a card's counts from sessions.get(id); `pulseConfirmed` pulses the confirmed badge. */
  function updateCounts(id, { pulseConfirmed = false } = {}) {
    const s = sessions.get(id);
    const card = cardEl(id);
    if (s && card) {
      card.querySelector("[data-booked]").textContent = bookedText(s);
      const badge = card.querySelector("[data-confirmed-badge]");
      badge.querySelector("[data-count]").textContent = String(Number(s.confirmed_count));
      card.querySelector("[data-attended]").textContent = attendedText(s);
      const reconfirmed = card.querySelector("[data-reconfirmed]");
      if (reconfirmed) {
        reconfirmed.hidden = !reconfirmShown(s);
        reconfirmed.textContent = reconfirmText(s);
      }
      const waitlist = card.querySelector("[data-waitlist]");
      if (waitlist) {
        waitlist.hidden = !Number(s.waitlist_count);
        waitlist.textContent = waitlistText(s);
      }
      const bar = card.querySelector("[data-booked-bar]");
      if (bar) bar.style.width = `${bookedPercent(s)}%`;
      card.dataset.sig = signature(s);
      if (pulseConfirmed) kit.animate(badge, "pl-pulse");
    }
    if (s) emit("change", id);
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
    kit.flip(button, readyLabel(s.mentor_ready));
  }

  const board = {
    sessions,
    state,
    cardEl,
    loadScope,
    reloadAll,
    applySession,
    updateCounts,
    setReady,
    /** The socket state a new card shows (data-socket); the live-updates part sets this. */
    socketState: () => null,
    on(name, fn) {
      listeners[name].push(fn);
    },
  };
  return board;
}
