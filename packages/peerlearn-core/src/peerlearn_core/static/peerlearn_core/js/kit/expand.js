// Expand/collapse to the content's natural height in 200 ms.
//
// Markup: a trigger <button data-expand-toggle="region-id" aria-controls="region-id"
// aria-expanded="false"> (optionally holding an arrow with class pl-expand-arrow) and a region
// <div id="region-id" class="pl-expand" data-expanded="false" data-state="collapsed">.
// Expanding measures scrollHeight, animates height 0 -> that, then sets height:auto so the
// content can grow later. Collapsing pins the current height and animates to 0.

import { reflow, resolveEl, transitionDone } from "./motion.js";

/** The region a trigger controls: data-expand-toggle="id", aria-controls, or next .pl-expand. */
export function expandRegion(trigger) {
  const id = trigger.getAttribute("data-expand-toggle") || trigger.getAttribute("aria-controls");
  if (id) return document.getElementById(id);
  const group = trigger.closest("[data-expand-group]");
  if (group) return group.querySelector(".pl-expand, [data-expand]");
  let next = trigger.nextElementSibling;
  while (next && !next.matches(".pl-expand, [data-expand]")) next = next.nextElementSibling;
  return next;
}

function triggersFor(region) {
  if (!region.id) return [];
  return Array.from(
    document.querySelectorAll(
      `[data-expand-toggle="${CSS.escape(region.id)}"], [aria-controls="${CSS.escape(region.id)}"][data-expand-toggle]`
    )
  );
}

/**
 * Toggle (or force) the region controlled by `trigger`.
 * @param {Element|string} trigger the button (or its id)
 * @param {boolean} [force] true = expand, false = collapse
 * @returns {Promise<boolean>} the new expanded state, after the 200 ms animation
 */
export async function toggleExpand(trigger, force) {
  const button = resolveEl(trigger);
  if (!button) return false;
  const region = expandRegion(button);
  if (!region) return false;
  const expanded = region.dataset.expanded === "true";
  const want = force === undefined ? !expanded : Boolean(force);
  if (want === expanded) return want;

  const buttons = new Set([button, ...triggersFor(region)]);
  buttons.forEach((b) => {
    b.setAttribute("aria-expanded", String(want));
    if (region.id && !b.hasAttribute("aria-controls")) b.setAttribute("aria-controls", region.id);
  });
  region.dataset.expanded = String(want);
  const token = {};
  region._plExpandToken = token;

  // Start from the height currently on screen (handles a toggle in the middle of an animation).
  const from = region.getBoundingClientRect().height;
  region.style.height = `${from}px`;
  region.dataset.state = want ? "expanding" : "collapsing";
  reflow(region);
  region.style.height = want ? `${region.scrollHeight}px` : "0px";
  region.dispatchEvent(new CustomEvent(want ? "expand:open" : "expand:close", { bubbles: true }));

  await transitionDone(region, "height");
  if (region._plExpandToken !== token) return want; // superseded by a newer toggle
  region.dataset.state = want ? "expanded" : "collapsed";
  region.style.height = want ? "auto" : "";
  return want;
}

/** Put regions that start expanded (data-expanded="true") into their resting state. */
export function initExpand(scope = document) {
  scope.querySelectorAll(".pl-expand, [data-expand]").forEach((region) => {
    if (region.dataset.state) return;
    const open = region.dataset.expanded === "true";
    region.dataset.state = open ? "expanded" : "collapsed";
    region.dataset.expanded = String(open);
    if (open) region.style.height = "auto";
  });
}
