// Where the toast stack sits: top-right on larger screens, bottom-centred and compact on phones
// (<640 px). It never covers the controls of an open modal or slide-over (it moves beside the
// panel, or above/below its buttons), nor elements marked [data-toast-avoid] (the page header,
// the dashboard tabs, the call controls). toast.js calls place() whenever the stack changes;
// layers opening or closing, resizes and scrolls re-place it here.

import { topLayer } from "./modal.js";

const PHONE = 640; // px, Tailwind's sm breakpoint
const GAP = 12; // px between the stack and what it avoids or the viewport edge
const DESKTOP_WIDTH = 384; // w-96
const MIN_WIDTH = 280;

const liveToasts = (root) => root.querySelectorAll(':scope > .pl-toast:not([data-state="leaving"])');

// ------------------------------------------------------------------ placement

const CONTROLS = "button, a[href], input, select, textarea, [role='button'], [tabindex]:not([tabindex='-1'])";

function visibleRect(el) {
  if (el.closest("[hidden], [inert]")) return null;
  const r = el.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return null;
  const cs = getComputedStyle(el);
  if (cs.visibility === "hidden" || cs.display === "none") return null;
  return r;
}

/** A panel's rect where its open transition (slide / lift) will settle: minus its translation. */
function settledShift(panel) {
  const transform = getComputedStyle(panel).transform;
  if (!transform || transform === "none") return { dx: 0, dy: 0 };
  const m = new DOMMatrixReadOnly(transform);
  return { dx: -m.e, dy: -m.f };
}

const shifted = (r, { dx, dy }) => ({
  left: r.left + dx,
  right: r.right + dx,
  top: r.top + dy,
  bottom: r.bottom + dy,
});

/**
 * What the stack must not cover: the top layer's controls, else [data-toast-avoid] elements
 * ([data-toast-avoid="phone"]: only below 640 px, e.g. tabs that scroll with the page).
 */
