// Multi-step forms: Back/Next panes, validation on Next, shake on error, slide 200 ms.
//
// Markup (a <form> or an element containing one):
//   <form data-steps novalidate>
//     <ol data-steps-progress><li data-step-marker>…</li>…</ol>            (optional)
//     <div class="pl-steps-viewport">
//       <section data-step-pane data-validate="future-date">              (data-validate optional)
//         <input name="email" required>  … <button type="button" data-steps-next>Next</button>
//       </section>
//       <section data-step-pane hidden> … <button type="button" data-steps-back>Back</button>
//         <button type="submit">Submit</button></section>
//     </div>
//   </form>
// State for tests and CSS: the root carries data-step-index (0-based), data-step-count and
// data-animating while sliding; the visible pane carries data-current="true".
// Submitting the last pane does not submit natively: the root receives a `steps:submit`
// CustomEvent with detail {formData, values}.

import { animate } from "./motion.js";

const validators = new Map();

/**
 * Register a named validator used by data-validate="name" (on a pane or on a field).
 * fn(pane, field) returns null when valid, or an error: a message string (shown under `field`,
 * the pane's [data-validate-target], or the pane's first field) or {message, field}.
 */
export function registerValidator(name, fn) {
  validators.set(name, fn);
}

// Built in: the datetime/date field (the one carrying data-validate, else the pane's first
// date/datetime-local field) must be in the future.
registerValidator("future-date", (pane, field) => {
  const input =
    (field && field.matches("input") && field) ||
    pane.querySelector('input[type="datetime-local"], input[type="date"]');
  if (!input || !input.value) return null; // "required" is the browser's job
  const when = new Date(input.type === "date" ? `${input.value}T23:59:59` : input.value);
  if (Number.isNaN(when.getTime())) return { field: input, message: "Enter a valid date and time." };
  if (when.getTime() <= Date.now()) return { field: input, message: "Pick a time in the future." };
  return null;
});

const CONTROLS = "input, select, textarea";

function fieldsIn(pane) {
  return Array.from(pane.querySelectorAll(CONTROLS)).filter(
    (el) => !el.disabled && !["hidden", "button", "submit", "reset", "image"].includes(el.type) && el.willValidate !== false
  );
}

function errorId(field) {
  if (!field.id) field.id = `pl-field-${Math.random().toString(36).slice(2, 9)}`;
  return `${field.id}-error`;
}

function errorSlot(field) {
  const id = errorId(field);
  let slot = document.getElementById(id);
  if (!slot && field.name) {
    const form = field.form || field.closest("form") || document;
    slot = form.querySelector(`[data-error-for="${CSS.escape(field.name)}"]`);
    if (slot && !slot.id) slot.id = id;
  }
  if (!slot) {
    slot = document.createElement("p");
    slot.id = id;
    slot.className = "pl-field-error mt-1.5 text-sm font-medium text-rose-600";
    slot.setAttribute("data-field-error", "");
    slot.hidden = true;
    const anchor = field.closest("[data-field]") || field.closest("label") || field;
    if (anchor === field.closest("[data-field]")) anchor.appendChild(slot);
    else anchor.insertAdjacentElement("afterend", slot);
  }
  return slot;
}

