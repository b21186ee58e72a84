// Count-up numbers (balances): animate from the shown value to a target over 800 ms.

import { formatMoney } from "../format.js";
import { prefersReducedMotion, resolveEl } from "./motion.js";

const integer = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 2 });

export { formatMoney };

const FORMATS = {
  money: formatMoney,
  integer: (n) => integer.format(Math.round(n)),
  number: (n) => decimal.format(n),
};

const running = new WeakMap();
const shown = new WeakMap(); // the number currently on screen, mid-animation included

const easeOutCubic = (t) => 1 - (1 - t) ** 3;

/**
 * Count `el` up (or down) to `toNumber`.
 * @param {Element|string} target
 * @param {number|string} toNumber e.g. 1234.5 or "1234.50"
 * @param {{duration?: number, format?: "money"|"integer"|"number"|((n:number)=>string), from?: number}} [options]
 *   format defaults to el's data-format, else "money"; from defaults to the last value counted to.
 * @returns {Promise<Element>} resolved when the final value is shown
 */
export function countUp(target, toNumber, { duration = 800, format, from } = {}) {
  const el = resolveEl(target);
  if (!el) return Promise.resolve(null);
  const to = Number(toNumber) || 0;
  const fmt =
    typeof format === "function" ? format : FORMATS[format || el.dataset.format || "money"] || formatMoney;
  const cancel = running.get(el);
  if (cancel) cancel(false);
  const start =
    from ?? shown.get(el) ?? (el.dataset.value !== undefined ? Number(el.dataset.value) || 0 : 0);

  el.dataset.value = String(to);
  el.dataset.counting = "true";
  return new Promise((resolve) => {
    let raf = 0;
    let timer = 0;
    const finish = (complete = true) => {
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      running.delete(el);
      if (complete) {
        shown.set(el, to);
        el.textContent = fmt(to);
        delete el.dataset.counting;
      }
      resolve(el);
    };
    running.set(el, finish);
    if (prefersReducedMotion() || duration <= 0 || start === to) {
      finish(true);
      return;
    }
    const t0 = performance.now();
    const [lo, hi] = start < to ? [start, to] : [to, start];
    const frame = (now) => {
      // A rAF timestamp can be older than t0 (the frame began before countUp ran): clamp t to
      // [0, 1] and the value to [start, to], so no frame ever shows a number outside the range.
      const t = Math.min(1, Math.max(0, (now - t0) / duration));
      if (t >= 1) {
        finish(true);
        return;
      }
      const value = Math.min(hi, Math.max(lo, start + (to - start) * easeOutCubic(t)));
      shown.set(el, value);
      el.textContent = fmt(value);
      raf = requestAnimationFrame(frame);
    };
    el.textContent = fmt(start);
    raf = requestAnimationFrame(frame);
    timer = setTimeout(() => finish(), duration + 250); // background tabs throttle rAF
  });
}
