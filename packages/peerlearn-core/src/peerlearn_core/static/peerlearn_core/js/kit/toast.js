// Toasts: a stack, newest on top. Each toast slides in, auto-dismisses after 4 s, pauses while
// hovered (or focused) and resumes with the time it had left. Error toasts shake.
//
// At most three toasts show; older ones fold into one "+N more" chip that expands the stack.
// A toast with a `key` is updated in place by the next toast with that key (message, title, kind,
// timer), moves to the top and flashes, instead of stacking a near-copy.
// Where the stack sits: top-right on larger screens, bottom-centred and compact on phones
// (<640 px). It never covers the controls of an open modal or slide-over (it moves beside the
// panel, or above/below its buttons), nor elements marked [data-toast-avoid] (the page header,
// the dashboard tabs, the call controls).

import { animate, nextFrame, transitionDone } from "./motion.js";
import { icon } from "./icon.js";
import { topLayer } from "./modal.js";

export const TOAST_DURATION = 4000;
export const MAX_VISIBLE = 3;
const MAX_TOASTS = 20; // beyond this the oldest is dismissed, chip or not
const PHONE = 640; // px, Tailwind's sm breakpoint
const GAP = 12; // px between the stack and what it avoids or the viewport edge
const DESKTOP_WIDTH = 384; // w-96
const MIN_WIDTH = 280;

const KINDS = {
  success: {
    card: "border-emerald-200",
    icon: "bg-emerald-100 text-emerald-700",
    bar: "bg-emerald-500",
    path: "M5 13l4 4L19 7",
  },
  info: {
    card: "border-indigo-200",
    icon: "bg-indigo-100 text-indigo-700",
    bar: "bg-indigo-500",
    path: "M12 16v-4m0-4h.01",
  },
  error: {
    card: "border-rose-200",
    icon: "bg-rose-100 text-rose-700",
    bar: "bg-rose-500",
    path: "M12 8v4m0 4h.01",
  },
};

const state = new WeakMap(); // toast element -> { key, duration, restart(), stop() }

/** The stack root; base.html includes it, but pages without the partial still get one. */
export function toastContainer() {
  let root = document.getElementById("pl-toasts");
  if (!root) {
    root = document.createElement("div");
    root.id = "pl-toasts";
    root.className = "pl-toasts";
    root.setAttribute("aria-live", "polite");
    root.setAttribute("aria-relevant", "additions");
    root.dataset.testid = "toasts";
    document.body.appendChild(root);
  }
  return root;
}

const liveToasts = (root = toastContainer()) =>
  Array.from(root.querySelectorAll(':scope > .pl-toast:not([data-state="leaving"])'));

function findByKey(key) {
  if (key === undefined || key === null || key === "") return null;
  return liveToasts().find((el) => state.get(el)?.key === String(key)) || null;
}

/** Fill (or refill) a toast's kind colours, icon, title, message and progress bar. */
function render(el, { kind, title, message, duration }) {
  const style = KINDS[kind];
  const old = KINDS[el.dataset.kind];
  if (old) el.classList.remove(...old.card.split(" "));
  el.classList.add(...style.card.split(" "));
  el.dataset.kind = kind;
  el.setAttribute("role", kind === "error" ? "alert" : "status");

  const badge = el.querySelector(".pl-toast-icon");
  badge.className = `pl-toast-icon mt-0.5 inline-flex h-6 w-6 shrink-0 items-center justify-center rounded-full ${style.icon}`;
  badge.replaceChildren(icon(style.path, { strokeWidth: 2.5 }));

  const text = el.querySelector(".pl-toast-text");
  const heading = title === undefined || title === null ? "" : String(title);
  const h = document.createElement("p");
  h.className = "pl-toast-title font-semibold text-slate-900";
  h.textContent = heading;
  const body = document.createElement("p");
  body.className = `pl-toast-message break-words ${heading ? "mt-0.5 text-slate-600" : "text-slate-800"}`;
  body.textContent = message == null ? "" : String(message);
  text.replaceChildren(...(heading ? [h, body] : [body]));

  el.querySelector(".pl-toast-progress")?.remove();
  if (Number.isFinite(duration) && duration > 0) {
    const bar = document.createElement("span");
    bar.className = `pl-toast-progress absolute inset-x-0 bottom-0 h-0.5 origin-left ${style.bar}`;
    bar.style.animationDuration = `${duration}ms`;
    bar.setAttribute("aria-hidden", "true");
    el.appendChild(bar);
  }
}

