// Modals (fade 250 ms, optional full-screen variant) and the layer machinery slide-overs share:
// open state as data-open + aria-hidden, a stack so Escape closes only the top layer, backdrop
// clicks, focus moved into the layer (first focusable) and back to the opener, Tab kept inside,
// page scroll locked while any layer is open.

import { resolveEl, transitionDone } from "./motion.js";

const FOCUSABLE = [
  "a[href]",
  "area[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type='hidden'])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "iframe",
  "[contenteditable='true']",
  "[tabindex]:not([tabindex='-1'])",
].join(",");

const stack = []; // open layer roots, topmost last
const openers = new WeakMap(); // root -> element focused before opening

function isShown(el) {
  if (el.closest("[hidden], [inert]")) return false;
  if (el.closest('[aria-hidden="true"]') && !el.closest('[data-open="true"]')) return false;
  const cs = getComputedStyle(el);
  return cs.visibility !== "hidden" && cs.display !== "none" && el.getClientRects().length > 0;
}

export function focusableIn(root) {
  return Array.from(root.querySelectorAll(FOCUSABLE)).filter(isShown);
}

function panelOf(root) {
  return root.querySelector("[data-layer-panel]") || root;
}

function focusFirst(root, retry = true) {
  if (retry && getComputedStyle(root).visibility === "hidden") {
    // Not shown yet (a transition about to start): try again once the frame has rendered.
    requestAnimationFrame(() => root.dataset.open === "true" && focusFirst(root, false));
    return;
  }
  const panel = panelOf(root);
  const preferred = panel.querySelector("[autofocus]");
  const items = focusableIn(panel);
  const target = (preferred && items.includes(preferred) && preferred) || items[0] || panel;
  if (target === panel && !panel.hasAttribute("tabindex")) panel.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}

/** The open layer on top (modal or slide-over root), or null. */
export function topLayer() {
  return stack[stack.length - 1] || null;
}

function syncScrollLock() {
  document.documentElement.classList.toggle("pl-scroll-lock", stack.length > 0);
}

/** Open a layer root (modal or slide-over). Returns a Promise resolved when the transition ends. */
export function openLayer(root, kind) {
  if (!root) return Promise.resolve(null);
  if (root.dataset.open === "true") return Promise.resolve(root);
  const active = document.activeElement;
  if (active && active !== document.body && !root.contains(active)) openers.set(root, active);
  const index = stack.indexOf(root);
  if (index !== -1) stack.splice(index, 1);
  stack.push(root);
  root.dataset.open = "true";
  root.setAttribute("aria-hidden", "false");
  root.removeAttribute("inert");
  syncScrollLock();
  // visibility flips to visible at once (no delay on open), so the panel can take focus now.
  focusFirst(root);
  root.dispatchEvent(new CustomEvent(`${kind}:open`, { bubbles: true }));
  return transitionDone(root, "opacity");
}

/** Close a layer root. Returns a Promise resolved when its exit transition has finished. */
export function closeLayer(root, kind) {
  if (!root || root.dataset.open !== "true") return Promise.resolve(root);
  const index = stack.indexOf(root);
  if (index !== -1) stack.splice(index, 1);
  root.dataset.open = "false";
  root.setAttribute("aria-hidden", "true");
  root.setAttribute("inert", "");
  syncScrollLock();
  const opener = openers.get(root);
  openers.delete(root);
  if (root.contains(document.activeElement)) {
    if (opener && opener.isConnected && isShown(opener)) opener.focus({ preventScroll: true });
    else if (stack.length) focusFirst(stack[stack.length - 1]);
    else document.activeElement.blur();
  }
  root.dispatchEvent(new CustomEvent(`${kind}:close`, { bubbles: true }));
  return transitionDone(root, "opacity");
}

function kindOf(root) {
  return root.hasAttribute("data-slide-over") || root.classList.contains("pl-slide-over") ? "slide-over" : "modal";
}

/** Close whichever layer is on top (used by Escape). */
export function closeTopLayer() {
  const top = stack[stack.length - 1];
  if (!top) return null;
  closeLayer(top, kindOf(top));
  return top;
}

let wired = false;
/** Document-level listeners for every layer: Escape, Tab wrapping, backdrop clicks. */
export function wireLayers() {
  if (wired) return;
  wired = true;
  document.addEventListener("keydown", (event) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (event.key === "Escape" && !event.defaultPrevented) {
      if (top.dataset.dismissible === "false") return;
      event.preventDefault();
      closeLayer(top, kindOf(top));
      return;
    }
    if (event.key !== "Tab") return;
    const items = focusableIn(panelOf(top));
    if (!items.length) {
      event.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const current = document.activeElement;
    if (!panelOf(top).contains(current)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    } else if (event.shiftKey && current === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && current === last) {
      event.preventDefault();
      first.focus();
    }
  });
  // A click closes the layer only when it both started and ended outside the panel, so a text
  // selection dragged out of the panel does not close it.
  let downOutside = null;
  document.addEventListener("mousedown", (event) => {
    const root = event.target.closest?.('[data-open="true"]');
    downOutside = root && !event.target.closest("[data-layer-panel]") ? root : null;
  });
  document.addEventListener("click", (event) => {
    const root = event.target.closest?.('[data-open="true"]');
    if (!root || !stack.includes(root)) return;
    if (event.target.closest("[data-layer-panel]")) return;
    if (downOutside && downOutside !== root) return;
    if (root.dataset.dismissible === "false") return;
    closeLayer(root, kindOf(root));
  });
}

function modalRoot(target) {
  const el = resolveEl(target);
  return el ? el.closest(".pl-modal, [data-modal]") || el : null;
}

/** Open the modal with this id (or element). Resolves when the 250 ms fade has finished. */
export function openModal(idOrEl) {
  wireLayers();
  return openLayer(modalRoot(idOrEl), "modal");
}

/** Close the modal with this id (or element, or any element inside it). */
export function closeModal(idOrEl) {
  return closeLayer(modalRoot(idOrEl), "modal");
}

export function isOpen(idOrEl) {
  const el = resolveEl(idOrEl);
  return Boolean(el && el.dataset.open === "true");
}
