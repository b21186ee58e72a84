// Mentor → My Sessions: the Create (kit modal + steps, or a slide-over), Edit (reschedule) and
// Cancel forms. Each POSTs/PATCHes the API, hands the answer to the board and toasts once what
// happened to which session. Validation limits are the server's (session-form.js).
//
// Other apps open Create with
//   document.dispatchEvent(new CustomEvent("peerlearn:create-session",
//     {detail: {prefill: {title, description, duration_minutes, max_participants, price}, presentation: "slide-over", note}}))
// prefill takes a session's own (API) field names; presentation "slide-over" moves the same form
// into a slide-over; note replaces the panel's description line.
import { formatDateTime, formatDuration, localInputToIso, toLocalInput } from "../../peerlearn_core/js/format.js";
import { sessionLine } from "./session-card.js";
import { reasonDialog, showLocalTimeZone, submitForm } from "./session-form.js";

const FIELDS = ["title", "description", "starts_at", "duration_minutes", "max_participants", "price"];

/** {apiField: input} for a form whose inputs are named like the API's fields. */
function fieldsOf(form) {
  return Object.fromEntries(FIELDS.map((key) => [key, form.querySelector(`[name="${key}"]`)]));
}

/** A session's values as its form inputs take them. */
function inputValues(s) {
  return {
    title: s.title,
    description: s.description || "",
    starts_at: s.starts_at ? toLocalInput(s.starts_at) : undefined,
    duration_minutes: s.duration_minutes,
    max_participants: s.max_participants,
    price: s.price === undefined || s.price === null ? undefined : Number(s.price),
  };
}

function createForm(kit, board, { root, tabs }) {
  const modal = document.getElementById("create-session-modal");
  const slideOver = document.getElementById("create-session-slide-over");
  const hosts = {
    modal: modal.querySelector("[data-modal-body]"),
    "slide-over": slideOver.querySelector("[data-slide-over-body]"),
  };
  const note = slideOver.querySelector("#create-session-slide-over-description");
  const defaultNote = note.textContent;
  const form = modal.querySelector("[data-create-session-form]");
  const steps = kit.initSteps(form);
  const fields = fieldsOf(form);
  const submit = form.querySelector('[type="submit"]');
  showLocalTimeZone(modal);

  function open({ prefill = null, presentation = "modal", note: text = "" } = {}) {
    // A request in flight keeps its form (and where it is shown) as it is.
    if (submit.dataset.busy !== "true") {
      steps.reset();
      if (prefill) {
        Object.entries(inputValues(prefill)).forEach(([key, value]) => {
          if (value !== undefined && value !== null && prefill[key] !== undefined && prefill[key] !== null) {
            fields[key].value = String(value);
          }
        });
      }
      const host = hosts[presentation] || hosts.modal;
      if (form.parentElement !== host) host.appendChild(form);
      note.textContent = text || defaultNote;
    }
    if (form.parentElement === hosts["slide-over"]) kit.openSlideOver(slideOver);
    else kit.openModal(modal);
  }

  document.addEventListener("peerlearn:create-session", (event) => {
    // Asked from another tab: show My Sessions under the form, where the new session will appear.
    const panel = root.closest("[data-tab-panel]");
    if (panel?.hidden) root.closest("[data-tabs]")?.plTabs?.select(panel.dataset.tabPanel);
    open(event.detail || {});
  });

  form.addEventListener("steps:change", (event) => {
    if (event.detail.index !== steps.panes.length - 1) return;
    const when = fields.starts_at.value ? formatDateTime(localInputToIso(fields.starts_at.value)) : "";
    form.querySelector("[data-cs-summary]").textContent =
      `“${fields.title.value.trim()}” · ${when} · ${formatDuration(fields.duration_minutes.value)}`;
  });

  form.addEventListener("steps:submit", (event) => {
    const values = event.detail.values;
    const body = {
      title: String(values.title || "").trim(),
      description: String(values.description || "").trim(),
      starts_at: localInputToIso(values.starts_at),
      duration_minutes: Number(values.duration_minutes),
      max_participants: Number(values.max_participants),
      price: Number(values.price || 0).toFixed(2),
    };
    submitForm(kit, {
      button: submit,
      busyLabel: "Creating…",
      url: "/api/sessions/",
      body,
      fields,
      steps,
      onSuccess(created) {
        kit.toast(`Session created · ${created.title}`, { kind: "success", key: `session-${created.id}` });
        kit.closeModal(modal);
        kit.closeSlideOver(slideOver);
        tabs?.select("scheduled");
        board.applySession(created).forEach((card) => kit.animate(card, "pl-slide-down"));
        board.cardEl(created.id)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
      },
    });
  });

  return open;
}

