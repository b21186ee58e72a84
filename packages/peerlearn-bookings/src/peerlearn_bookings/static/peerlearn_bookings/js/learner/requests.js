// Browse → "My requests" (the sessions the learner asked mentors for) and the "Request a session"
// modal, a kit steps form.
import { kitReady } from "../../../peerlearn_core/js/ready.js";
import { escapeHtml, localInputToIso } from "../../../peerlearn_core/js/format.js";
import { busyLabel } from "../../../peerlearn_core/js/kit/busy.js";
import { showServerErrors } from "../../../peerlearn_core/js/kit/errors.js";
import { requestPill } from "../../../peerlearn_core/js/kit/pills.js";
import { futureTimeError } from "../session-form.js";
import { when } from "./icons.js";

const kit = await kitReady();

function requestRow(r) {
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
    <div class="self-start">${requestPill(r.status, `data-testid="request-status-${r.id}"`)}</div>`;
  return li;
}

/** The learner's requests list; returns `load({quiet, highlight})`. */
export function myRequests(list) {
  let seq = 0;
  return async function loadRequests({ quiet = true, highlight = null } = {}) {
    const mine = ++seq;
    let items;
    try {
      items = await kit.api("/api/requests/", { quiet });
    } catch {
      if (mine === seq && !list.querySelector("[data-request-id]")) {
        list.innerHTML = `<li class="px-4 py-6 text-center text-sm text-rose-600">Could not load your requests.</li>`;
      }
      return;
    }
    if (mine !== seq) return;
    const previous = new Map(
      Array.from(list.querySelectorAll("[data-request-id]")).map((li) => [li.dataset.requestId, li.querySelector("[data-status]")?.dataset.status])
    );
    if (!items.length) {
      list.innerHTML = `<li class="px-4 py-6 text-center text-sm text-slate-500" data-testid="my-requests-empty">No requests yet. Use “Request a session” to ask a mentor for a topic.</li>`;
      return;
    }
    const rows = items.map(requestRow);
    list.replaceChildren(...rows);
    rows.forEach((li) => {
      const id = li.dataset.requestId;
      const changed = previous.has(id) && previous.get(id) !== li.querySelector("[data-status]").dataset.status;
      if (highlight != null && String(highlight) === id) kit.animate(li, "pl-slide-down");
      else if (changed) kit.animate(li, "pl-flash-green");
    });
  };
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

/** Wire the "Request a session" modal; `onSent(created)` runs after a request is sent. */
export function requestModal(onSent) {
  const modal = document.getElementById("request-session-modal");
  const form = modal?.querySelector("[data-request-form]");
  if (!form) return;
  // Layers live at the end of <body> so a hidden tab panel never hides an open modal.
  if (modal.parentElement !== document.body) document.body.appendChild(modal);
  const steps = form.plSteps || kit.initSteps(form);
  const mentorSelect = form.querySelector("#rq-mentor");
  const mentorBio = form.querySelector("[data-mentor-bio]");
  const submit = form.querySelector('[type="submit"]');
  const topic = form.querySelector("#rq-topic");
  let mentors = null;
  let sending = false;

  async function loadMentors() {
    try {
      mentors = await kit.api("/api/mentors/", { quiet: true });
    } catch {
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

  function setSending(on) {
    sending = on;
    submit.disabled = on;
    submit.setAttribute("aria-busy", String(on));
    submit.innerHTML = on ? busyLabel("Sending…") : "Send request";
  }

  async function send() {
    if (sending) return;
    const inputs = Array.from(form.querySelectorAll('input[type="datetime-local"]'));
    const mentor = mentors?.find((m) => String(m.id) === mentorSelect.value);
    const payload = {
      mentor: Number(mentorSelect.value),
      topic: topic.value.trim(),
      message: form.querySelector("#rq-message").value.trim(),
      preferred_times: inputs.map((input) => input.value).filter(Boolean).map(localInputToIso),
    };
    setSending(true);
    try {
      const created = await kit.api("/api/requests/", { method: "POST", body: payload, quiet: true });
      kit.toast(`Request sent to ${mentor?.name || "the mentor"} · ${payload.topic}`, { kind: "success" });
      await kit.closeModal(modal);
      steps?.reset();
      showBio();
      onSent(created);
    } catch (error) {
      // Under the bad field (the steps form goes back to its pane) and one toast.
      await showServerErrors(error, { mentor: mentorSelect, topic, preferred_times: inputs[0] }, { steps });
    } finally {
      setSending(false);
    }
  }

  form.addEventListener("steps:submit", (event) => {
    event.preventDefault();
    send();
  });
  mentorSelect.addEventListener("change", showBio);
  modal.addEventListener("modal:open", () => {
    if (!mentors) loadMentors();
  });
  loadMentors();
}