function build() {
  const el = document.createElement("div");
  el.className =
    "pl-toast pointer-events-auto relative flex w-full items-start gap-3 overflow-hidden rounded-xl border bg-white p-4 pr-10 text-sm text-slate-700 shadow-lg ring-1 ring-slate-900/5";
  el.dataset.state = "entering";
  el.setAttribute("aria-atomic", "true");

  const badge = document.createElement("span");
  badge.className = "pl-toast-icon";
  const text = document.createElement("div");
  text.className = "pl-toast-text min-w-0 flex-1";

  const close = document.createElement("button");
  close.type = "button";
  close.className =
    "pl-toast-close absolute right-2 top-2 inline-flex h-7 w-7 items-center justify-center rounded-lg text-slate-400 hover:bg-slate-100 hover:text-slate-600 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600";
  close.setAttribute("aria-label", "Dismiss notification");
  close.setAttribute("data-toast-close", "");
  close.appendChild(icon("M6 6l12 12M18 6L6 18", { strokeWidth: 2.5 }));
  close.addEventListener("click", () => dismissToast(el));

  el.append(badge, text, close);
  return el;
}

/** The auto-dismiss timer with pause on hover/focus; `restart(duration)` starts it afresh. */
function wireTimer(el, record) {
  let remaining = Infinity;
  let startedAt = 0;
  let timer = null;
  let hovered = false;
  let focused = false;
  const timed = () => Number.isFinite(record.duration) && record.duration > 0;
  const start = () => {
    if (!timed() || timer || el.dataset.state === "leaving") return;
    startedAt = performance.now();
    timer = setTimeout(() => dismissToast(el), remaining);
    delete el.dataset.paused;
  };
  const pause = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    remaining = Math.max(0, remaining - (performance.now() - startedAt));
    el.dataset.paused = "true";
  };
  const sync = () => (hovered || focused ? pause() : start());
  el.addEventListener("mouseenter", () => {
    hovered = true;
    sync();
  });
  el.addEventListener("mouseleave", () => {
    hovered = false;
    sync();
  });
  el.addEventListener("focusin", () => {
    focused = true;
    sync();
  });
  el.addEventListener("focusout", (event) => {
    if (el.contains(event.relatedTarget)) return;
    focused = false;
    sync();
  });
  record.stop = () => {
    clearTimeout(timer);
    timer = null;
  };
  record.restart = () => {
    record.stop();
    remaining = timed() ? record.duration : Infinity;
    if (hovered || focused) el.dataset.paused = "true";
    else start();
  };
}

function normalise(kind) {
  return KINDS[kind] ? kind : "info";
}

/** Refill a live toast, restart its timer, put it on top and flash it (an error shakes). */
function refresh(el, message, { kind, title, duration }) {
  const record = state.get(el);
  const next = {
    kind: normalise(kind ?? el.dataset.kind),
    title: title === undefined ? record.title : title,
    message,
    duration: duration === undefined ? record.duration : duration,
  };
  Object.assign(record, { title: next.title, duration: next.duration });
  render(el, next);
  record.restart();
  const root = toastContainer();
  if (root.firstElementChild !== el) root.prepend(el);
  arrange(root);
  animate(el, next.kind === "error" ? "pl-shake" : "pl-toast-bump");
  return el;
}

/**
 * Show a toast, or update the live one with the same key.
 * @param {string} message
 * @param {{kind?: "success"|"info"|"error", title?: string, duration?: number, key?: string}} [options]
 *   duration in ms (default 4000); 0 or Infinity keeps the toast until closed. With `key`, a live
 *   toast of that key is updated in place (message, title, kind, timer restarted, moved to the
 *   top, brief highlight) and returned; no second toast appears.
 * @returns {HTMLElement} the toast element (class `pl-toast`, `data-kind`, `data-state`, `data-key`)
 */
