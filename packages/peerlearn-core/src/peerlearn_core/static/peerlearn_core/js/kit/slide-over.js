// Slide-over panels: the panel slides in from the right in 300 ms over a backdrop.
// Same layer behaviour as modals (data-open, aria-hidden, Escape, backdrop click, focus).

import { closeLayer, openLayer, wireLayers } from "./modal.js";
import { resolveEl, transitionDone } from "./motion.js";

function slideOverRoot(target) {
  const el = resolveEl(target);
  return el ? el.closest(".pl-slide-over, [data-slide-over]") || el : null;
}

function panelTransition(root) {
  const panel = root.querySelector(".pl-slide-over-panel") || root;
  return transitionDone(panel, "transform").then(() => root);
}

/** Open the slide-over with this id (or element). Resolves when the panel is in place. */
export function openSlideOver(idOrEl) {
  wireLayers();
  const root = slideOverRoot(idOrEl);
  if (!root || root.dataset.open === "true") return Promise.resolve(root);
  openLayer(root, "slide-over");
  return panelTransition(root);
}

/** Close the slide-over with this id (or element, or any element inside it). */
export function closeSlideOver(idOrEl) {
  const root = slideOverRoot(idOrEl);
  if (!root || root.dataset.open !== "true") return Promise.resolve(root);
  closeLayer(root, "slide-over");
  return panelTransition(root);
}
