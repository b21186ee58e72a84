// Tabs with an underline that slides to the selected tab in 200 ms.
//
// Markup: <div data-tabs [data-tabs-hash]>
//           <div role="tablist"> <button data-tab="weekly">Weekly</button> … </div>
//           <div data-tab-panel="weekly">…</div> …
//         </div>
// Hash-aware: on load (and on hashchange) a location hash naming one of the root's tabs selects
// it; with data-tabs-hash the selection is also written to the hash (history.replaceState).
// Selecting a tab dispatches `tabs:change` on the root with detail {tab, previous, button, panel}.
// The selected button carries aria-selected="true" and data-selected="true".
// A tab strip wider than its box scrolls sideways: the selected tab is scrolled into view and the
// list's data-fade ("start" | "end" | "both", absent when everything fits) fades the cut edges.

import { resolveEl } from "./motion.js";

function ownButtons(root) {
  return Array.from(root.querySelectorAll("[data-tab]")).filter((b) => b.closest("[data-tabs]") === root);
}

function ownPanels(root) {
  return Array.from(root.querySelectorAll("[data-tab-panel]")).filter((p) => p.closest("[data-tabs]") === root);
}

/**
 * Wire a tabs root. Returns a controller {select(name, {focus}), get current}; also root.plTabs.
 */
export function initTabs(target) {
  const root = resolveEl(target);
  if (!root) return null;
  if (root.plTabs) return root.plTabs;
  const buttons = ownButtons(root);
  const panels = ownPanels(root);
  if (!buttons.length) return null;
  const list = buttons[0].closest('[role="tablist"]') || buttons[0].parentElement;
  list.setAttribute("role", "tablist");
  list.classList.add("pl-tablist");
  const uid = root.id || `pl-tabs-${Math.random().toString(36).slice(2, 8)}`;

  let indicator = list.querySelector(".pl-tabs-indicator");
  if (!indicator) {
    indicator = document.createElement("span");
    indicator.className = "pl-tabs-indicator rounded-full bg-indigo-600";
    indicator.setAttribute("aria-hidden", "true");
    list.appendChild(indicator);
  }

  buttons.forEach((button) => {
    const name = button.dataset.tab;
    if (button.tagName === "BUTTON" && !button.hasAttribute("type")) button.type = "button";
    button.setAttribute("role", "tab");
    if (!button.id) button.id = `${uid}-tab-${name}`;
    const panel = panels.find((p) => p.dataset.tabPanel === name);
    if (panel) {
      if (!panel.id) panel.id = `${uid}-panel-${name}`;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", button.id);
      button.setAttribute("aria-controls", panel.id);
      if (!panel.hasAttribute("tabindex")) panel.setAttribute("tabindex", "0");
    }
  });

  let current = null;

  const updateFade = () => {
    const overflow = list.scrollWidth - list.clientWidth;
    if (overflow <= 1) {
      delete list.dataset.fade;
      return;
    }
    const atStart = list.scrollLeft <= 1;
    const atEnd = list.scrollLeft >= overflow - 1;
    list.dataset.fade = atStart ? "end" : atEnd ? "start" : "both";
  };

  // Scroll the strip (never the page) so `button` is fully visible, with a little of its
  // neighbour showing past the fade.
  const reveal = (button, smooth) => {
    if (list.scrollWidth <= list.clientWidth + 1) return;
    const margin = 40;
    const left = button.offsetLeft;
    const right = left + button.offsetWidth;
    let target = null;
    if (left - margin < list.scrollLeft) target = Math.max(0, left - margin);
    else if (right + margin > list.scrollLeft + list.clientWidth) target = right + margin - list.clientWidth;
    if (target === null) return;
    const reduced = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    list.scrollTo({ left: target, behavior: smooth && !reduced ? "smooth" : "auto" });
  };

  const place = () => {
    const button = buttons.find((b) => b.dataset.tab === current);
    if (!button || !list.offsetWidth) return;
    indicator.style.width = `${button.offsetWidth}px`;
    indicator.style.transform = `translateX(${button.offsetLeft}px)`;
    updateFade();
  };

  const select = (name, { focus = false, emit = true, writeHash = true } = {}) => {
    const button = buttons.find((b) => b.dataset.tab === name);
    if (!button) return false;
    const previous = current;
    current = name;
    buttons.forEach((b) => {
      const on = b === button;
      b.setAttribute("aria-selected", String(on));
      b.dataset.selected = String(on);
      b.tabIndex = on ? 0 : -1;
    });
    panels.forEach((p) => {
      p.hidden = p.dataset.tabPanel !== name;
    });
    root.dataset.activeTab = name;
    place();
    reveal(button, previous !== null);
    if (focus) button.focus();
    if (writeHash && root.hasAttribute("data-tabs-hash") && previous !== null && location.hash !== `#${name}`) {
      history.replaceState(history.state, "", `#${name}`);
    }
    if (emit && previous !== name) {
      const panel = panels.find((p) => p.dataset.tabPanel === name) || null;
      root.dispatchEvent(new CustomEvent("tabs:change", { bubbles: true, detail: { tab: name, previous, button, panel } }));
    }
    return true;
  };

  const fromHash = () => {
    const name = decodeURIComponent(location.hash.slice(1));
    return name && buttons.some((b) => b.dataset.tab === name) ? name : null;
  };

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-tab]");
    if (button && buttons.includes(button)) select(button.dataset.tab);
  });
  list.addEventListener("keydown", (event) => {
    const i = buttons.indexOf(document.activeElement);
    if (i === -1) return;
    let j = null;
    if (event.key === "ArrowRight") j = (i + 1) % buttons.length;
    else if (event.key === "ArrowLeft") j = (i - 1 + buttons.length) % buttons.length;
    else if (event.key === "Home") j = 0;
    else if (event.key === "End") j = buttons.length - 1;
    if (j === null) return;
    event.preventDefault();
    select(buttons[j].dataset.tab, { focus: true });
  });
  window.addEventListener("hashchange", () => {
    const name = fromHash();
    if (name) select(name, { writeHash: false });
  });
  list.addEventListener("scroll", updateFade, { passive: true });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      place();
      const button = buttons.find((b) => b.dataset.tab === current);
      if (button) reveal(button, false);
    }).observe(list);
  }
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(place);

  const initial =
    fromHash() ||
    (buttons.find((b) => b.getAttribute("aria-selected") === "true") || buttons[0]).dataset.tab;
  select(initial, { emit: false, writeHash: false });
  // Enable the slide only after the first placement so the underline does not fly in on load.
  requestAnimationFrame(() => list.classList.add("pl-tabs-ready"));

  const controller = {
    select,
    get current() {
      return current;
    },
  };
  root.plTabs = controller;
  root.dataset.tabsReady = "true";
  return controller;
}