function obstacles(buttonsOnly = false) {
  const layer = topLayer();
  if (layer) {
    const panel = layer.querySelector("[data-layer-panel]") || layer;
    const shift = settledShift(panel);
    const controls = Array.from(panel.querySelectorAll(buttonsOnly ? "button" : CONTROLS));
    const rects = controls.map(visibleRect).filter(Boolean).map((r) => shifted(r, shift));
    const p = panel.getBoundingClientRect();
    return { rects, panel: shifted(p, shift) };
  }
  const phone = (document.documentElement.clientWidth || window.innerWidth) < PHONE;
  const avoid = phone ? "[data-toast-avoid]" : "[data-toast-avoid]:not([data-toast-avoid='phone'])";
  const rects = Array.from(document.querySelectorAll(avoid)).map(visibleRect).filter(Boolean);
  return { rects, panel: null };
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * Slide a box of height h within [x0, x1] vertically, from the top or bottom edge, until it clears
 * every rect (or give up: null). With `stay`, only the edge position itself is tried.
 */
function scan(rects, x0, x1, h, vh, fromBottom, stay = false) {
  let edge = fromBottom ? vh - GAP : GAP;
  for (let i = 0; i <= (stay ? 0 : rects.length); i += 1) {
    const box = fromBottom
      ? { left: x0, right: x1, top: edge - h, bottom: edge }
      : { left: x0, right: x1, top: edge, bottom: edge + h };
    if (box.top < GAP - 0.5 || box.bottom > vh - GAP + 0.5) return null;
    const hits = rects.filter((r) => overlaps(box, r));
    if (!hits.length) return fromBottom ? { bottom: vh - edge } : { top: edge };
    edge = fromBottom ? Math.min(...hits.map((r) => r.top)) - GAP : Math.max(...hits.map((r) => r.bottom)) + GAP;
  }
  return null;
}

function candidates(vw, panel) {
  if (vw < PHONE) {
    const width = Math.min(vw - 2 * GAP, 400);
    const left = (vw - width) / 2;
    return [
      { left, width, fromBottom: true },
      { left, width, fromBottom: false },
    ];
  }
  const width = Math.min(DESKTOP_WIDTH, vw - 2 * GAP);
  const list = [{ left: vw - GAP - width, width, fromBottom: false, stay: Boolean(panel) }];
  if (panel) {
    // Beside the open panel: to its left (a slide-over), or to its right (a centred modal).
    const leftRoom = panel.left - 2 * GAP;
    if (leftRoom >= MIN_WIDTH) {
      const w = Math.min(width, leftRoom);
      list.push({ left: panel.left - GAP - w, width: w, fromBottom: false });
    }
    const rightRoom = vw - panel.right - 2 * GAP;
    if (rightRoom >= MIN_WIDTH) list.push({ left: panel.right + GAP, width: Math.min(width, rightRoom), fromBottom: false });
    list.push({ left: vw - GAP - width, width, fromBottom: false }); // over the panel, between its controls
  }
  list.push({ left: vw - GAP - width, width, fromBottom: true });
  return list;
}

let placing = 0;
/** Put the stack `root` where it covers nothing it must not. */
export function place(root) {
  const live = liveToasts(root);
  if (!live.length) {
    root.removeAttribute("style");
    delete root.dataset.placement;
    return;
  }
  const vw = document.documentElement.clientWidth || window.innerWidth;
  const vh = window.innerHeight;
  const phone = vw < PHONE;
  root.dataset.compact = String(phone);
  const options = candidates(vw, null);
  root.style.width = `${options[0].width}px`;
  root.style.maxHeight = `${vh - 2 * GAP}px`;
  const h = root.scrollHeight;

  let chosen = null;
  for (const buttonsOnly of [false, true]) {
    const { rects, panel } = obstacles(buttonsOnly);
    for (const c of candidates(vw, panel)) {
      const spot = scan(rects, c.left, c.left + c.width, Math.min(h, vh - 2 * GAP), vh, c.fromBottom, c.stay);
      if (spot) {
        chosen = { ...c, ...spot };
        break;
      }
    }
    if (chosen) break;
  }
  if (!chosen) {
    // Nothing clears everything (a screen full of controls): the default corner, compact.
    const c = candidates(vw, null)[0];
    chosen = { ...c, ...(c.fromBottom ? { bottom: GAP } : { top: GAP }) };
    root.dataset.compact = "true";
  }
  Object.assign(root.style, {
    left: `${chosen.left}px`,
    width: `${chosen.width}px`,
    right: "auto",
    top: chosen.top === undefined ? "auto" : `${chosen.top}px`,
    bottom: chosen.bottom === undefined ? "auto" : `${chosen.bottom}px`,
  });
  root.dataset.placement = chosen.fromBottom ? "bottom" : "top";
  // The room left between the chosen edge and the far side of the viewport (an expanded stack
  // scrolls inside it).
  const room = chosen.top === undefined ? vh - chosen.bottom - GAP : vh - chosen.top - GAP;
  root.style.maxHeight = `${Math.max(room, 120)}px`;
}

/** Re-place the stack when layers open or close, the window resizes or something scrolls. */
function schedulePlace() {
  if (placing) return;
  placing = requestAnimationFrame(() => {
    placing = 0;
    const root = document.getElementById("pl-toasts");
    if (root && root.querySelector(".pl-toast")) place(root);
  });
}

if (typeof document !== "undefined") {
  for (const type of ["modal:open", "modal:close", "slide-over:open", "slide-over:close"]) {
    document.addEventListener(type, () => {
      const root = document.getElementById("pl-toasts");
      if (root && root.querySelector(".pl-toast")) place(root); // at once, before the next click
      schedulePlace(); // and once the layer has rendered
    });
  }
  window.addEventListener("resize", schedulePlace);
  document.addEventListener("scroll", schedulePlace, { capture: true, passive: true });
}
