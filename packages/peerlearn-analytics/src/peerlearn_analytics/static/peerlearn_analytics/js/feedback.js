// What the analytics views share to show feedback (the Sessions drill-down and the session
// report): counted nouns, a five-star meter and the comment list.
import { plural } from "../../peerlearn_core/js/format.js";
import { escapeHtml } from "../../peerlearn_core/js/ready.js";

export { plural };

/** Five stars filled to `rating`, fractions included (4.5 fills four and a half). */
export function stars(rating) {
  const percent = Math.max(0, Math.min(5, Number(rating) || 0)) * 20;
  return `<span class="relative inline-block whitespace-nowrap leading-none" aria-hidden="true"><span class="text-slate-300">★★★★★</span><span class="absolute inset-y-0 left-0 overflow-hidden whitespace-nowrap text-amber-500" data-css="width:${percent}%">★★★★★</span></span>`;
}

/** The API's comments ([{learner: {name}, rating, comment}], newest first) as <li> items. */
export function commentItems(comments) {
  return comments
    .map(
      (c) => `<li class="rounded-xl bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200">
        <p class="break-words whitespace-pre-line text-sm text-slate-700">${escapeHtml(c.comment)}</p>
        <p class="mt-1 flex items-center gap-1.5 text-xs text-slate-500">${c.rating ? `<span class="sr-only">${Number(c.rating)} out of 5</span>${stars(c.rating)}` : ""}<span>${escapeHtml(c.learner?.name || "")}</span></p>
      </li>`
    )
    .join("");
}
