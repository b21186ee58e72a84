// Mentor dashboard → Requests.
//
// GET /api/requests/ lists the mentor's incoming requests. Accept runs a kit steps form in a kit
// modal (time picker → session details) and POSTs accept/; Decline asks for an optional reason.
// After an accept the My Sessions tab is told to reload (document event peerlearn:sessions-changed).
// The shell's notifications socket dispatches peerlearn:notification; a "request.created" one
// reloads this list.
import { kitReady } from "../../peerlearn_core/js/ready.js";
import {
  escapeHtml,
  formatDateTime as formatWhen,
  formatRelative as formatAgo,
  initials,
  localInputToIso,
  toLocalInput,
} from "../../peerlearn_core/js/format.js";
import { requestPill } from "../../peerlearn_core/js/kit/pills.js";
import { reconcile } from "./reconcile.js";
import {
  liftOverlays,
  registerSessionValidators,
  reasonDialog,
  showLocalTimeZone,
  submitForm,
  useSessionLimits,
} from "./session-form.js";

const kit = await kitReady();
const root = document.querySelector("[data-mentor-requests]");
if (root) init();

function init() {
  liftOverlays(root);
  useSessionLimits("mentor-requests-limits");
  registerSessionValidators(kit, { start: "pl-request-future", price: "pl-request-price" });

  const $ = (selector, scope = document) => scope.querySelector(selector);
  const list = $("[data-requests-list]", root);
  const requests = new Map(); // id -> request
  let loaded = false;

  // ------------------------------------------------------------------ cards

  function timesHtml(r) {
    const times = r.preferred_times || [];
    if (!times.length) return `<p class="mt-3 text-xs text-slate-500" data-testid="request-times-${r.id}">No preferred times given.</p>`;
    const now = Date.now();
    return `
      <div class="mt-3">
        <p class="text-xs font-medium uppercase tracking-wide text-slate-500">Preferred times</p>
        <ul class="mt-1.5 flex flex-wrap gap-1.5" data-testid="request-times-${r.id}">
          ${times
            .map((iso) => {
              const past = new Date(iso).getTime() <= now;
              return `<li class="rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset ${
                past ? "bg-slate-50 text-slate-400 line-through ring-slate-200" : "bg-indigo-50 text-indigo-700 ring-indigo-200"
              }"><time datetime="${escapeHtml(iso)}">${escapeHtml(formatWhen(iso))}</time></li>`;
            })
            .join("")}
        </ul>
      </div>`;
  }

  function footerHtml(r) {
    if (r.status === "pending") {
      return `
        <div class="mt-auto flex flex-col gap-2 border-t border-slate-100 pt-4 sm:flex-row sm:justify-end">
          <button type="button" data-action="decline" data-id="${r.id}" data-testid="decline-request-${r.id}"
                  class="inline-flex items-center justify-center rounded-lg bg-white px-3.5 py-2 text-sm font-semibold text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 transition hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">Decline</button>
          <button type="button" data-action="accept" data-id="${r.id}" data-testid="accept-request-${r.id}"
                  class="inline-flex items-center justify-center rounded-lg bg-emerald-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-emerald-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600">Accept</button>
        </div>`;
    }
    if (r.status === "accepted") {
      return `
        <div class="mt-auto border-t border-slate-100 pt-4 text-sm text-emerald-700" data-testid="request-outcome-${r.id}">
          Session scheduled${r.session ? ` <span class="text-slate-400">· #${Number(r.session)}</span>` : ""}${r.responded_at ? ` <span class="text-slate-400">· ${escapeHtml(formatAgo(r.responded_at))}</span>` : ""}
        </div>`;
    }
    return `
      <div class="mt-auto border-t border-slate-100 pt-4 text-sm text-slate-500" data-testid="request-outcome-${r.id}">
        Declined${r.responded_at ? ` ${escapeHtml(formatAgo(r.responded_at))}` : ""}${r.decline_reason ? `: <span class="break-words text-slate-600">${escapeHtml(r.decline_reason)}</span>` : ""}
      </div>`;
  }

  function buildCard(r) {
    const card = document.createElement("article");
    const border = r.status === "pending" ? "border-slate-200" : "border-slate-200/70";
    card.className = `flex min-w-0 flex-col rounded-2xl border bg-white p-5 shadow-sm transition-shadow hover:shadow-md ${border}`;
    Object.assign(card.dataset, { testid: `request-card-${r.id}`, status: r.status });
    const learner = r.learner || {};
    card.innerHTML = `
      <div class="flex items-start justify-between gap-3">
        <div class="flex min-w-0 items-center gap-3">
          <span class="inline-flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-sm font-semibold text-indigo-700" aria-hidden="true">${escapeHtml(initials(learner.name))}</span>
          <div class="min-w-0">
            <p class="truncate text-sm font-medium text-slate-900" data-testid="request-learner-${r.id}">${escapeHtml(learner.name)}</p>
            <p class="text-xs text-slate-500" data-testid="request-created-${r.id}"><time datetime="${escapeHtml(r.created_at)}" title="${escapeHtml(formatWhen(r.created_at))}">Requested ${escapeHtml(formatAgo(r.created_at))}</time></p>
          </div>
        </div>
        ${requestPill(r.status, `data-testid="request-status-${r.id}"`)}
      </div>
      <h3 class="mt-4 break-words font-semibold text-slate-900" data-testid="request-topic-${r.id}">${escapeHtml(r.topic)}</h3>
      ${r.message ? `<p class="mt-1 whitespace-pre-line break-words text-sm text-slate-600" data-testid="request-message-${r.id}">${escapeHtml(r.message)}</p>` : ""}
      ${timesHtml(r)}
      <div class="pt-4"></div>
      ${footerHtml(r)}`;
    return card;
  }

  const ORDER = { pending: 0, accepted: 1, declined: 2 };
  function sorted() {
    return Array.from(requests.values()).sort(
      (a, b) =>
        (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) ||
        new Date(b.created_at) - new Date(a.created_at) ||
        b.id - a.id
    );
  }

  function render() {
    const items = sorted();
    const { replaced } = reconcile(list, items, { key: "requestCard", build: buildCard });
    $("[data-requests-loading]", root).hidden = loaded;
    $("[data-requests-empty]", root).hidden = !loaded || items.length > 0;
    const pending = items.filter((r) => r.status === "pending").length;
    $("[data-requests-summary]", root).textContent = loaded && items.length ? `${pending} pending · ${items.length} in all` : "";
    root.dataset.pending = String(pending);
    return replaced;
  }

  async function load({ quiet = false } = {}) {
    try {
      const items = await kit.api("/api/requests/", { quiet });
      requests.clear();
      items.forEach((r) => requests.set(r.id, r));
      loaded = true;
      render();
    } catch {
      if (!loaded) {
        loaded = true;
        render();
      }
    }
  }

  function applyRequest(r) {
    requests.set(r.id, r);
    return render();
  }

  // ------------------------------------------------------------------ accept (modal + steps)

  const acceptModal = document.getElementById("accept-request-modal");
  const acceptForm = acceptModal.querySelector("[data-accept-request-form]");
  const acceptSteps = kit.initSteps(acceptForm);
  const acceptFields = {
    starts_at: acceptForm.querySelector("#ar-starts-at"),
    duration_minutes: acceptForm.querySelector("#ar-duration"),
    title: acceptForm.querySelector("#ar-title"),
    max_participants: acceptForm.querySelector("#ar-max"),
    price: acceptForm.querySelector("#ar-price"),
  };
  const chips = acceptForm.querySelector("[data-ar-chips]");
  const acceptSubmit = acceptForm.querySelector('[type="submit"]');
  let acceptingId = null;

  showLocalTimeZone(acceptModal);

  function markChips() {
    const value = acceptFields.starts_at.value;
    chips.querySelectorAll("[data-ar-chip]").forEach((chip) => {
      chip.setAttribute("aria-pressed", String(chip.dataset.value === value));
    });
  }

  function openAccept(id) {
    const r = requests.get(id);
    if (!r || r.status !== "pending") return;
    if (acceptSubmit.dataset.busy === "true") return;
    acceptingId = id;
    acceptSteps.reset();
    acceptModal.querySelector("[data-ar-topic]").textContent = r.topic;
    acceptModal.querySelector("[data-ar-learner]").textContent = `Requested by ${r.learner?.name || "a learner"} · ${formatAgo(r.created_at)}`;
    const times = r.preferred_times || [];
    const now = Date.now();
    chips.innerHTML = times
      .map((iso, index) => {
        const past = new Date(iso).getTime() <= now;
        return `<button type="button" data-ar-chip data-value="${escapeHtml(toLocalInput(iso))}" data-testid="ar-time-chip-${index}" aria-pressed="false" ${past ? 'disabled title="This time has passed"' : ""}
          class="rounded-full px-3 py-1.5 text-xs font-medium ring-1 ring-inset transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-400 disabled:line-through disabled:ring-slate-200 aria-pressed:bg-indigo-600 aria-pressed:text-white aria-pressed:ring-indigo-600 bg-white text-slate-700 ring-slate-300 hover:bg-indigo-50">${escapeHtml(formatWhen(iso))}</button>`;
      })
      .join("");
    acceptForm.querySelector("[data-ar-chips-wrap]").hidden = times.length === 0;
    const first = times.find((iso) => new Date(iso).getTime() > now) || times[0];
    acceptFields.starts_at.value = first ? toLocalInput(first) : "";
    acceptFields.duration_minutes.value = "60";
    acceptFields.title.value = String(r.topic || "").slice(0, 200);
    acceptFields.max_participants.value = "5";
    acceptFields.price.value = "0";
    markChips();
    kit.openModal(acceptModal);
  }

  chips.addEventListener("click", (event) => {
    const chip = event.target.closest("[data-ar-chip]");
    if (!chip || chip.disabled) return;
    acceptFields.starts_at.value = chip.dataset.value;
    kit.clearFieldError(acceptFields.starts_at);
    markChips();
  });
  acceptFields.starts_at.addEventListener("input", markChips);
  acceptFields.starts_at.addEventListener("change", markChips);

  /** A request answered elsewhere meanwhile (409): say so and show the list as it now is. */
  const answeredMeanwhile = (modal) => (error) => {
    kit.toast(error.message, { kind: "error" });
    kit.closeModal(modal);
    load({ quiet: true });
  };

  acceptForm.addEventListener("steps:submit", (event) => {
    const id = acceptingId;
    const values = event.detail.values;
    if (!id) return;
    submitForm(kit, {
      button: acceptSubmit,
      busyLabel: "Scheduling…",
      url: `/api/requests/${id}/accept/`,
      body: {
        starts_at: localInputToIso(values.starts_at),
        duration_minutes: Number(values.duration_minutes),
        title: String(values.title || "").trim(),
        max_participants: Number(values.max_participants),
        price: Number(values.price || 0).toFixed(2),
      },
      fields: acceptFields,
      steps: acceptSteps,
      onSuccess(accepted) {
        const who = accepted.learner?.name || "the learner";
        kit.toast(`Request accepted · ${accepted.topic} — ${who} is booked`, { kind: "success", key: `request-${id}` });
        kit.closeModal(acceptModal);
        applyRequest(accepted).forEach((card) => kit.animate(card, "pl-flash-green"));
        document.dispatchEvent(
          new CustomEvent("peerlearn:sessions-changed", { detail: { session_id: accepted.session, request_id: accepted.id } })
        );
      },
      onConflict: answeredMeanwhile(acceptModal),
    });
  });

  // ------------------------------------------------------------------ decline

  const openDecline = reasonDialog(kit, {
    modalId: "decline-request-modal",
    line: "[data-dr-topic]",
    busyLabel: "Declining…",
    url: (id) => `/api/requests/${id}/decline/`,
    describe(id) {
      const r = requests.get(id);
      return r && r.status === "pending" ? `“${r.topic}” from ${r.learner?.name || "a learner"}` : null;
    },
    onSuccess(declined, id) {
      const who = declined.learner?.name || "the learner";
      kit.toast(`Request declined · ${declined.topic} — ${who} was told`, { kind: "success", key: `request-${id}` });
      applyRequest(declined);
    },
    onConflict: answeredMeanwhile(document.getElementById("decline-request-modal")),
  });

  // ------------------------------------------------------------------ wiring

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button || !root.contains(button)) return;
    const id = Number(button.dataset.id);
    if (button.dataset.action === "accept") openAccept(id);
    else if (button.dataset.action === "decline") openDecline(id);
  });

  document.addEventListener("peerlearn:notification", (event) => {
    if (event.detail && event.detail.kind === "request.created") load({ quiet: true });
  });
  // Another tab of this mentor answered a request: the pending count moves, so reload.
  document.addEventListener("peerlearn:badges", (event) => {
    const pending = event.detail && Number(event.detail.requests);
    if (loaded && Number.isFinite(pending) && pending !== Number(root.dataset.pending)) load({ quiet: true });
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && loaded) load({ quiet: true });
  });

  load();
}
