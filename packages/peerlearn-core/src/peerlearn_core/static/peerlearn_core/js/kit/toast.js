// Toasts: a top-right stack. Each toast slides in from the right, auto-dismisses after 4 s,
// pauses while hovered (or focused) and resumes with the time it had left. Error toasts shake.

import { animate, nextFrame, transitionDone } from "./motion.js";
import { icon } from "./icon.js";

export const TOAST_DURATION = 4000;
const MAX_TOASTS = 5;

const KINDS = {
  success: {
    title: "",
    card: "border-emerald-200",
    icon: "bg-emerald-100 text-emerald-700",
    bar: "bg-emerald-500",
    path: "M5 13l4 4L19 7",
  },
  info: {
    title: "",
    card: "border-indigo-200",
    icon: "bg-indigo-100 text-indigo-700",
    bar: "bg-indigo-500",
    path: "M12 16v-4m0-4h.01",
  },
  error: {
    title: "",
    card: "border-rose-200",
    icon: "bg-rose-100 text-rose-700",
    bar: "bg-rose-500",
    path: "M12 8v4m0 4h.01",
  },
};

/** The stack root; base.html includes it, but pages without the partial still get one. */
export function toastContainer() {
  let root = document.getElementById("pl-toasts");
  if (!root) {
    root = document.createElement("div");
    root.id = "pl-toasts";
    root.className =
      "pl-toasts pointer-events-none fixed inset-x-0 top-0 z-70 flex flex-col items-stretch gap-2 p-3 sm:left-auto sm:w-96 sm:p-4";
    root.setAttribute("aria-live", "polite");
    root.setAttribute("aria-relevant", "additions");
    document.body.appendChild(root);
  }
  return root;
}


/**
 * Show a toast.
 * @param {string} message
 * @param {{kind?: "success"|"info"|"error", title?: string, duration?: number}} [options]
 *   duration in ms (default 4000); 0 or Infinity keeps the toast until closed.
 * @returns {HTMLElement} the toast element (class `pl-toast`, `data-kind`, `data-state`)
 */
export function toast(message, { kind = "info", title, duration = TOAST_DURATION } = {}) {
  if (!KINDS[kind]) kind = "info";
  const style = KINDS[kind];
  const heading = title === undefined || title === null ? style.title : title;

  const el = document.createElement("div");
  el.className = `pl-toast pointer-events-auto relative flex w-full items-start gap-3 overflow-hidden rounded-xl border bg-white p-4 pr-10 text-sm text-slate-700 shadow-lg ring-1 ring-slate-900/5 ${style.card}`;
  el.dataset.kind = kind;
  el.dataset.state = "entering";
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.setAttribute("aria-atomic", "true");

  const badge = document.createElement("span");
  badge.className = `mt-0.5 inline-flex h-6 w-6 shrink-0 items-center justify-center rounded-full ${style.icon}`;
  badge.appendChild(icon(style.path, { strokeWidth: 2.5 }));

  const text = document.createElement("div");
  text.className = "min-w-0 flex-1";
  if (heading) {
    const h = document.createElement("p");
    h.className = "pl-toast-title font-semibold text-slate-900";
    h.textContent = heading;
    text.appendChild(h);
  }
  const body = document.createElement("p");
  body.className = `pl-toast-message break-words ${heading ? "mt-0.5 text-slate-600" : "text-slate-800"}`;
  body.textContent = message == null ? "" : String(message);
  text.appendChild(body);

  const close = document.createElement("button");
  close.type = "button";
  close.className =
    "pl-toast-close absolute right-2 top-2 inline-flex h-7 w-7 items-center justify-center rounded-lg text-slate-400 hover:bg-slate-100 hover:text-slate-600 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600";
  close.setAttribute("aria-label", "Dismiss notification");
  close.setAttribute("data-toast-close", "");
  close.appendChild(icon("M6 6l12 12M18 6L6 18", { strokeWidth: 2.5 }));

  el.append(badge, text, close);

  const timed = Number.isFinite(duration) && duration > 0;
  if (timed) {
    const bar = document.createElement("span");
    bar.className = `pl-toast-progress absolute inset-x-0 bottom-0 h-0.5 origin-left ${style.bar}`;
    bar.style.animationDuration = `${duration}ms`;
    bar.setAttribute("aria-hidden", "true");
    el.appendChild(bar);
  }

  const root = toastContainer();
  const live = root.querySelectorAll('.pl-toast:not([data-state="leaving"])');
  if (live.length >= MAX_TOASTS) dismissToast(live[0]);
  root.appendChild(el);

  // Timer with pause/resume: `remaining` is what is left when paused.
  let remaining = timed ? duration : Infinity;
  let startedAt = 0;
  let timer = null;
  let hovered = false;
  let focused = false;
  const start = () => {
    if (!timed || timer || el.dataset.state === "leaving") return;
    startedAt = performance.now();
    timer = setTimeout(() => dismissToast(el), remaining);
    delete el.dataset.paused;
  };
  const pause = () => {
    if (!timed || !timer) return;
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
  close.addEventListener("click", () => dismissToast(el));
  el._plToastStop = () => {
    clearTimeout(timer);
    timer = null;
  };

  start();
  if (kind === "error") animate(el, "pl-shake");
  nextFrame().then(() => {
    if (el.dataset.state === "entering") el.dataset.state = "open";
  });
  return el;
}

/** Slide a toast out to the right, collapse its slot, remove it. Resolves when gone. */
export async function dismissToast(el) {
  if (!el || el.dataset.state === "leaving") return;
  if (el._plToastStop) el._plToastStop();
  el.style.height = `${el.offsetHeight}px`;
  el.dataset.state = "leaving";
  await transitionDone(el, "translate");
  el.classList.add("pl-toast-collapse");
  await transitionDone(el, "height");
  el.remove();
}

export const toastSuccess = (message, options = {}) => toast(message, { ...options, kind: "success" });
export const toastError = (message, options = {}) => toast(message, { ...options, kind: "error" });
export const toastInfo = (message, options = {}) => toast(message, { ...options, kind: "info" });
