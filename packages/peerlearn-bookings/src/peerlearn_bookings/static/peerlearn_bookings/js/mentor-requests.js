// Mentor dashboard → Requests.
//
// GET /api/requests/ lists the mentor's incoming requests. Accept runs a kit steps form in a kit
// modal (time picker → session details) and POSTs accept/; Decline asks for an optional reason.
// After an accept the My Sessions tab is told to reload (document event peerlearn:sessions-changed).
// The shell's notifications socket dispatches peerlearn:notification; a "request.created" one
// reloads this list.
import { escapeHtml, kitReady } from "../../peerlearn_core/js/ready.js";
import {
  formatDateTime as formatWhen,
  initials,
  localInputToIso,
  localTimeZone,
  toLocalInput,
} from "../../peerlearn_core/js/format.js";
import { endBusy, startBusy } from "../../peerlearn_core/js/kit/busy.js";
import { showServerErrors } from "../../peerlearn_core/js/kit/errors.js";
import { sessionPriceValidator, sessionStartValidator } from "./session-form.js";

const kit = await kitReady();
const root = document.querySelector("[data-mentor-requests]");
if (root) init();

function init() {
  root.querySelectorAll(".pl-modal, .pl-slide-over").forEach((el) => document.body.appendChild(el));

  const $ = (selector, scope = document) => scope.querySelector(selector);
  const list = $("[data-requests-list]", root);
  const requests = new Map(); // id -> request
  let loaded = false;

  // ------------------------------------------------------------------ helpers

  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  function formatAgo(iso) {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 45) return "just now";
    if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
    if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
    if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), "day");
    return formatWhen(iso, { weekday: false });
  }

  kit.registerValidator("pl-request-future", sessionStartValidator);
  kit.registerValidator("pl-request-price", sessionPriceValidator);

  // ------------------------------------------------------------------ cards

  const STATUS_PILL = {
    pending: ["Pending", "bg-amber-50 text-amber-800 ring-amber-200"],
    accepted: ["Accepted", "bg-emerald-50 text-emerald-700 ring-emerald-200"],
    declined: ["Declined", "bg-slate-100 text-slate-600 ring-slate-200"],
  };

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
    const [label, classes] = STATUS_PILL[r.status] || [r.status, "bg-slate-100 text-slate-600 ring-slate-200"];
    const card = document.createElement("article");
    card.className = `flex min-w-0 flex-col rounded-2xl border bg-white p-5 shadow-sm transition-shadow hover:shadow-md ${
      r.status === "pending" ? "border-slate-200" : "border-slate-200/70"
    }`;
    card.dataset.testid = `request-card-${r.id}`;
    card.dataset.requestCard = String(r.id);
    card.dataset.status = r.status;
    card.dataset.sig = JSON.stringify(r);
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
        <span class="inline-flex shrink-0 items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${classes}" data-testid="request-status-${r.id}" data-status="${escapeHtml(r.status)}">${escapeHtml(label)}</span>
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
    const existing = new Map(
      Array.from(list.querySelectorAll(":scope > [data-request-card]")).map((el) => [Number(el.dataset.requestCard), el])
    );
    const changed = [];
    items.forEach((r, index) => {
      let card = existing.get(r.id);
      existing.delete(r.id);
      if (!card || card.dataset.sig !== JSON.stringify(r)) {
        const fresh = buildCard(r);
        if (card) {
          card.replaceWith(fresh);
          changed.push(fresh);
        }
        card = fresh;
      }
      if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
    });
    existing.forEach((card) => card.remove());
    $("[data-requests-loading]", root).hidden = loaded;
    $("[data-requests-empty]", root).hidden = !loaded || items.length > 0;
    const pending = items.filter((r) => r.status === "pending").length;
    $("[data-requests-summary]", root).textContent = loaded && items.length ? `${pending} pending · ${items.length} in all` : "";
    root.dataset.pending = String(pending);
    return changed;
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

  const tzName = localTimeZone();
  acceptModal.querySelectorAll("[data-local-tz]").forEach((el) => {
    el.textContent = tzName ? ` (${tzName})` : "";
  });

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

  acceptForm.addEventListener("steps:submit", async (event) => {
    const id = acceptingId;
    const values = event.detail.values;
    if (!id || !startBusy(acceptSubmit, "Scheduling…")) return;
    try {
      const accepted = await kit.api(`/api/requests/${id}/accept/`, {
        method: "POST",
        quiet: true,
        body: {
          starts_at: localInputToIso(values.starts_at),
          duration_minutes: Number(values.duration_minutes),
          title: String(values.title || "").trim(),
          max_participants: Number(values.max_participants),
          price: Number(values.price || 0).toFixed(2),
        },
      });
      kit.toast("Request accepted — session scheduled", { kind: "success" });
      kit.closeModal(acceptModal);
      applyRequest(accepted).forEach((card) => kit.animate(card, "pl-flash-green"));
      document.dispatchEvent(
        new CustomEvent("peerlearn:sessions-changed", { detail: { session_id: accepted.session, request_id: accepted.id } })
      );
    } catch (error) {
      if (error && error.status === 409) {
        kit.toast(error.message, { kind: "error" });
        kit.closeModal(acceptModal);
        load({ quiet: true });
      } else {
        await showServerErrors(error, acceptFields, { steps: acceptSteps });
      }
    } finally {
      endBusy(acceptSubmit);
    }
  });

  // ------------------------------------------------------------------ decline

  const declineModal = document.getElementById("decline-request-modal");
  const declineForm = declineModal.querySelector("[data-decline-request-form]");
  const declineReason = declineForm.querySelector("#dr-reason");
  const declineSubmit = declineForm.querySelector('[type="submit"]');
  let decliningId = null;

  function openDecline(id) {
    const r = requests.get(id);
    if (!r || r.status !== "pending") return;
    if (declineSubmit.dataset.busy === "true") return;
    decliningId = id;
    declineReason.value = "";
    kit.clearFieldError(declineReason);
    declineModal.querySelector("[data-dr-topic]").textContent = `“${r.topic}” from ${r.learner?.name || "a learner"}`;
    kit.openModal(declineModal);
  }

  declineForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = decliningId;
    if (!id || !startBusy(declineSubmit, "Declining…")) return;
    try {
      const declined = await kit.api(`/api/requests/${id}/decline/`, {
        method: "POST",
        quiet: true,
        body: { reason: declineReason.value.trim() },
      });
      kit.toast("Request declined", { kind: "success" });
      kit.closeModal(declineModal);
      applyRequest(declined);
    } catch (error) {
      if (error && error.status === 409) {
        kit.toast(error.message, { kind: "error" });
        kit.closeModal(declineModal);
        load({ quiet: true });
      } else {
        await showServerErrors(error, { reason: declineReason });
      }
    } finally {
      endBusy(declineSubmit);
    }
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
