// Learner "My Bookings" tab: the learner's bookings from GET /api/bookings/, with Confirm /
// Decline attendance, Join room, Cancel booking and feedback for completed sessions.
//
// State lives on the server. One kit socket per open booked session (/ws/sessions/{id}/) only
// pushes changes; every (re)connect re-reads the list, so a page opened late shows the same
// state as one that watched every push. A cancelled session (or a booking the learner cancelled)
// has no session socket: its refund moving (refund pending → refunded) arrives as a `refund.*`
// notification on the learner's own socket, which re-reads the list. Paid bookings cancelled in
// the last CANCELLED_SHOWN_DAYS stay listed under "Cancelled" with their refund status.
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import { formatDateTime, formatDuration as duration } from "../../peerlearn_core/js/format.js";
import { SPINNER } from "../../peerlearn_core/js/kit/busy.js";

const kit = await kitReady();
const root = document.querySelector("[data-learner-bookings]");
if (root) main(root);

const OPEN = new Set(["scheduled", "live"]);
// A cancelled booking stays on the page while money moved for it (its refund, or why there is none).
const MONEY_SHOWN = new Set(["paid", "refund_pending", "refunded"]);
const CANCELLED_SHOWN_DAYS = 30;

function showsCancelled(b, now = Date.now()) {
  if (!b.cancelled || !MONEY_SHOWN.has(b.payment_status)) return false;
  const at = Date.parse(b.cancelled_at || "");
  return Number.isNaN(at) || now - at < CANCELLED_SHOWN_DAYS * 86400000;
}

// --- formatting ------------------------------------------------------------------------------

const when = (iso) => formatDateTime(iso, { year: false });