export function toast(message, { kind = "info", title, duration = TOAST_DURATION, key } = {}) {
  const existing = findByKey(key);
  if (existing) return refresh(existing, message, { kind, title: title ?? null, duration });

  kind = normalise(kind);
  const el = build();
  const record = { key: key == null || key === "" ? null : String(key), title, duration };
  if (record.key) el.dataset.key = record.key;
  state.set(el, record);
  render(el, { kind, title, message, duration });
  wireTimer(el, record);

  const root = toastContainer();
  const live = liveToasts(root);
  if (live.length >= MAX_TOASTS) dismissToast(live[live.length - 1]);
  root.prepend(el); // newest on top
  arrange(root);

  record.restart();
  if (kind === "error") animate(el, "pl-shake");
  nextFrame().then(() => {
    if (el.dataset.state === "entering") el.dataset.state = "open";
  });
  return el;
}

/**
 * Update a live toast in place, found by its key or given as the element.
 * @param {string|HTMLElement} keyOrEl
 * @param {string} message
 * @param {{kind?: "success"|"info"|"error", title?: string, duration?: number}} [options]
 *   what is left out keeps its current value.
 * @returns {HTMLElement|null} the toast, or null when no live toast matches
 */
export function updateToast(keyOrEl, message, options = {}) {
  const el = typeof keyOrEl === "string" ? findByKey(keyOrEl) : keyOrEl;
  if (!el || !state.has(el) || !el.isConnected || el.dataset.state === "leaving") return null;
  return refresh(el, message, options);
}

/** Slide a toast out, collapse its slot, remove it. Resolves when gone. */
export async function dismissToast(el) {
  if (!el || el.dataset.state === "leaving") return;
  state.get(el)?.stop?.();
  const root = el.parentElement;
  if (el.dataset.collapsed === "true") {
    // Folded into the chip: nothing to animate.
    el.dataset.state = "leaving";
    el.remove();
    if (root) arrange(root);
    return;
  }
  el.style.height = `${el.offsetHeight}px`;
  el.dataset.state = "leaving";
  if (root) arrange(root); // a folded toast comes back while this one leaves
  await transitionDone(el, "translate");
  el.classList.add("pl-toast-collapse");
  await transitionDone(el, "height");
  el.remove();
  if (root) arrange(root);
}

// ------------------------------------------------------------------ folding: "+N more"

function moreChip(root) {
  let chip = root.querySelector(":scope > .pl-toast-more");
  if (!chip) {
    chip = document.createElement("button");
    chip.type = "button";
    chip.className =
      "pl-toast-more pointer-events-auto self-center rounded-full bg-slate-900/90 px-3 py-1 text-xs font-semibold text-white shadow-md ring-1 ring-white/10 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";
    chip.dataset.testid = "toast-more";
    chip.addEventListener("click", () => {
      root.dataset.expanded = root.dataset.expanded === "true" ? "false" : "true";
      arrange(root);
    });
  }
  root.appendChild(chip); // always last: below the toasts it stands for
  return chip;
}

/** Fold all but the newest three live toasts into the chip, then place the stack. */
function arrange(root) {
  const live = liveToasts(root);
  const hidden = Math.max(0, live.length - MAX_VISIBLE);
  if (!hidden) root.dataset.expanded = "false";
  const expanded = root.dataset.expanded === "true";
  live.forEach((el, index) => {
    const fold = index >= MAX_VISIBLE && !expanded;
    if (fold) el.dataset.collapsed = "true";
    else delete el.dataset.collapsed;
  });
  if (hidden) {
    const chip = moreChip(root);
    chip.textContent = expanded ? "Show fewer" : `+${hidden} more`;
    chip.setAttribute("aria-expanded", String(expanded));
    chip.setAttribute(
      "aria-label",
      expanded ? "Show only the newest notifications" : `Show ${hidden} more notification${hidden === 1 ? "" : "s"}`
    );
    chip.dataset.count = String(hidden);
  } else {
    root.querySelector(":scope > .pl-toast-more")?.remove();
  }
  place(root);
}

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
function place(root) {
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

export const toastSuccess = (message, options = {}) => toast(message, { ...options, kind: "success" });
export const toastError = (message, options = {}) => toast(message, { ...options, kind: "error" });
export const toastInfo = (message, options = {}) => toast(message, { ...options, kind: "info" });
