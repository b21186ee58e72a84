// Learner "Browse" tab: bookable sessions with a Book button, the "Request a session" modal
// (a kit steps form) and the learner's own requests. Everything is read from the JSON API; the
// server is the source of truth and this script only re-reads it when something changed.
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import {
  formatDateTime,
  formatDuration as duration,
  formatPrice as price,
  localInputToIso as isoWithOffset,
} from "../../peerlearn_core/js/format.js";
import { SPINNER } from "../../peerlearn_core/js/kit/busy.js";
import { futureTimeError } from "./session-form.js";

const kit = await kitReady();
const root = document.querySelector("[data-learner-browse]");
if (root) main(root);

// --- formatting ----------------------------------------------------------------------------

const when = (iso) => formatDateTime(iso, { year: false });

const ICON = {
  calendar:
    '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><rect x="3" y="5" width="18" height="16" rx="2"/><path d="M16 3v4M8 3v4M3 10h18"/></svg>',
  clock:
    '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>',
  seats:
    '<svg class="h-4 w-4 shrink-0 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.8-3.4 3.4-5 6.5-5s5.7 1.6 6.5 5M16 4.5a3.5 3.5 0 010 7M18 15c2 .6 3.2 2.2 3.5 5"/></svg>',
  check:
    '<svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 13l4 4L19 7"/></svg>',
};

