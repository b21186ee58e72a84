// Feedback for a completed session: 1–5 stars and an optional comment, validated through the kit
// (the star row shakes when no star is picked). What the learner typed survives a card redraw.
import { kitReady } from "../../../peerlearn_core/js/ready.js";
import { escapeHtml, plural } from "../../../peerlearn_core/js/format.js";
import { busyAttrs, busyLabel } from "../../../peerlearn_core/js/kit/busy.js";

const kit = await kitReady();

/** The form (or the thank-you line once sent); `draft` {rating, comment} typed so far. */
export function feedbackBlock(b, draft, sending) {
  if (b.session.status !== "completed") return "";
  if (b.has_feedback) {
    return `<p class="mt-4 flex items-center gap-2 rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-inset ring-slate-200" data-testid="feedback-done-${b.id}"><span class="text-amber-400" aria-hidden="true">★</span>Thanks for your feedback.</p>`;
  }
  const { rating, comment } = draft || { rating: 0, comment: "" };
  const stars = [1, 2, 3, 4, 5]
    .map(
      (n) => `
      <label class="relative cursor-pointer rounded-md px-0.5 text-2xl leading-none text-slate-300 transition-colors data-[on=true]:text-amber-400 has-focus-visible:outline-2 has-focus-visible:outline-offset-1 has-focus-visible:outline-indigo-600" data-star="${n}" data-on="${n <= rating}">
        <input type="radio" name="rating" value="${n}" class="absolute inset-0 m-0 h-full w-full cursor-pointer appearance-none opacity-0" data-testid="rate-${b.id}-${n}" aria-label="${plural(n, "star")}" ${n === rating ? "checked" : ""}>
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
          class="block w-full rounded-lg border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus:outline-none">${escapeHtml(comment)}</textarea>
      </div>
      <div class="flex justify-end">
        <button type="submit" data-testid="rate-submit-${b.id}" ${busyAttrs(sending)}
          class="inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm transition hover:bg-indigo-700 disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">${
            sending ? busyLabel("Sending…") : "Send feedback"
          }</button>
      </div>
    </form>`;
}

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

/**
 * Wire the feedback forms inside `root`. `ctx`: {bookingOf(el), drafts, run, bump, renderCard}
 * from the bookings page.
 */
export function wireFeedback(root, ctx) {
  const draftOf = (id) => ctx.drafts.get(id) || { rating: 0, comment: "" };

  async function send(b, form) {
    if (!kit.validatePane(form)) return;
    const rating = Number(form.querySelector('input[name="rating"]:checked').value);
    const comment = form.querySelector("textarea").value.trim();
    ctx.drafts.set(b.id, { rating, comment });
    const result = await ctx.run(b, "feedback", () =>
      kit.api(`/api/bookings/${b.id}/feedback/`, { method: "POST", body: { rating, comment } })
    );
    if (!result) return;
    ctx.bump();
    b.has_feedback = true;
    ctx.drafts.delete(b.id);
    kit.animate(ctx.renderCard(b), "pl-flash-green");
    kit.toast(`Thanks for rating “${b.session.title}” · ${plural(rating, "star")}`, { kind: "success" });
  }

  root.addEventListener("change", (event) => {
    const radio = event.target.closest?.('[data-rate-form] input[name="rating"]');
    if (!radio) return;
    const form = radio.closest("form");
    const b = ctx.bookingOf(form);
    const value = Number(radio.value);
    paintStars(form, value);
    clearStarError(form);
    if (b) ctx.drafts.set(b.id, { ...draftOf(b.id), rating: value });
  });

  root.addEventListener("input", (event) => {
    const area = event.target.closest?.("[data-rate-form] textarea");
    const b = area && ctx.bookingOf(area);
    if (b) ctx.drafts.set(b.id, { ...draftOf(b.id), comment: area.value });
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
    const b = ctx.bookingOf(form);
    if (b) send(b, form);
  });
}