function describe(field, id, on) {
  const ids = new Set((field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) field.setAttribute("aria-describedby", Array.from(ids).join(" "));
  else field.removeAttribute("aria-describedby");
}

/** Show `message` under `field`, mark it invalid and shake it. */
export function showFieldError(field, message) {
  const slot = errorSlot(field);
  slot.textContent = message;
  slot.hidden = false;
  field.setAttribute("aria-invalid", "true");
  describe(field, slot.id, true);
  animate(field, "pl-shake");
}

/** Remove the error shown under `field`. */
export function clearFieldError(field) {
  field.removeAttribute("aria-invalid");
  if (field.dataset.plCustomError) {
    field.setCustomValidity("");
    delete field.dataset.plCustomError;
  }
  const slot = field.id && document.getElementById(`${field.id}-error`);
  if (slot) {
    slot.hidden = true;
    slot.textContent = "";
    describe(field, slot.id, false);
  }
}

function nativeMessage(field) {
  const custom = field.dataset.errorMessage;
  if (custom && !field.dataset.plCustomError) return custom;
  if (field.validity.valueMissing) {
    if (field.type === "checkbox") return "Tick this box to continue.";
    if (field.type === "radio" || field.tagName === "SELECT") return "Choose an option.";
    return "This field is required.";
  }
  if (field.validity.typeMismatch && field.type === "email") return "Enter a valid email address.";
  return field.validationMessage || "Check this field.";
}

/**
 * Validate one pane: constraint validation first, then data-validate hooks.
 * Shows the errors and shakes the invalid fields. Returns true when the pane is valid.
 */
export function validatePane(pane) {
  const fields = fieldsIn(pane);
  fields.forEach(clearFieldError);
  const invalid = [];
  fields.forEach((field) => {
    if (!field.checkValidity()) invalid.push([field, nativeMessage(field)]);
  });

  if (!invalid.length) {
    const hooks = [];
    if (pane.dataset.validate) hooks.push([pane, null, pane.dataset.validate]);
    pane.querySelectorAll("[data-validate]").forEach((el) => hooks.push([el, el, el.dataset.validate]));
    for (const [, field, names] of hooks) {
      for (const name of names.split(/\s+/).filter(Boolean)) {
        const fn = validators.get(name);
        if (!fn) {
          console.warn(`[PeerLearn] no validator registered as "${name}"`);
          continue;
        }
        const result = fn(pane, field);
        if (!result) continue;
        const message = typeof result === "string" ? result : result.message;
        const target =
          (typeof result === "object" && result.field) ||
          field ||
          pane.querySelector("[data-validate-target]") ||
          fields[0];
        if (target) invalid.push([target, message]);
        else console.warn(`[PeerLearn] validator "${name}": ${message}`);
      }
    }
  }

  const seen = new Set();
  invalid.forEach(([field, message]) => {
    if (seen.has(field)) return;
    seen.add(field);
    if (field.validity && field.validity.valid) {
      field.setCustomValidity(message);
      field.dataset.plCustomError = "true";
    }
    showFieldError(field, message);
  });
  if (invalid.length) invalid[0][0].focus({ preventScroll: false });
  return invalid.length === 0;
}

/**
 * Wire a steps root. Returns a controller {next, back, goTo, reset, index, panes}; it is also
 * stored as root.plSteps. Calling it twice returns the same controller.
 */
export function initSteps(root) {
  if (!root) return null;
  if (root.plSteps) return root.plSteps;
  const form = root.matches("form") ? root : root.querySelector("form");
  const panes = Array.from(root.querySelectorAll("[data-step-pane]"));
  const markers = Array.from(root.querySelectorAll("[data-step-marker]"));
  let index = Math.max(0, panes.findIndex((p) => p.dataset.current === "true"));
  let busy = null;

  const render = () => {
    root.dataset.stepIndex = String(index);
    root.dataset.stepCount = String(panes.length);
    panes.forEach((pane, i) => {
      const current = i === index;
      pane.dataset.current = String(current);
      pane.dataset.stepIndex = String(i);
      if (current) pane.hidden = false;
    });
    markers.forEach((marker, i) => {
      marker.dataset.status = i < index ? "complete" : i === index ? "current" : "upcoming";
      if (i === index) marker.setAttribute("aria-current", "step");
      else marker.removeAttribute("aria-current");
    });
  };

  const show = async (to, direction) => {
    if (to === index || to < 0 || to >= panes.length) return index;
    if (busy) await busy;
    const from = panes[index];
    const next = panes[to];
    index = to;
    render();
    root.dataset.animating = "true";
    const outClass = direction === "forward" ? "pl-step-out-left" : "pl-step-out-right";
    const inClass = direction === "forward" ? "pl-step-in-right" : "pl-step-in-left";
    next.hidden = false;
    from.setAttribute("aria-hidden", "true");
    next.removeAttribute("aria-hidden");
    busy = Promise.all([animate(from, outClass), animate(next, inClass)]).then(() => {
      from.hidden = true;
      from.removeAttribute("aria-hidden");
      delete root.dataset.animating;
      busy = null;
    });
    // Focus the first field of the new pane (or the pane) for keyboard users.
    const focusTarget = fieldsIn(next)[0] || next.querySelector("button");
    if (focusTarget && root.contains(document.activeElement)) focusTarget.focus({ preventScroll: true });
    await busy;
    root.dispatchEvent(new CustomEvent("steps:change", { bubbles: true, detail: { index, pane: next } }));
    return index;
  };

  const controller = {
    get index() {
      return index;
    },
    panes,
    /** Validate the current pane; when valid slide to the next one. Resolves to the new index. */
    next() {
      if (root.dataset.animating) return Promise.resolve(index);
      if (!validatePane(panes[index])) return Promise.resolve(index);
      return show(index + 1, "forward");
    },
    back() {
      if (root.dataset.animating) return Promise.resolve(index);
      return show(index - 1, "back");
    },
    goTo(i) {
      return show(i, i > index ? "forward" : "back");
    },
    reset() {
      if (form) form.reset();
      panes.forEach((pane) => fieldsIn(pane).forEach(clearFieldError));
      panes.forEach((pane, i) => {
        pane.hidden = i !== 0;
      });
      index = 0;
      render();
    },
  };

  panes.forEach((pane, i) => {
    pane.hidden = i !== index;
  });
  render();

  root.addEventListener("click", (event) => {
    const nextBtn = event.target.closest("[data-steps-next]");
    const backBtn = event.target.closest("[data-steps-back]");
    if (nextBtn && root.contains(nextBtn)) {
      event.preventDefault();
      controller.next();
    } else if (backBtn && root.contains(backBtn)) {
      event.preventDefault();
      controller.back();
    }
  });
  // Clear a field's error as soon as the user edits it.
  const clearOnEdit = (event) => {
    const field = event.target;
    if (field.matches?.(CONTROLS) && field.getAttribute("aria-invalid") === "true") clearFieldError(field);
  };
  root.addEventListener("input", clearOnEdit);
  root.addEventListener("change", clearOnEdit);

  if (form) {
    form.noValidate = true; // we show our own messages
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (root.dataset.animating) {
        // A Submit tapped while the last pane is still sliding in is kept, not lost: it runs
        // once the slide ends. (A second Next mid-slide is still ignored, so it never skips.)
        const submitter = event.submitter && form.contains(event.submitter) ? event.submitter : undefined;
        if (index === panes.length - 1 && busy) busy.then(() => form.requestSubmit(submitter));
        return;
      }
      if (index < panes.length - 1) {
        // Enter in a field of an earlier pane means "Next".
        controller.next();
        return;
      }
      if (!validatePane(panes[index])) return;
      const formData = new FormData(form, event.submitter || undefined);
      const values = {};
      formData.forEach((value, key) => {
        if (key in values) values[key] = [].concat(values[key], value);
        else values[key] = value;
      });
      root.dispatchEvent(
        new CustomEvent("steps:submit", { bubbles: true, cancelable: true, detail: { formData, values } })
      );
    });
  }

  root.plSteps = controller;
  root.dataset.stepsReady = "true";
  return controller;
}