function main(root) {
  const list = root.querySelector("[data-browse-list]");
  const empty = root.querySelector("[data-browse-empty]");
  const requestsList = root.querySelector("[data-requests-list]");

  let sessions = [];
  const bookingsBySession = new Map(); // session id -> the learner's active booking
  const booking = new Set(); // session ids with a Book request in flight
  const waiting = new Set(); // session ids with a waitlist join/leave in flight
  let loadSeq = 0;

  // --- session cards ------------------------------------------------------------------------

  function bookedState(session, b) {
    const priced = Number(session.price) > 0;
    let payment = "";
    if (priced && b.payment_status === "pending") {
      payment = `<span class="inline-flex items-center rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-200" data-testid="browse-payment-${session.id}">Payment pending</span>`;
    } else if (priced && b.payment_status === "paid") {
      payment = `<span class="inline-flex items-center rounded-full bg-emerald-50 px-2.5 py-1 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="browse-payment-${session.id}">Paid</span>`;
    }
    return `
      <div class="flex min-w-0 flex-wrap items-center gap-2">
        <span class="inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-3 py-1 text-sm font-semibold text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="browse-booked-${session.id}">${ICON.check}Booked</span>
        ${payment}
      </div>
      <button type="button" data-goto-tab="bookings" class="shrink-0 rounded-lg px-2 py-1 text-sm font-medium text-indigo-600 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">My bookings <span aria-hidden="true">→</span></button>`;
  }

  // A full session: join its waitlist, or show the learner's place and a Leave button.
  function waitlistControls(session) {
    const busy = waiting.has(session.id);
    const position = session.waitlist_position;
    if (position) {
      return `
        <span class="text-sm font-medium text-amber-800" data-testid="waitlist-position-${session.id}" data-position="${Number(position)}">#${Number(position)} on the waitlist</span>
        <button type="button" data-waitlist-leave="${session.id}" data-testid="leave-waitlist-${session.id}" ${busy ? 'disabled aria-busy="true"' : ""}
                class="inline-flex shrink-0 items-center justify-center gap-2 rounded-xl px-3 py-2 text-sm font-medium text-slate-600 ring-1 ring-inset ring-slate-200 transition hover:bg-slate-50 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          ${busy ? `${SPINNER}Leaving…` : "Leave waitlist"}
        </button>`;
    }
    return `
      <span class="text-sm text-slate-500">Full${session.waitlist_count ? ` · ${Number(session.waitlist_count)} waiting` : ""}</span>
      <button type="button" data-waitlist-join="${session.id}" data-testid="join-waitlist-${session.id}" ${busy ? 'disabled aria-busy="true"' : ""}
              class="inline-flex shrink-0 items-center justify-center gap-2 rounded-xl bg-amber-500 px-4 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-amber-600 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600">
        ${busy ? `${SPINNER}Joining…` : "Join waitlist"}
      </button>`;
  }

  async function waitlist(sessionId, join) {
    if (waiting.has(sessionId)) return;
    waiting.add(sessionId);
    rerenderCard(sessionId);
    try {
      const result = await kit.api(`/api/sessions/${sessionId}/waitlist/`, { method: join ? "POST" : "DELETE" });
      sessions = sessions.map((s) =>
        s.id === sessionId
          ? {
              ...s,
              waitlist_position: join ? result.position : null,
              waitlist_count: join ? result.waitlist_count : Math.max((s.waitlist_count || 1) - 1, 0),
            }
          : s
      );
      waiting.delete(sessionId);
      rerenderCard(sessionId);
      kit.toast(join ? `You're #${result.position} on the waitlist` : "You left the waitlist", { kind: join ? "success" : "info" });
    } catch (error) {
      waiting.delete(sessionId);
      if (error.status === 409 || error.status === 404) await load({ quiet: true });
      else rerenderCard(sessionId);
    }
  }

  function bookButton(session) {
    const busy = booking.has(session.id);
    return `
      <span class="text-sm text-slate-500">${escapeHtml(price(session.price))}${Number(session.price) > 0 ? " per seat" : ""}</span>
      <button type="button" data-book="${session.id}" data-testid="book-${session.id}" ${busy ? 'disabled aria-busy="true"' : ""}
              class="inline-flex shrink-0 items-center justify-center gap-2 rounded-xl bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        ${busy ? `${SPINNER}Booking…` : "Book"}
      </button>`;
  }

  function card(session) {
    const b = bookingsBySession.get(session.id);
    const priced = Number(session.price) > 0;
    const few = session.seats_left <= 2;
    const el = document.createElement("article");
    el.className =
      "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-shadow hover:shadow-md data-[booked=true]:border-emerald-200";
    el.dataset.testid = `browse-card-${session.id}`;
    el.dataset.sessionId = session.id;
    el.dataset.booked = String(Boolean(b));
    el.innerHTML = `
      <div class="flex items-start justify-between gap-3">
        <div class="min-w-0">
          <h3 class="break-words font-semibold text-slate-900" data-testid="browse-title-${session.id}">${escapeHtml(session.title)}</h3>
          <p class="mt-0.5 truncate text-sm text-slate-500">with <span class="font-medium text-slate-700" data-testid="browse-mentor-${session.id}">${escapeHtml(session.mentor?.name || "")}</span></p>
        </div>
        <span class="shrink-0 rounded-full px-2.5 py-1 text-sm font-semibold ${priced ? "bg-indigo-50 text-indigo-700" : "bg-emerald-50 text-emerald-700"}" data-testid="browse-price-${session.id}">${escapeHtml(price(session.price))}</span>
      </div>
      <ul class="mt-3 flex flex-wrap gap-x-4 gap-y-1.5 text-sm text-slate-600">
        <li class="inline-flex items-center gap-1.5">${ICON.calendar}<time datetime="${escapeHtml(session.starts_at)}" data-testid="browse-when-${session.id}">${escapeHtml(when(session.starts_at))}</time></li>
        <li class="inline-flex items-center gap-1.5">${ICON.clock}<span>${escapeHtml(duration(session.duration_minutes))}</span></li>
        <li class="inline-flex items-center gap-1.5 ${few ? "font-medium text-amber-700" : ""}">${ICON.seats}<span data-testid="browse-seats-${session.id}">${session.seats_left} ${session.seats_left === 1 ? "seat" : "seats"} left</span></li>
      </ul>
      ${
        session.description
          ? `<p class="mt-3 line-clamp-3 break-words text-sm text-slate-600" title="${escapeHtml(session.description)}">${escapeHtml(session.description)}</p>`
          : ""
      }
      <div class="mt-auto flex flex-wrap items-center justify-between gap-3 pt-4" data-browse-actions>
        ${b ? bookedState(session, b) : session.seats_left > 0 ? bookButton(session) : waitlistControls(session)}
      </div>`;
    return el;
  }

  function render() {
    list.setAttribute("aria-busy", "false");
    list.replaceChildren(...sessions.map(card));
    empty.hidden = sessions.length > 0;
    list.hidden = sessions.length === 0;
  }

  function rerenderCard(sessionId) {
    const old = list.querySelector(`[data-session-id="${sessionId}"]`);
    const session = sessions.find((s) => s.id === sessionId);
    if (!old || !session) return null;
    const hadFocus = old.contains(document.activeElement);
    const fresh = card(session);
    old.replaceWith(fresh);
    if (hadFocus) fresh.querySelector("button, a")?.focus({ preventScroll: true });
    return fresh;
  }

  function showLoadError() {
    list.setAttribute("aria-busy", "false");
    list.hidden = false;
    empty.hidden = true;
    list.innerHTML = `
      <div class="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-center md:col-span-2" data-testid="browse-error">
        <p class="font-medium text-rose-800">Could not load sessions.</p>
        <button type="button" data-browse-retry class="mt-3 rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-rose-700 shadow-sm ring-1 ring-inset ring-rose-200 hover:bg-rose-100">Try again</button>
      </div>`;
  }

  /** Re-read sessions and bookings. `quiet` keeps background refreshes from toasting errors. */
  async function load({ quiet = false } = {}) {
    const seq = ++loadSeq;
    try {
      const [sessionData, bookingData] = await Promise.all([
        kit.api("/api/sessions/?include_full=true", { quiet }),
        kit.api("/api/bookings/", { quiet }),
      ]);
      if (seq !== loadSeq) return;
      sessions = sessionData;
      bookingsBySession.clear();
      bookingData.forEach((b) => {
        const id = typeof b.session === "object" ? b.session.id : b.session;
        if (!b.cancelled) bookingsBySession.set(id, b);
      });
      render();
    } catch (error) {
      if (seq !== loadSeq) return;
      if (!quiet || !list.querySelector("[data-session-id]")) showLoadError();
    }
  }

  async function book(sessionId) {
    if (booking.has(sessionId) || bookingsBySession.has(sessionId)) return;
    const session = sessions.find((s) => s.id === sessionId);
    if (!session) return;
    booking.add(sessionId);
    rerenderCard(sessionId);
    try {
      const created = await kit.api(`/api/sessions/${sessionId}/book/`, { method: "POST" });
      bookingsBySession.set(sessionId, created);
      if (created.session && typeof created.session === "object") {
        sessions = sessions.map((s) => (s.id === sessionId ? created.session : s));
      }
      booking.delete(sessionId);
      const fresh = rerenderCard(sessionId);
      if (fresh) {
        kit.animate(fresh, "pl-flash-green");
        // The Book button is gone: keep keyboard focus on the card's next control.
        if (document.activeElement === document.body) fresh.querySelector("[data-goto-tab]")?.focus({ preventScroll: true });
      }
      kit.toast(`Booked “${session.title}”`, { kind: "success" });
      document.dispatchEvent(
        new CustomEvent("peerlearn:bookings-changed", {
          detail: { source: "browse", action: "booked", bookingId: created.id, sessionId },
        })
      );
    } catch (error) {
      booking.delete(sessionId);
      // api() already showed the error toast (it shakes); a 409 means the list is stale.
      if (error.status === 409 || error.status === 404) await load({ quiet: true });
      else rerenderCard(sessionId);
    }
  }

  // --- requests -----------------------------------------------------------------------------

  const REQUEST_PILL = {
    pending: ["Pending", "bg-amber-50 text-amber-800 ring-amber-200"],
    accepted: ["Accepted", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
    declined: ["Declined", "bg-rose-50 text-rose-700 ring-rose-200"],
  };

  function requestRow(r) {
    const [label, tone] = REQUEST_PILL[r.status] || [r.status, "bg-slate-100 text-slate-600 ring-slate-200"];
    const times = (r.preferred_times || [])
      .map((t) => `<li class="rounded-md bg-slate-100 px-2 py-0.5 text-xs text-slate-600"><time datetime="${escapeHtml(t)}">${escapeHtml(when(t))}</time></li>`)
      .join("");
    let outcome = "";
    if (r.status === "declined") {
      outcome = `<p class="mt-2 break-words text-sm text-rose-700" data-testid="request-reason-${r.id}">${
        r.decline_reason ? `Reason: ${escapeHtml(r.decline_reason)}` : "The mentor could not take this one."
      }</p>`;
    } else if (r.status === "accepted") {
      outcome = `<p class="mt-2 text-sm text-emerald-700">Scheduled and booked for you. <button type="button" data-goto-tab="bookings" class="font-medium text-indigo-600 underline-offset-2 hover:underline">See My Bookings →</button></p>`;
    }
    const li = document.createElement("li");
    li.className = "flex flex-col gap-2 px-4 py-4 sm:flex-row sm:items-start sm:justify-between sm:gap-4";
    li.dataset.testid = `request-row-${r.id}`;
    li.dataset.requestId = r.id;
    li.innerHTML = `
      <div class="min-w-0">
        <p class="break-words font-medium text-slate-900">${escapeHtml(r.topic)}</p>
        <p class="mt-0.5 text-sm text-slate-500">To ${escapeHtml(r.mentor_detail?.name || "mentor")} · sent ${escapeHtml(when(r.created_at))}</p>
        ${times ? `<ul class="mt-2 flex flex-wrap gap-1.5" aria-label="Preferred times">${times}</ul>` : ""}
        ${outcome}
      </div>
      <span class="inline-flex shrink-0 items-center self-start rounded-full px-2.5 py-1 text-xs font-semibold ring-1 ring-inset ${tone}" data-testid="request-status-${r.id}" data-status="${escapeHtml(r.status)}">${escapeHtml(label)}</span>`;
    return li;
  }

  let requestSeq = 0;
  async function loadRequests({ quiet = true, highlight = null } = {}) {
    const seq = ++requestSeq;
    let items;
    try {
      items = await kit.api("/api/requests/", { quiet });
    } catch (error) {
      if (seq === requestSeq && !requestsList.querySelector("[data-request-id]")) {
        requestsList.innerHTML = `<li class="px-4 py-6 text-center text-sm text-rose-600">Could not load your requests.</li>`;
      }
      return;
    }
    if (seq !== requestSeq) return;
    const previous = new Map(
      Array.from(requestsList.querySelectorAll("[data-request-id]")).map((li) => [
        li.dataset.requestId,
        li.querySelector("[data-status]")?.dataset.status,
      ])
    );
    if (!items.length) {
      requestsList.innerHTML = `<li class="px-4 py-6 text-center text-sm text-slate-500" data-testid="my-requests-empty">No requests yet. Use “Request a session” to ask a mentor for a topic.</li>`;
      return;
    }
    const rows = items.map(requestRow);
    requestsList.replaceChildren(...rows);
    rows.forEach((li) => {
      const id = li.dataset.requestId;
      const isNew = highlight != null && String(highlight) === id;
      const changed = previous.has(id) && previous.get(id) !== li.querySelector("[data-status]").dataset.status;
      if (isNew) kit.animate(li, "pl-slide-down");
      else if (changed) kit.animate(li, "pl-flash-green");
    });
  }

  // --- request modal ------------------------------------------------------------------------

  const modal = document.getElementById("request-session-modal");
  const form = modal?.querySelector("[data-request-form]");
  // Layers live at the end of <body> so a hidden tab panel never hides an open modal.
  if (modal && modal.parentElement !== document.body) document.body.appendChild(modal);
  const steps = form ? form.plSteps || kit.initSteps(form) : null;
  const mentorSelect = form?.querySelector("#rq-mentor");
  const mentorBio = form?.querySelector("[data-mentor-bio]");
  const submitButton = form?.querySelector('[type="submit"]');
  let mentors = null;
  let sending = false;

  async function loadMentors() {
    if (!mentorSelect) return;
    try {
      mentors = await kit.api("/api/mentors/", { quiet: true });
    } catch (error) {
      mentors = null;
      mentorSelect.innerHTML = '<option value="">Could not load mentors, reopen to retry</option>';
      return;
    }
    const chosen = mentorSelect.value;
    mentorSelect.innerHTML =
      `<option value="">${mentors.length ? "Choose a mentor" : "No mentors available yet"}</option>` +
      mentors.map((m) => `<option value="${m.id}">${escapeHtml(m.name)}</option>`).join("");
    if (chosen && mentors.some((m) => String(m.id) === chosen)) mentorSelect.value = chosen;
  }

  function showBio() {
    const mentor = mentors?.find((m) => String(m.id) === mentorSelect.value);
    mentorBio.textContent = mentor?.bio || "";
    mentorBio.hidden = !mentor?.bio;
  }

  kit.registerValidator("learner-request-times", (pane) => {
    const inputs = Array.from(pane.querySelectorAll('input[type="datetime-local"]'));
    const filled = inputs.filter((input) => input.value);
    if (!filled.length) return { field: inputs[0], message: "Add at least one preferred time." };
    for (const input of filled) {
      const message = futureTimeError(input.value);
      if (message) return { field: input, message };
    }
    return null;
  });

  function setSending(on) {
    sending = on;
    if (!submitButton) return;
    submitButton.disabled = on;
    submitButton.setAttribute("aria-busy", String(on));
    submitButton.innerHTML = on ? `${SPINNER}Sending…` : "Send request";
  }

  async function sendRequest() {
    if (sending) return;
    const times = Array.from(form.querySelectorAll('input[type="datetime-local"]'))
      .map((input) => input.value)
      .filter(Boolean)
      .map(isoWithOffset);
    const payload = {
      mentor: Number(mentorSelect.value),
      topic: form.querySelector("#rq-topic").value.trim(),
      message: form.querySelector("#rq-message").value.trim(),
      preferred_times: times,
    };
    setSending(true);
    try {
      const created = await kit.api("/api/requests/", { method: "POST", body: payload });
      kit.toast("Request sent", { kind: "success" });
      await kit.closeModal(modal);
      steps?.reset();
      showBio();
      loadRequests({ highlight: created.id });
    } catch (error) {
      // api() showed the error toast. Send the learner back to the pane with the bad field.
      if (error.data && (error.data.mentor || error.data.topic) && steps?.index !== 0) steps.goTo(0);
    } finally {
      setSending(false);
    }
  }

  if (form) {
    form.addEventListener("steps:submit", (event) => {
      event.preventDefault();
      sendRequest();
    });
    mentorSelect.addEventListener("change", showBio);
    modal.addEventListener("modal:open", () => {
      if (!mentors) loadMentors();
    });
  }

  // --- wiring -------------------------------------------------------------------------------

  function gotoTab(name) {
    document.querySelector(`[data-dashboard] [role="tablist"] [data-tab="${name}"]`)?.click();
  }

  root.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const bookBtn = target?.closest("[data-book]");
    if (bookBtn && !bookBtn.disabled) {
      book(Number(bookBtn.dataset.book));
      return;
    }
    const join = target?.closest("[data-waitlist-join]");
    if (join && !join.disabled) {
      waitlist(Number(join.dataset.waitlistJoin), true);
      return;
    }
    const leave = target?.closest("[data-waitlist-leave]");
    if (leave && !leave.disabled) {
      waitlist(Number(leave.dataset.waitlistLeave), false);
      return;
    }
    const goto = target?.closest("[data-goto-tab]");
    if (goto) {
      gotoTab(goto.dataset.gotoTab);
      return;
    }
    if (target?.closest("[data-browse-retry]")) load();
  });

  document.addEventListener("peerlearn:bookings-changed", (event) => {
    if (event.detail?.source === "browse") return; // our own booking: the card is already right
    load({ quiet: true });
  });

  document.addEventListener("peerlearn:notification", (event) => {
    const kind = event.detail?.kind;
    if (kind === "request.accepted" || kind === "request.declined") {
      loadRequests();
      if (kind === "request.accepted") load({ quiet: true });
    } else if (kind && (kind.startsWith("session.") || kind.startsWith("waitlist."))) {
      // waitlist.promoted: the shell already toasts the notification ("A seat opened up — you're in").
      load({ quiet: true });
    }
  });

  // Coming back to the tab shows fresh seat counts.
  root.closest("[data-tabs]")?.addEventListener("tabs:change", (event) => {
    if (event.detail?.tab === "browse") load({ quiet: true });
  });

  load();
  loadRequests({ quiet: false });
  loadMentors();
}
