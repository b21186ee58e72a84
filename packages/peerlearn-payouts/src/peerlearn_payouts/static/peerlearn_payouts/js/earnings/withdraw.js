// "Withdraw via Razorpay": the kit steps modal (Amount → UPI ID → Review). Each pane is checked on
// Next against the balance and the server's rules (rules.js); Request POSTs
// /api/payouts/razorpay/ with one Idempotency-Key per opening, shows the kit busy state, and the
// answer becomes the payout's one toast and a new history row. Server errors go back onto their
// fields through the kit's showServerErrors.
import { formatPaise, paiseToRupees } from "../../../peerlearn_core/js/format.js";
import { amountError, newIdempotencyKey, parseAmount, upiError } from "./rules.js";

export function withdrawForm(kit, modal, { rules, balance, history, toasts, onSettled }) {
  const form = modal.querySelector("[data-withdraw-form]");
  const steps = kit.initSteps(form); // the kit wired it at boot; this returns that controller
  const amountInput = form.querySelector("#wd-amount");
  const upiInput = form.querySelector("#wd-upi");
  const submitButton = form.querySelector("[data-wd-submit]");
  const closeButtons = Array.from(modal.querySelectorAll("[data-modal-close]"));
  const availableEls = Array.from(modal.querySelectorAll("[data-wd-available]"));
  const review = {
    amount: form.querySelector('[data-wd-review="amount"]'),
    upi: form.querySelector('[data-wd-review="upi_id"]'),
  };
  const FIELDS = { amount: amountInput, upi_id: upiInput };
  const self = { submitting: false };
  let idempotencyKey = null;
  // A 400/409 answer stays on its field until that field changes: field → the value refused.
  let refused = {};

  const stillRefused = (field, input) =>
    refused[field] && refused[field].value === input.value ? { field: input, message: refused[field].message } : null;

  kit.registerValidator("wd-amount", (pane, field) => {
    const input = field || amountInput;
    const parsed = parseAmount(input.value);
    const message = parsed.error || amountError(parsed.paise, balance.available(), rules);
    return message ? { field: input, message } : stillRefused("amount", input);
  });

  kit.registerValidator("wd-upi", (pane, field) => {
    const input = field || upiInput;
    const trimmed = input.value.trim();
    if (trimmed !== input.value) input.value = trimmed;
    const message = upiError(trimmed, rules);
    return message ? { field: input, message } : stillRefused("upi_id", input);
  });

  function syncReview() {
    const parsed = parseAmount(amountInput.value);
    review.amount.textContent = parsed.error ? "—" : formatPaise(parsed.paise);
    review.upi.textContent = upiInput.value.trim() || "—";
    review.upi.title = upiInput.value.trim();
  }

  form.addEventListener("input", (event) => {
    if (event.target === amountInput) delete refused.amount;
    if (event.target === upiInput) delete refused.upi_id;
    syncReview();
  });

  form.querySelector("[data-wd-max]").addEventListener("click", () => {
    const available = balance.available();
    if (available === null) return;
    amountInput.value = paiseToRupees(Math.max(0, available));
    // The kit clears a field's shown error on `input`; keep typing focus in the field.
    amountInput.dispatchEvent(new Event("input", { bubbles: true }));
    amountInput.focus();
  });

  function open() {
    const available = balance.available();
    if (!available || available <= 0) return;
    if (!self.submitting) {
      steps.reset();
      refused = {};
      idempotencyKey = newIdempotencyKey();
      form.dataset.idempotencyKey = idempotencyKey;
      upiInput.value = history.lastUpi;
      syncReview();
    }
    availableEls.forEach((el) => {
      el.textContent = formatPaise(available);
    });
    kit.openModal(modal).then(() => {
      if (modal.dataset.open === "true" && steps.index === 0 && !self.submitting) {
        amountInput.focus({ preventScroll: true });
      }
    });
  }

  balance.openButton.addEventListener("click", open);

  function setSubmitting(on) {
    self.submitting = on;
    if (on) {
      kit.startBusy(submitButton, "Requesting…");
      submitButton.querySelector(".pl-spinner")?.setAttribute("data-testid", "wd-spinner");
    } else {
      kit.endBusy(submitButton);
    }
    for (const button of [...form.querySelectorAll("[data-steps-back]"), ...closeButtons]) button.disabled = on;
    // No Escape / backdrop close while the request runs: its answer belongs in this modal.
    if (on) modal.dataset.dismissible = "false";
    else delete modal.dataset.dismissible;
  }

  /** Put a 400/409 answer on its field (the kit moves to its pane and shakes it). */
  async function showRefusal(err, { toast }) {
    const data = err?.data && typeof err.data === "object" ? err.data : {};
    for (const field of Object.keys(FIELDS)) {
      const message = [].concat(data[field] || [])[0];
      if (message) refused[field] = { value: FIELDS[field].value, message: String(message) };
    }
    return kit.showServerErrors(err, FIELDS, { steps, toast });
  }

  async function handleError(err) {
    const status = err?.status;
    if (status === 409) {
      // The balance changed under us (another tab, a reversal…): show the new one.
      await balance.load({ quiet: true });
      if (err.data && !err.data.amount) err.data.amount = [err.data.detail || "Your balance changed. Check the amount and try again."];
      await showRefusal(err, { toast: true });
      return;
    }
    if (status === 400 && (await showRefusal(err, { toast: false }))) return;
    if (status === 0) {
      kit.toast("Network error. Try again — the same request can’t create a second payout.", {
        kind: "error",
        title: "Not sent",
      });
      return;
    }
    kit.toast(err?.message || "Something went wrong. Please try again.", { kind: "error" });
  }

  async function submit() {
    if (self.submitting) return;
    // Belt and braces: the panes were validated on Next, but a value may have changed since.
    for (const i of [0, 1]) {
      if (!kit.validatePane(steps.panes[i])) {
        await steps.goTo(i);
        kit.validatePane(steps.panes[i]);
        return;
      }
    }
    const upiId = upiInput.value.trim();
    let unsure = false; // no answer: a payout may exist, so catch up with the server after
    setSubmitting(true);
    try {
      const payout = await kit.api("/api/payouts/razorpay/", {
        method: "POST",
        body: { amount: paiseToRupees(parseAmount(amountInput.value).paise), upi_id: upiId },
        headers: { "Idempotency-Key": idempotencyKey },
        quiet: true,
      });
      history.lastUpi = upiId;
      setSubmitting(false);
      kit.closeModal(modal);
      toasts.show(payout);
      if (history.loaded) {
        history.bump(); // a list fetched before this payout existed must not drop its row
        history.upsert(payout, 0, { animateNew: true });
        history.sync();
      }
      await balance.load({ quiet: true });
      if (!history.loaded) history.load({ quiet: true });
    } catch (err) {
      setSubmitting(false);
      unsure = err?.status === 0;
      await handleError(err);
    } finally {
      if (self.submitting) setSubmitting(false);
      onSettled({ refresh: unsure });
    }
  }

  form.addEventListener("steps:submit", (event) => {
    event.preventDefault();
    submit();
  });

  return self;
}