const STATUS_PILL = {
  scheduled: ["Scheduled", "bg-indigo-50 text-indigo-700 ring-indigo-200"],
  live: ["Live", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
  completed: ["Completed", "bg-slate-100 text-slate-600 ring-slate-200"],
  cancelled: ["Cancelled", "bg-rose-50 text-rose-700 ring-rose-200"],
};

const PAYMENT_PILL = {
  free: ["Free", "bg-slate-50 text-slate-600 ring-slate-200"],
  pending: ["Payment pending", "bg-amber-50 text-amber-800 ring-amber-200"],
  paid: ["Paid", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
  refund_pending: ["Refund on its way", "bg-sky-50 text-sky-700 ring-sky-200"],
  refunded: ["Refunded", "bg-sky-50 text-sky-700 ring-sky-200"],
  failed: ["Payment failed", "bg-rose-50 text-rose-700 ring-rose-200"],
};

const ICON = {
  calendar:
    '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><rect x="3" y="5" width="18" height="16" rx="2"/><path d="M16 3v4M8 3v4M3 10h18"/></svg>',
  clock:
    '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>',
  video:
    '<svg class="h-4 w-4 shrink-0" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="2.5" y="6" width="13" height="12" rx="2"/><path d="M15.5 10.5l6-3.5v10l-6-3.5"/></svg>',
};

function pill(label, tone, testid, extra = "") {
  return `<span class="inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${tone}" data-testid="${testid}" ${extra}>${label}</span>`;
}

function main(root) {
  const userId = Number(document.body.dataset.userId);
  const lists = {
    upcoming: root.querySelector('[data-bookings-list="upcoming"]'),
    past: root.querySelector('[data-bookings-list="past"]'),
    cancelled: root.querySelector('[data-bookings-list="cancelled"]'),
  };
  const pastSection = root.querySelector('[data-bookings-section="past"]');
  const cancelledSection = root.querySelector('[data-bookings-section="cancelled"]');
  const empty = root.querySelector("[data-bookings-empty]");

  const bookings = new Map(); // booking id -> booking (with its session object)
  const cards = new Map(); // booking id -> <article>
  const signatures = new Map(); // booking id -> what the card was last rendered from
  const busy = new Map(); // booking id -> action in flight
  const drafts = new Map(); // booking id -> {rating, comment} typed but not sent
  const sockets = new Map(); // session id -> kit socket
  let version = 0; // bumped by every local change, so a slower stale read never overwrites it
  let loaded = false;

  // --- card ---------------------------------------------------------------------------------

  const isOpen = (b) => !b.cancelled && OPEN.has(b.session.status);

  // "Join room" shows exactly while the room is open (room_opens_at until ends_at, session
  // scheduled or live) for an active, not-declined booking whose seat is free or paid (a seat
  // held for payment waits outside the room). Re-checked every 30 s and at the next opening or
  // closing moment, so the button appears on time without a reload.
  const SEATED = new Set(["free", "paid"]);
  const JOIN_CHECK_MS = 30000;
  let joinTimer = null;

  function roomWindowOpen(s, now = Date.now()) {
    if (!OPEN.has(s.status) || !s.room_opens_at || !s.ends_at) return false;
    return Date.parse(s.room_opens_at) <= now && now < Date.parse(s.ends_at);
  }

  const canJoinRoom = (b) =>
    !b.cancelled && !b.declined && SEATED.has(b.payment_status) && roomWindowOpen(b.session);

  function refreshJoinButtons() {
    clearTimeout(joinTimer);
    const now = Date.now();
    let next = JOIN_CHECK_MS;
    bookings.forEach((b) => {
      if (cards.has(b.id)) renderCard(b); // redraws only when canJoinRoom(b) (or anything else) changed
      if (!isOpen(b)) return;
      [b.session.room_opens_at, b.session.ends_at].forEach((iso) => {
        const at = Date.parse(iso);
        if (at > now) next = Math.min(next, at - now + 50);
      });
    });
    joinTimer = setTimeout(refreshJoinButtons, next);
  }

  function attendancePanel(b) {
    const s = b.session;
    const ready = isOpen(b) && s.mentor_ready;
    if (isOpen(b) && !ready && !b.confirmed && !b.declined) {
      return `<p class="mt-4 text-sm text-slate-500" data-testid="waiting-${b.id}">You will be asked to confirm when the mentor is ready.</p>`;
    }
    if (!isOpen(b) || !(ready || b.confirmed || b.declined)) return "";
    const action = busy.get(b.id);
    const tone = b.confirmed
      ? "bg-blue-50 ring-blue-200"
      : b.declined
        ? "bg-rose-50 ring-rose-200"
        : "bg-indigo-50 ring-indigo-200";
    const lines = [];
    if (ready && !b.confirmed) {
      lines.push(`
        <p class="flex items-center gap-2 font-medium text-indigo-900" data-testid="ready-banner-${b.id}" role="status">
          <span class="relative flex h-2.5 w-2.5 shrink-0" aria-hidden="true"><span class="absolute inline-flex h-full w-full rounded-full bg-indigo-400 opacity-75 motion-safe:animate-ping"></span><span class="relative inline-flex h-2.5 w-2.5 rounded-full bg-indigo-500"></span></span>
          <span>Mentor is ready—please confirm.</span>
        </p>`);
    }
    if (b.confirmed) {
      lines.push(`<p class="font-semibold text-blue-800" data-testid="attendance-${b.id}" data-attendance="confirmed">Confirmed ✓</p>
        <p class="text-xs text-blue-700">The mentor can see you are coming.</p>`);
    } else if (b.declined) {
      lines.push(`<p class="font-semibold text-rose-700" data-testid="attendance-${b.id}" data-attendance="declined">You declined</p>
        <p class="text-xs text-rose-600">${ready ? "Changed your mind? Confirm again." : "You can confirm again when the mentor is ready."}</p>`);
    }
    let button = "";
    if (ready && !b.confirmed) {
      const on = action === "confirm";
      button = `<button type="button" data-action="confirm" data-testid="confirm-${b.id}" ${action ? "disabled" : ""} ${on ? 'aria-busy="true"' : ""}
          class="inline-flex w-full shrink-0 items-center justify-center gap-2 rounded-lg bg-blue-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-blue-700 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 sm:w-auto">
          ${on ? `${SPINNER}Confirming…` : "Confirm Attendance"}</button>`;
    } else if (b.confirmed) {
      const on = action === "decline";
      button = `<button type="button" data-action="decline" data-testid="decline-${b.id}" ${action ? "disabled" : ""} ${on ? 'aria-busy="true"' : ""}
          class="inline-flex w-full shrink-0 items-center justify-center gap-2 rounded-lg bg-white px-3.5 py-2 text-sm font-semibold text-rose-700 shadow-sm ring-1 ring-inset ring-rose-300 transition hover:bg-rose-50 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600 sm:w-auto">
          ${on ? `${SPINNER}Declining…` : "Decline"}</button>`;
    }
    return `
      <div class="mt-4 flex flex-col gap-3 rounded-xl px-3.5 py-3 ring-1 ring-inset sm:flex-row sm:items-center sm:justify-between ${tone}" data-attendance-panel data-testid="attendance-panel-${b.id}">
        <div class="min-w-0 space-y-0.5 text-sm">${lines.join("")}</div>
        ${button}
      </div>`;
  }

  // The mentor moved the start: keep the seat at the new time, or decline it (a full refund).
  function reconfirmPanel(b) {
    const s = b.session;
    if (!b.reconfirm_pending || b.cancelled || s.status !== "scheduled") return "";
    const action = busy.get(b.id);
    const refund = b.payment_status === "paid" ? " Declining refunds you in full." : "";
    return `
      <div class="mt-4 rounded-xl bg-amber-50 px-3.5 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="reconfirm-panel-${b.id}">
        <p class="font-medium">New time: <time datetime="${escapeHtml(s.starts_at)}" data-testid="reconfirm-when-${b.id}">${escapeHtml(when(s.starts_at))}</time></p>
        <p class="mt-0.5 text-amber-800">The mentor rescheduled.${refund}</p>
        <div class="mt-2.5 flex flex-wrap gap-2">
          <button type="button" data-action="reconfirm-keep" data-testid="reconfirm-keep-${b.id}" ${action ? "disabled" : ""}
            class="inline-flex items-center justify-center gap-2 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">${
              action === "reconfirm-keep" ? `${SPINNER}Keeping…` : "Keep my seat"
            }</button>
          <button type="button" data-action="reconfirm-decline" data-testid="reconfirm-decline-${b.id}" ${action ? "disabled" : ""}
            class="inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium text-rose-700 ring-1 ring-inset ring-rose-200 transition hover:bg-rose-50 disabled:cursor-wait disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600">${
              action === "reconfirm-decline" ? `${SPINNER}Declining…` : "Decline"
            }</button>
        </div>
      </div>`;
  }

  async function reconfirm(b, accept) {
    const result = await run(b, accept ? "reconfirm-keep" : "reconfirm-decline", () =>
      kit.api(`/api/bookings/${b.id}/reconfirm/`, { method: "POST", body: { accept } })
    );
    if (!result) return;
    version += 1;
    if (accept) {
      b.reconfirm_pending = false;
      kit.toast("Your seat is kept at the new time", { kind: "success" });
      renderCard(b);
    } else {
      const paid = b.payment_status === "paid";
      dropOrKeep(b, result, "refund_pending"); // declining the new time refunds in full
      refreshSoon(); // the server's word on the refund it opened
      kit.toast(paid ? "Seat released — your refund is on its way" : "Seat released", { kind: "info" });
      document.dispatchEvent(
        new CustomEvent("peerlearn:bookings-changed", { detail: { source: "bookings", action: "cancelled", bookingId: b.id } })
      );
    }
  }

  function actionsRow(b) {
    const s = b.session;
    const canJoin = canJoinRoom(b);
    const canCancel = !b.cancelled && s.status === "scheduled" && new Date(s.starts_at).getTime() > Date.now();
    const canPay = b.payment_status === "pending" && !b.cancelled && s.status === "scheduled";
    if (!canJoin && !canCancel && !canPay) return "";
    const action = busy.get(b.id);
    const pay = canPay
      ? `<button type="button" data-action="pay" data-testid="pay-${b.id}" ${action ? "disabled" : ""}
            class="inline-flex items-center justify-center gap-2 rounded-lg bg-emerald-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-emerald-700 disabled:cursor-wait disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600">${
              action === "pay" ? `${SPINNER}Opening checkout…` : `Pay ₹${escapeHtml(b.amount)}`
            }</button>`
      : "";
    const join = canJoin
      ? `<a href="${escapeHtml(s.room_url)}" data-testid="join-room-${b.id}"
            class="inline-flex items-center justify-center gap-2 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">${ICON.video}Join room</a>`
      : "";
    const cancel = canCancel
      ? `<button type="button" data-action="cancel" data-testid="cancel-booking-${b.id}" ${action ? "disabled" : ""}
            class="ml-auto inline-flex items-center justify-center gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-600 transition hover:bg-rose-50 hover:text-rose-700 disabled:cursor-wait disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600">${
              action === "cancel" ? `${SPINNER}Cancelling…` : "Cancel booking"
            }</button>`
      : "";
    return `<div class="mt-auto flex flex-wrap items-center gap-2 pt-4">${pay}${join}${cancel}</div>`;
  }

  function feedbackBlock(b) {
    if (b.session.status !== "completed") return "";
    if (b.has_feedback) {
      return `<p class="mt-4 flex items-center gap-2 rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-inset ring-slate-200" data-testid="feedback-done-${b.id}"><span class="text-amber-400" aria-hidden="true">★</span>Thanks for your feedback.</p>`;
    }
    const draft = drafts.get(b.id) || { rating: 0, comment: "" };
    const sending = busy.get(b.id) === "feedback";
    const stars = [1, 2, 3, 4, 5]
      .map(
        (n) => `
        <label class="relative cursor-pointer rounded-md px-0.5 text-2xl leading-none text-slate-300 transition-colors data-[on=true]:text-amber-400 has-focus-visible:outline-2 has-focus-visible:outline-offset-1 has-focus-visible:outline-indigo-600" data-star="${n}" data-on="${n <= draft.rating}">
          <input type="radio" name="rating" value="${n}" class="absolute inset-0 m-0 h-full w-full cursor-pointer appearance-none opacity-0" data-testid="rate-${b.id}-${n}" aria-label="${n} ${n === 1 ? "star" : "stars"}" ${n === draft.rating ? "checked" : ""}>
          <span aria-hidden="true">★</span>
        </label>`
      )
      .join("");
    return `
      <form class="mt-4 space-y-3 rounded-xl bg-slate-50 p-3.5 ring-1 ring-inset ring-slate-200" data-rate-form data-testid="rate-${b.id}" novalidate>
        <fieldset data-field class="min-w-0">
          <legend class="text-sm font-medium text-slate-800">How was it?</legend>
          <div class="mt-1 flex w-fit items-center" id="rate-stars-${b.id}" data-stars data-validate="learner-rating">${stars}</div>
        </fieldset>
        <div>
          <label for="rate-comment-${b.id}" class="sr-only">Comment (optional)</label>
          <textarea id="rate-comment-${b.id}" name="comment" rows="2" maxlength="2000" placeholder="What worked, what could be better? (optional)" data-testid="rate-comment-${b.id}"
            class="block w-full rounded-lg border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus:outline-none">${escapeHtml(draft.comment)}</textarea>
        </div>
        <div class="flex justify-end">
          <button type="submit" data-testid="rate-submit-${b.id}" ${sending ? 'disabled aria-busy="true"' : ""}
            class="inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">${
              sending ? `${SPINNER}Sending…` : "Send feedback"
            }</button>
        </div>
      </form>`;
  }

  // Where the money is, for a cancelled seat (the learner's cancel, or the mentor's).
  function refundNote(b) {
    if (!b.cancelled && b.session.status !== "cancelled") return "";
    const amount = `₹${escapeHtml(b.amount)}`;
    const note = {
      refund_pending: `Your refund of ${amount} is on its way to your original payment method.`,
      refunded: `${amount} refunded to your original payment method. It can take 5–7 working days to show.`,
      // Cancelled after the cutoff (no refund), or a refund that failed and is with support.
      paid: b.cancelled && b.cancel_reason === "learner" ? "This payment was not refunded — your notifications say why." : "",
    }[b.payment_status];
    if (!note) return "";
    return `<p class="mt-2 break-words text-sm text-slate-600" data-testid="booking-refund-${b.id}" data-payment="${escapeHtml(b.payment_status)}">${note}</p>`;
  }

  function cardInner(b) {
    const s = b.session;
    const shownStatus = b.cancelled ? "cancelled" : s.status;
    const [statusLabel, statusTone] = STATUS_PILL[shownStatus] || [shownStatus, "bg-slate-100 text-slate-600 ring-slate-200"];
    const [payLabel, payTone] = PAYMENT_PILL[b.payment_status] || [b.payment_status, "bg-slate-50 text-slate-600 ring-slate-200"];
    const liveDot = s.status === "live" ? '<span class="h-1.5 w-1.5 rounded-full bg-emerald-500 motion-safe:animate-pulse" aria-hidden="true"></span>' : "";
    const cancelled =
      s.status === "cancelled"
        ? `<p class="mt-3 break-words rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-700" data-testid="booking-cancelled-${b.id}">The mentor cancelled this session${s.cancel_reason ? `: ${escapeHtml(s.cancel_reason)}` : "."}</p>`
        : b.cancelled
          ? `<p class="mt-3 break-words rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-700" data-testid="booking-cancelled-${b.id}">${
              b.cancel_reason === "reschedule_declined" ? "You declined the new time" : "You cancelled this booking"
            }${b.cancelled_at ? ` on ${escapeHtml(when(b.cancelled_at))}` : ""}.</p>`
          : "";
    return `
      <div class="flex items-start justify-between gap-3">
        <div class="min-w-0">
          <h3 class="break-words font-semibold text-slate-900" data-testid="booking-title-${b.id}">${escapeHtml(s.title)}</h3>
          <p class="mt-0.5 truncate text-sm text-slate-500">with <span class="font-medium text-slate-700">${escapeHtml(s.mentor?.name || "")}</span></p>
        </div>
        <div class="flex shrink-0 flex-col items-end gap-1.5">
          ${pill(`${liveDot}${escapeHtml(statusLabel)}`, statusTone, `booking-status-${b.id}`, `data-status="${escapeHtml(shownStatus)}"`)}
          ${pill(escapeHtml(payLabel), payTone, `booking-payment-${b.id}`, `data-payment="${escapeHtml(b.payment_status)}"`)}
        </div>
      </div>
      <ul class="mt-3 flex flex-wrap gap-x-4 gap-y-1.5 text-sm text-slate-600">
        <li class="inline-flex items-center gap-1.5">${ICON.calendar}<time datetime="${escapeHtml(s.starts_at)}" data-testid="booking-when-${b.id}">${escapeHtml(when(s.starts_at))}</time></li>
        <li class="inline-flex items-center gap-1.5">${ICON.clock}<span>${escapeHtml(duration(s.duration_minutes))}</span></li>
      </ul>
      ${cancelled}
      ${refundNote(b)}
      ${reconfirmPanel(b)}
      ${attendancePanel(b)}
      ${actionsRow(b)}
      ${feedbackBlock(b)}`;
  }

  function signature(b) {
    const s = b.session;
    return JSON.stringify([
      s.title, s.mentor?.name, s.starts_at, s.duration_minutes, s.status, s.mentor_ready, s.room_url,
      s.cancel_reason, b.payment_status, b.confirmed, b.declined, b.has_feedback, busy.get(b.id) || "",
      b.cancelled, b.cancelled_at, b.cancel_reason, b.amount,
      b.reconfirm_pending,
      canJoinRoom(b),
    ]);
  }

  /** The card element of `b`, re-rendered only when what it shows changed. */
  function renderCard(b) {
    let el = cards.get(b.id);
    if (!el) {
      el = document.createElement("article");
      el.className =
        "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-colors data-[ready=true]:border-indigo-200 data-[attendance=confirmed]:border-blue-200 data-[attendance=declined]:border-rose-200";
      el.dataset.testid = `booking-card-${b.id}`;
      el.dataset.bookingId = b.id;
      cards.set(b.id, el);
    }
    // State as data attributes (not classes), so a running kit animation class is never wiped.
    el.dataset.sessionId = b.session.id;
    el.dataset.status = b.session.status;
    el.dataset.ready = String(isOpen(b) && Boolean(b.session.mentor_ready));
    el.dataset.attendance = !isOpen(b) ? "none" : b.confirmed ? "confirmed" : b.declined ? "declined" : "none";
    const sig = signature(b);
    if (signatures.get(b.id) !== sig) {
      const hadFocus = el.contains(document.activeElement);
      el.innerHTML = cardInner(b);
      signatures.set(b.id, sig);
      if (hadFocus) el.querySelector("[data-action], a, textarea")?.focus({ preventScroll: true });
    }
    return el;
  }

  function place(container, items) {
    container.querySelectorAll("[data-skeleton]").forEach((el) => el.remove());
    items.forEach((b, i) => {
      const el = renderCard(b);
      if (container.children[i] !== el) container.insertBefore(el, container.children[i] || null);
    });
    Array.from(container.children)
      .slice(items.length)
      .forEach((el) => el.remove());
    container.setAttribute("aria-busy", "false");
  }

  function renderAll() {
    const all = Array.from(bookings.values());
    const starts = (b) => new Date(b.session.starts_at).getTime();
    const cancelledAt = (b) => Date.parse(b.cancelled_at || "") || 0;
    const upcoming = all.filter(isOpen).sort((a, b) => starts(a) - starts(b) || a.id - b.id);
    const past = all.filter((b) => !b.cancelled && !isOpen(b)).sort((a, b) => starts(b) - starts(a) || b.id - a.id);
    const gone = all.filter((b) => b.cancelled).sort((a, b) => cancelledAt(b) - cancelledAt(a) || b.id - a.id);
    for (const [id, el] of cards) {
      if (!bookings.has(id)) {
        el.remove();
        cards.delete(id);
        signatures.delete(id);
        drafts.delete(id);
      }
    }
    place(lists.upcoming, upcoming);
    place(lists.past, past);
    if (lists.cancelled) place(lists.cancelled, gone);
    if (cancelledSection) cancelledSection.hidden = gone.length === 0;
    lists.upcoming.hidden = upcoming.length === 0;
    empty.hidden = upcoming.length > 0;
    empty.querySelector("p").textContent = past.length || gone.length ? "No upcoming bookings" : "No bookings yet";
    pastSection.hidden = past.length === 0;
    syncSockets();
    refreshJoinButtons();
  }

  // --- loading ------------------------------------------------------------------------------

  let loadSeq = 0;
  async function load({ quiet = false } = {}) {
    const seq = ++loadSeq;
    const startedAt = version;
    let data;
    try {
      data = await kit.api("/api/bookings/?include_cancelled=true", { quiet });
    } catch (error) {
      if (seq === loadSeq && !loaded) showLoadError();
      return;
    }
    if (seq !== loadSeq) return;
    if (startedAt !== version) {
      // Something changed locally while this read was on the wire: read again.
      refreshSoon();
      return;
    }
    loaded = true;
    bookings.clear();
    data
      .filter((b) => (!b.cancelled || showsCancelled(b)) && b.session && typeof b.session === "object")
      .forEach((b) => bookings.set(b.id, b));
    renderAll();
  }

  let refreshTimer = null;
  function refreshSoon(delay = 150) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => load({ quiet: true }), delay);
  }

  function showLoadError() {
    lists.upcoming.setAttribute("aria-busy", "false");
    lists.upcoming.hidden = false;
    empty.hidden = true;
    lists.upcoming.innerHTML = `
      <div class="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-center md:col-span-2" data-testid="bookings-error">
        <p class="font-medium text-rose-800">Could not load your bookings.</p>
        <button type="button" data-bookings-retry class="mt-3 rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-rose-700 shadow-sm ring-1 ring-inset ring-rose-200 hover:bg-rose-100">Try again</button>
      </div>`;
  }

  // --- sockets ------------------------------------------------------------------------------

  function syncSockets() {
    const wanted = new Set(
      Array.from(bookings.values())
        .filter(isOpen)
        .map((b) => b.session.id)
    );
    for (const [sessionId, socket] of sockets) {
      if (!wanted.has(sessionId)) {
        socket.close();
        sockets.delete(sessionId);
      }
    }
    for (const sessionId of wanted) {
      if (sockets.has(sessionId)) continue;
      sockets.set(
        sessionId,
        kit.openSocket(`/ws/sessions/${sessionId}/`, {
          // Anything pushed before the socket joined (or while it was down) is re-read.
          onOpen: () => refreshSoon(),
          onMessage: (message) => onSessionMessage(sessionId, message),
        })
      );
    }
  }

  function bookingsOfSession(sessionId) {
    return Array.from(bookings.values()).filter((b) => b.session.id === sessionId);
  }

  function onSessionMessage(sessionId, message) {
    if (!message || typeof message !== "object") return;
    switch (message.type) {
      case "mentor.ready":
      case "mentor.cancel_ready": {
        const ready = message.type === "mentor.ready";
        bookingsOfSession(sessionId).forEach((b) => {
          if (Boolean(b.session.mentor_ready) === ready) return;
          version += 1;
          b.session = { ...b.session, mentor_ready: ready };
          const el = renderCard(b);
          const panel = el.querySelector("[data-attendance-panel]");
          if (ready && panel) kit.animate(panel, "pl-slide-down");
        });
        break;
      }
      case "session.updated": {
        if (!message.session || typeof message.session !== "object") break;
        const mine = bookingsOfSession(sessionId);
        if (!mine.length) break;
        version += 1;
        mine.forEach((b) => {
          b.session = { ...b.session, ...message.session };
        });
        renderAll();
        break;
      }
      case "booking.confirmed":
      case "booking.declined": {
        if (Number(message.learner_id) !== userId) break;
        const b = bookings.get(Number(message.booking_id));
        if (!b) break;
        const confirmed = message.type === "booking.confirmed";
        if (b.confirmed === confirmed && b.declined === !confirmed) break;
        version += 1;
        b.confirmed = confirmed;
        b.declined = !confirmed;
        const el = renderCard(b);
        // This tab's own click animates when its POST returns; another tab's change animates here.
        if (!busy.has(b.id)) kit.animate(el, confirmed ? "pl-pulse-blue" : "pl-pulse-red");
        break;
      }
      case "session.rescheduled": {
        // Every seat of ours asks for an answer to the new time.
        const states = new Map((message.bookings || []).map((x) => [Number(x.booking_id), Boolean(x.reconfirm_pending)]));
        bookingsOfSession(sessionId).forEach((b) => {
          if (!states.has(b.id)) return;
          version += 1;
          b.reconfirm_pending = states.get(b.id);
          b.session = { ...b.session, starts_at: message.starts_at || b.session.starts_at };
          const el = renderCard(b);
          if (b.reconfirm_pending) kit.animate(el, "pl-pulse-blue");
        });
        break;
      }
      case "booking.reconfirmed": {
        if (Number(message.learner_id) !== userId) break;
        const b = bookings.get(Number(message.booking_id));
        if (!b || busy.has(b.id)) break;
        if (message.accepted) {
          version += 1;
          b.reconfirm_pending = false;
          renderCard(b);
        } else refreshSoon(0);
        break;
      }
      case "booking.cancelled": {
        const id = Number(message.booking_id);
        if (!bookings.has(id) || busy.get(id) === "cancel") break;
        version += 1;
        dropOrKeep(bookings.get(id), null);
        refreshSoon();
        document.dispatchEvent(
          new CustomEvent("peerlearn:bookings-changed", { detail: { source: "bookings-sync", action: "cancelled", bookingId: id } })
        );
        break;
      }
      default:
        break;
    }
  }

  // --- actions ------------------------------------------------------------------------------

  async function run(b, action, request) {
    if (busy.has(b.id)) return null;
    busy.set(b.id, action);
    renderCard(b);
    try {
      return await request();
    } catch (error) {
      // api() already showed the (shaking) error toast; a conflict means our copy is stale.
      if (error.status === 409 || error.status === 404) refreshSoon(0);
      return null;
    } finally {
      busy.delete(b.id);
      if (bookings.has(b.id)) renderCard(b);
    }
  }

  // Back from Checkout: say how it went once, then drop the marker from the address.
  const paymentOutcome = new URLSearchParams(location.search).get("payment");
  if (paymentOutcome) {
    if (paymentOutcome === "paid") kit.toast("Payment received — your seat is confirmed", { kind: "success" });
    else if (paymentOutcome === "refunded")
      kit.toast("Your payment arrived after the seat was no longer held — it is being refunded", { kind: "info" });
    else kit.toast("The payment did not go through. Your seat is held for a few minutes — try again.", { kind: "error" });
    history.replaceState(null, "", location.pathname + location.hash);
  }

  // Payment: an order from our API, then Razorpay Checkout (the sandbox's page in the demo),
  // which posts the signed result to /payments/callback/; the server verifies it there.
  async function payBooking(b) {
    if (busy.get(b.id)) return;
    busy.set(b.id, "pay");
    renderCard(b);
    try {
      const order = await kit.api(`/api/bookings/${b.id}/pay/`, { method: "POST" });
      const callback = `${location.origin}/payments/callback/`;
      if (order.checkout_url) {
        const url = new URL(order.checkout_url);
        url.search = new URLSearchParams({
          order_id: order.order_id, key_id: order.key_id, callback_url: callback,
          name: "PeerLearn", description: b.session.title,
        }).toString();
        location.assign(url.toString());
        return;
      }
      await loadRazorpayCheckout();
      new window.Razorpay({
        key: order.key_id, order_id: order.order_id, amount: order.amount_paise, currency: order.currency,
        name: "PeerLearn", description: b.session.title, callback_url: callback, redirect: true,
      }).open();
    } catch {
      /* api() showed the error toast */
    } finally {
      busy.delete(b.id);
      renderCard(b);
    }
  }

  function loadRazorpayCheckout() {
    if (window.Razorpay) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "https://checkout.razorpay.com/v1/checkout.js";
      script.onload = resolve;
      script.onerror = () => reject(new Error("Razorpay Checkout did not load"));
      document.head.appendChild(script);
    });
  }

  async function confirmAttendance(b) {
    const result = await run(b, "confirm", () => kit.api(`/api/bookings/${b.id}/confirm/`, { method: "POST" }));
    if (!result) return;
    version += 1;
    b.confirmed = Boolean(result.confirmed);
    b.declined = Boolean(result.declined);
    const el = renderCard(b);
    kit.animate(el, "pl-pulse-blue");
    const decline = el.querySelector("[data-action=decline]");
    if (decline) kit.animate(decline, "pl-pulse-red");
    kit.toast(`Attendance confirmed for “${b.session.title}”`, { kind: "success" });
  }

  async function declineAttendance(b) {
    const result = await run(b, "decline", () => kit.api(`/api/bookings/${b.id}/decline/`, { method: "POST" }));
    if (!result) return;
    version += 1;
    b.confirmed = Boolean(result.confirmed);
    b.declined = Boolean(result.declined);
    const el = renderCard(b);
    kit.animate(el, "pl-pulse-red");
    kit.toast(`You declined “${b.session.title}”`, { kind: "info" });
  }

  // Cancel: a kit modal asks first.
  const cancelModal = document.getElementById("cancel-booking-modal");
  if (cancelModal && cancelModal.parentElement !== document.body) document.body.appendChild(cancelModal);
  const cancelConfirm = cancelModal?.querySelector("[data-cancel-confirm]");
  const cancelRefund = cancelModal?.querySelector("[data-cancel-refund]");
  let cancelling = null; // booking id the modal is about
  let refundQuote = null; // what cancelling it now refunds (payouts' policy), for a paid seat

  function askCancel(b) {
    cancelling = b.id;
    refundQuote = null;
    cancelModal.querySelector("[data-cancel-title]").textContent = `“${b.session.title}”`;
    if (cancelRefund) {
      cancelRefund.hidden = true;
      cancelRefund.dataset.refund = "";
    }
    kit.openModal(cancelModal);
    if (b.payment_status === "paid" && cancelRefund) showRefundQuote(b);
  }

  // A paid seat: say before the learner confirms whether cancelling now refunds it (full before
  // the cutoff, nothing after). Confirm waits for the answer.
  async function showRefundQuote(b) {
    cancelRefund.hidden = false;
    cancelRefund.textContent = "Checking the refund…";
    cancelConfirm.disabled = true;
    try {
      const quote = await kit.api(`/api/bookings/${b.id}/refund_quote/`, { quiet: true });
      if (cancelling !== b.id) return;
      refundQuote = quote;
      const hours = Number(quote.cutoff_hours);
      cancelRefund.dataset.refund = quote.full_refund ? "full" : "none";
      cancelRefund.textContent = quote.full_refund
        ? `You'll get a full refund of ₹${quote.refund} to your original payment method (cancelling more than ${hours} hours before the start).`
        : `No refund: it's less than ${hours} hours before the start (full refunds ended ${when(quote.cutoff_at)}).`;
    } catch (error) {
      if (cancelling === b.id) cancelRefund.hidden = true;
    } finally {
      if (cancelling === b.id) cancelConfirm.disabled = false;
    }
  }

  // A booking just cancelled: a paid one moves to "Cancelled" with its refund status; an unpaid one
  // leaves the page. `state` is the action's answer (BookingStateSerializer) when there is one.
  function dropOrKeep(b, state, paymentStatus = null) {
    const next = { ...b, cancelled: true, cancelled_at: new Date().toISOString() };
    if (state && typeof state === "object") {
      for (const key of ["payment_status", "cancelled_at", "cancel_reason"]) if (state[key] != null) next[key] = state[key];
      next.cancelled = true;
    }
    if (paymentStatus && next.payment_status === "paid") next.payment_status = paymentStatus;
    if (showsCancelled(next)) bookings.set(b.id, Object.assign(b, next));
    else bookings.delete(b.id);
    renderAll();
  }

  async function cancelBooking() {
    const b = bookings.get(cancelling);
    if (!b || busy.has(b.id)) return;
    cancelConfirm.disabled = true;
    cancelConfirm.innerHTML = `${SPINNER}Cancelling…`;
    const result = await run(b, "cancel", () => kit.api(`/api/bookings/${b.id}/cancel/`, { method: "POST" }));
    cancelConfirm.disabled = false;
    cancelConfirm.textContent = "Cancel booking";
    await kit.closeModal(cancelModal);
    if (!result) return;
    version += 1;
    const refunding = b.payment_status === "paid" && refundQuote?.booking_id === b.id && refundQuote.full_refund;
    dropOrKeep(b, result, refunding ? "refund_pending" : null);
    refreshSoon(); // the server's word on the refund (the card keeps its place under "Cancelled")
    kit.toast(`Booking for “${b.session.title}” cancelled${refunding ? " — refund on its way" : ""}`, { kind: "success" });
    document.dispatchEvent(
      new CustomEvent("peerlearn:bookings-changed", { detail: { source: "bookings", action: "cancelled", bookingId: b.id } })
    );
  }

  cancelConfirm?.addEventListener("click", cancelBooking);

  // Feedback: stars + comment, validated through the kit (the star row shakes when empty).
  kit.registerValidator("learner-rating", (pane) =>
    pane.querySelector('input[name="rating"]:checked') ? null : "Pick a rating from 1 to 5 stars."
  );

  function paintStars(form, value) {
    form.querySelectorAll("[data-star]").forEach((label) => {
      label.dataset.on = String(Number(label.dataset.star) <= value);
    });
  }

  function clearStarError(form) {
    const row = form.querySelector("[data-stars]");
    row.removeAttribute("aria-invalid");
    const slot = document.getElementById(`${row.id}-error`);
    if (slot) slot.hidden = true;
  }

  async function sendFeedback(b, form) {
    if (busy.has(b.id)) return;
    if (!kit.validatePane(form)) return;
    const rating = Number(form.querySelector('input[name="rating"]:checked').value);
    const comment = form.querySelector("textarea").value.trim();
    drafts.set(b.id, { rating, comment });
    const result = await run(b, "feedback", () =>
      kit.api(`/api/bookings/${b.id}/feedback/`, { method: "POST", body: { rating, comment } })
    );
    if (!result) return;
    version += 1;
    b.has_feedback = true;
    drafts.delete(b.id);
    const el = renderCard(b);
    kit.animate(el, "pl-flash-green");
    kit.toast(`Thanks for rating “${b.session.title}”`, { kind: "success" });
  }

  // --- wiring -------------------------------------------------------------------------------

  function bookingOf(el) {
    const card = el.closest("[data-booking-id]");
    return card ? bookings.get(Number(card.dataset.bookingId)) : null;
  }

  root.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest("[data-action]");
    if (button && !button.disabled) {
      const b = bookingOf(button);
      if (!b) return;
      if (button.dataset.action === "confirm") confirmAttendance(b);
      else if (button.dataset.action === "decline") declineAttendance(b);
      else if (button.dataset.action === "cancel") askCancel(b);
      else if (button.dataset.action === "pay") payBooking(b);
      else if (button.dataset.action === "reconfirm-keep") reconfirm(b, true);
      else if (button.dataset.action === "reconfirm-decline") reconfirm(b, false);
      return;
    }
    const goto = target.closest("[data-goto-tab]");
    if (goto) {
      document.querySelector(`[data-dashboard] [role="tablist"] [data-tab="${goto.dataset.gotoTab}"]`)?.click();
      return;
    }
    if (target.closest("[data-bookings-retry]")) load();
  });

  root.addEventListener("change", (event) => {
    const radio = event.target.closest?.('[data-rate-form] input[name="rating"]');
    if (!radio) return;
    const form = radio.closest("form");
    const b = bookingOf(form);
    const value = Number(radio.value);
    paintStars(form, value);
    clearStarError(form);
    if (b) drafts.set(b.id, { ...(drafts.get(b.id) || { comment: "" }), rating: value });
  });

  root.addEventListener("input", (event) => {
    const area = event.target.closest?.("[data-rate-form] textarea");
    if (!area) return;
    const b = bookingOf(area);
    if (b) drafts.set(b.id, { ...(drafts.get(b.id) || { rating: 0 }), comment: area.value });
  });

  // Hovering a star previews the rating; leaving the row shows the chosen one again.
  root.addEventListener("mouseover", (event) => {
    const label = event.target.closest?.("[data-rate-form] [data-star]");
    if (label) paintStars(label.closest("form"), Number(label.dataset.star));
  });
  root.addEventListener("mouseout", (event) => {
    const row = event.target.closest?.("[data-rate-form] [data-stars]");
    if (!row || row.contains(event.relatedTarget)) return;
    const form = row.closest("form");
    paintStars(form, Number(form.querySelector('input[name="rating"]:checked')?.value || 0));
  });

  root.addEventListener("submit", (event) => {
    const form = event.target.closest?.("[data-rate-form]");
    if (!form) return;
    event.preventDefault();
    const b = bookingOf(form);
    if (b) sendFeedback(b, form);
  });

  document.addEventListener("peerlearn:bookings-changed", (event) => {
    if (event.detail?.source === "bookings" || event.detail?.source === "bookings-sync") return;
    version += 1; // a booking made elsewhere on the page: any read in flight is stale
    load({ quiet: true });
  });

  // The shell turns every notification into this event; the ones about sessions, an accepted
  // request (which books the learner), a payment or a refund (refund.pending / .processed /
  // .failed, which move a card's payment status, cancelled ones included) may mean a card changed.
  document.addEventListener("peerlearn:notification", (event) => {
    const kind = event.detail?.kind || "";
    if (
      kind === "request.accepted" ||
      ["session.", "booking.", "waitlist.", "refund.", "payment."].some((prefix) => kind.startsWith(prefix))
    )
      refreshSoon();
  });

  root.closest("[data-tabs]")?.addEventListener("tabs:change", (event) => {
    if (event.detail?.tab === "bookings" && loaded) refreshSoon(0);
  });

  window.addEventListener("pagehide", () => {
    sockets.forEach((socket) => socket.close());
    sockets.clear();
  });

  load();
}
