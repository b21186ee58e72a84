// flipY: a button turns on its Y axis (0 -> 90deg), swaps its label edge-on, turns back
// (90 -> 0deg); about 300 ms in all. Used for "I'm Ready" <-> "Cancel Ready".

import { animate, resolveEl } from "./motion.js";

const queues = new WeakMap();

function labelEl(button) {
  return button.querySelector("[data-flip-label]") || button;
}

/**
 * Flip `button` to `newLabel`. Without a label it swaps with data-flip-alt (and back).
 * Toggles data-flipped ("true"/"false"). Flips on one button run one after another.
 * @returns {Promise<HTMLElement>} resolved when the flip has finished
 */
export function flip(target, newLabel) {
  const button = resolveEl(target);
  if (!button) return Promise.resolve(null);
  const previous = queues.get(button) || Promise.resolve();
  const run = previous.then(async () => {
    const label = labelEl(button);
    const current = label.textContent.trim();
    let text = newLabel;
    if (text === undefined || text === null) {
      text = button.dataset.flipAlt ?? current;
    }
    // Remember the other side so a label-less flip flips back.
    button.dataset.flipAlt = current;
    button.dataset.flipping = "true";
    await animate(button, "pl-flip-out");
    label.textContent = text;
    button.dataset.flipped = button.dataset.flipped === "true" ? "false" : "true";
    button.classList.add("pl-flip-mid"); // keep it edge-on between the two halves
    const back = animate(button, "pl-flip-in");
    button.classList.remove("pl-flip-mid");
    await back;
    delete button.dataset.flipping;
    button.dispatchEvent(new CustomEvent("flip:done", { bubbles: true, detail: { label: text } }));
    return button;
  });
  queues.set(button, run.catch(() => {}));
  return run;
}
