// Motion helpers shared by the kit: one-shot animation classes, transition waits, reduced motion.
//
// Every animation in the kit is a CSS class or a CSS transition that JS toggles. Nothing here
// waits forever: each wait has a timeout fallback derived from the element's computed timings, so
// `prefers-reduced-motion` (durations near 0) or a hidden element never leaves a promise pending.

const reduceQuery =
  typeof window !== "undefined" && window.matchMedia
    ? window.matchMedia("(prefers-reduced-motion: reduce)")
    : null;

/** True when the user asked the OS/browser for reduced motion. */
export function prefersReducedMotion() {
  return Boolean(reduceQuery && reduceQuery.matches);
}

/** Resolve an element or an id / CSS selector to an element (or null). */
export function resolveEl(target) {
  if (!target) return null;
  if (typeof target !== "string") return target;
  return document.getElementById(target) || document.querySelector(target);
}

function parseTimes(value) {
  return String(value || "0s")
    .split(",")
    .map((part) => {
      const v = part.trim();
      const n = parseFloat(v) || 0;
      return v.endsWith("ms") ? n : n * 1000;
    });
}

function longest(durations, delays) {
  let max = 0;
  durations.forEach((d, i) => {
    const total = d + (delays[i % delays.length] || 0);
    if (total > max) max = total;
  });
  return max;
}

/** Longest animation (duration + delay) in ms currently applied to `el`. */
export function animationTime(el) {
  const cs = getComputedStyle(el);
  return longest(parseTimes(cs.animationDuration), parseTimes(cs.animationDelay));
}

/** Longest transition (duration + delay) in ms currently applied to `el`. */
export function transitionTime(el) {
  const cs = getComputedStyle(el);
  return longest(parseTimes(cs.transitionDuration), parseTimes(cs.transitionDelay));
}

/** Force a style/layout flush so a following class change starts a transition. */
export function reflow(el) {
  // eslint-disable-next-line no-unused-expressions
  el.offsetWidth;
}

/** Resolve after the next paint (two animation frames; falls back to a timer in hidden tabs). */
export function nextFrame() {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    requestAnimationFrame(() => requestAnimationFrame(finish));
    setTimeout(finish, 50);
  });
}

export function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Per element, per class: the cleanup of the animation currently running, so a restart
// (e.g. a badge updated twice quickly) settles the previous promise instead of leaking it.
const running = new WeakMap();

/**
 * Add `className` to `el`, remove it when its animation ends (or after a timeout fallback),
 * and resolve. Re-triggering while it runs restarts the animation.
 * @param {Element|string} target
 * @param {string} className
 * @param {{timeout?: number}} [options] fallback in ms (default: computed duration + 100 ms)
 * @returns {Promise<Element|null>}
 */
export function animate(target, className, { timeout } = {}) {
  const el = resolveEl(target);
  if (!el) return Promise.resolve(null);
  let perEl = running.get(el);
  if (!perEl) {
    perEl = new Map();
    running.set(el, perEl);
  }
  const previous = perEl.get(className);
  if (previous) previous(false);
  if (el.classList.contains(className)) {
    el.classList.remove(className);
    reflow(el); // restart the keyframes
  }

  return new Promise((resolve) => {
    let timer = null;
    let ended = 0;
    const finish = (removeClass = true) => {
      clearTimeout(timer);
      el.removeEventListener("animationend", onEnd);
      el.removeEventListener("animationcancel", onEnd);
      if (perEl.get(className) === finish) perEl.delete(className);
      if (removeClass) el.classList.remove(className);
      resolve(el);
    };
    const onEnd = (event) => {
      if (event.target !== el) return; // an animated child, not ours
      if (event.type === "animationcancel") return; // class still there: a restart handles it
      // With several animations on one element, wait until each of them has ended.
      ended += 1;
      const names = getComputedStyle(el)
        .animationName.split(",")
        .filter((n) => n.trim() && n.trim() !== "none");
      if (ended < names.length) return;
      finish(true);
    };
    perEl.set(className, finish);
    // A lasting trace of the effect for tests: under reduced motion the class lives ~1 ms.
    el.dataset.lastAnimation = className;
    el.addEventListener("animationend", onEnd);
    el.addEventListener("animationcancel", onEnd);
    el.classList.add(className);
    const fallback = timeout ?? animationTime(el) + 100;
    timer = setTimeout(() => finish(true), Math.max(fallback, 30));
  });
}

/**
 * Resolve when a transition on `el` ends (optionally only for `property`), or after the computed
 * transition time + 100 ms. Call it right after the style change that starts the transition.
 */
export function transitionDone(el, property, { timeout } = {}) {
  return new Promise((resolve) => {
    const fallback = timeout ?? transitionTime(el) + 100;
    let timer = null;
    const finish = () => {
      clearTimeout(timer);
      el.removeEventListener("transitionend", onEnd);
      el.removeEventListener("transitioncancel", onEnd);
      resolve(el);
    };
    const onEnd = (event) => {
      if (event.target !== el) return;
      if (property && event.propertyName !== property) return;
      finish();
    };
    el.addEventListener("transitionend", onEnd);
    el.addEventListener("transitioncancel", onEnd);
    timer = setTimeout(finish, Math.max(fallback, 20));
  });
}
