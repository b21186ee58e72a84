// Count badges (Requests, Notifications, Earnings…): setBadge updates the number, hides the badge
// at 0 and plays one pulse (class pl-pulse, removed on animationend) whenever the count changed.

import { animate, resolveEl } from "./motion.js";

/** The number a badge currently shows (0 when hidden or empty). */
export function getBadge(target) {
  const el = resolveEl(target);
  if (!el) return 0;
  const n = parseInt(el.dataset.count ?? el.textContent, 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Set a badge's count.
 * @param {Element|string} target the badge element (or its id)
 * @param {number} count new count; <= 0 hides the badge
 * @param {{max?: number, label?: string}} [options] show "99+" above max; aria-label template,
 *   e.g. "{count} new requests"
 * @returns {number} the count set
 */
export function setBadge(target, count, { max = 99, label } = {}) {
  const el = resolveEl(target);
  if (!el) return 0;
  const n = Math.max(0, Math.trunc(Number(count) || 0));
  const previous = el.dataset.count === undefined ? null : parseInt(el.dataset.count, 10);
  el.dataset.count = String(n);
  el.textContent = n > max ? `${max}+` : String(n);
  el.hidden = n === 0;
  const template = label || el.dataset.badgeLabel;
  if (template) el.setAttribute("aria-label", template.replace("{count}", String(n)));
  if (previous !== n && n > 0) animate(el, "pl-pulse");
  return n;
}

/** Add `delta` (default 1) to a badge's count. */
export function bumpBadge(target, delta = 1) {
  return setBadge(target, getBadge(target) + delta);
}