function editForm(kit, board) {
  const modal = document.getElementById("edit-session-modal");
  const form = modal.querySelector("[data-edit-session-form]");
  const fields = fieldsOf(form);
  const submit = form.querySelector('[type="submit"]');
  const seats = fields.max_participants;
  const seatsRange = { min: Number(seats.min), max: Number(seats.max) }; // the server's limits
  let editingId = null;

  function open(id) {
    const s = board.sessions.get(id);
    if (!s) return;
    editingId = id;
    Object.entries(inputValues(s)).forEach(([key, value]) => {
      const input = fields[key];
      kit.clearFieldError(input);
      input.value = String(value ?? "");
      input.dataset.initial = input.value;
    });
    const booked = Number(s.booked_count) || 0;
    const minSeats = Math.max(seatsRange.min, booked);
    seats.min = String(minSeats);
    seats.dataset.errorMessage = `Seats must be between ${minSeats} and ${seatsRange.max} (${booked} booked).`;
    const locked = booked > 0;
    fields.price.disabled = locked;
    form.querySelector("[data-price-locked]").classList.toggle("hidden", !locked);
    modal.querySelector("#edit-session-modal-description").textContent = locked
      ? "Booked learners are notified of the changes."
      : "Nobody has booked yet.";
    kit.openModal(modal);
  }

  form.addEventListener("input", (event) => {
    if (event.target.getAttribute?.("aria-invalid") === "true") kit.clearFieldError(event.target);
  });

  /** Only what the mentor changed, in the API's types. */
  function changes() {
    const out = {};
    Object.entries(fields).forEach(([key, input]) => {
      if (input.disabled) return;
      const value = key === "title" || key === "description" ? input.value.trim() : input.value;
      if (value === input.dataset.initial) return;
      if (key === "starts_at") out[key] = localInputToIso(value);
      else if (key === "price") {
        if (Number(value) !== Number(input.dataset.initial)) out[key] = Number(value).toFixed(2);
      } else if (key === "duration_minutes" || key === "max_participants") out[key] = Number(value);
      else out[key] = value;
    });
    return out;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = editingId;
    const s = board.sessions.get(id);
    if (!s || submit.dataset.busy === "true") return;
    if (!kit.validatePane(form)) return;
    const body = changes();
    if (!Object.keys(body).length) {
      kit.toast(`Nothing changed · ${s.title}`, { kind: "info", key: `session-${id}` });
      kit.closeModal(modal);
      return;
    }
    submitForm(kit, {
      button: submit,
      busyLabel: "Saving…",
      url: `/api/sessions/${id}/`,
      method: "PATCH",
      body,
      fields,
      onSuccess(updated) {
        board.applySession(updated);
        const told = Number(updated.booked_count) ? " — booked learners were notified" : "";
        kit.toast(`Session updated · ${updated.title}${told}`, { kind: "success", key: `session-${id}` });
        kit.closeModal(modal);
      },
    });
  });

  return open;
}

function cancelForm(kit, board) {
  return reasonDialog(kit, {
    modalId: "cancel-session-modal",
    line: "[data-cancel-session-title]",
    busyLabel: "Cancelling…",
    url: (id) => `/api/sessions/${id}/cancel/`,
    describe: (id) => (board.sessions.has(id) ? sessionLine(board.sessions.get(id)) : null),
    onSuccess(updated, id) {
      const booked = Number(board.sessions.get(id)?.booked_count) || 0; // as the mentor saw it
      board.applySession(updated);
      const told = booked ? " — booked learners were notified" : "";
      kit.toast(`Session cancelled · ${updated.title}${told}`, { kind: "success", key: `session-${id}` });
    },
  });
}

/** Wire the three forms; returns their openers: {create(options), edit(id), cancel(id)}. */
export function createSessionForms(kit, board, { root, tabs }) {
  return {
    create: createForm(kit, board, { root, tabs }),
    edit: editForm(kit, board),
    cancel: cancelForm(kit, board),
  };
}
