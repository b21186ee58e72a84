// PeerLearn UI kit entry point. base.html loads it as a module on every page.
//
// Importing it gives the named exports below; it also wires the declarative attributes
// (data-modal-open, data-modal-close, data-slide-over-open, data-slide-over-close,
// data-expand-toggle: delegated, so they work for nodes added later too; [data-steps] and
// [data-tabs] roots and [data-count-up] values present at DOMContentLoaded), exposes
// window.PeerLearn, dispatches `peerlearn:ready` on document and sets
// <html data-kit-ready="true">.

import { ApiError, api, csrfToken, errorMessage, setAuthToken } from "./api.js";
import { bumpBadge, getBadge, setBadge } from "./badge.js";
import { SPINNER, busyAttrs, busyLabel, endBusy, setLoading, startBusy, whileBusy } from "./busy.js";
import { countUp, formatMoney } from "./count-up.js";
import { showServerErrors } from "./errors.js";
import { initExpand, toggleExpand } from "./expand.js";
import { applyCss, watchInlineCss } from "./inline-css.js";
import { flip } from "./flip-button.js";
import { icon } from "./icon.js";
import { closeModal, closeTopLayer, openModal, wireLayers } from "./modal.js";
import { animate, prefersReducedMotion, transitionDone } from "./motion.js";
import { attendancePill, confirmationPill, paymentLabel, paymentPill, pill, requestPill, sessionStatusPill } from "./pills.js";
import { closeSlideOver, openSlideOver } from "./slide-over.js";
import { backoffDelay, openSocket } from "./socket.js";
import { clearFieldError, initSteps, registerValidator, showFieldError, validatePane } from "./steps.js";
import { initTabs } from "./tabs.js";
import { dismissToast, toast, updateToast } from "./toast.js";

export {
  ApiError,
  applyCss,
  SPINNER,
  attendancePill,
  busyAttrs,
  busyLabel,
  confirmationPill,
  endBusy,
  paymentLabel,
  paymentPill,
  pill,
  requestPill,
  sessionStatusPill,
  setLoading,
  showServerErrors,
  startBusy,
  whileBusy,
  animate,
  api,
  backoffDelay,
  bumpBadge,
  clearFieldError,
  closeModal,
  closeSlideOver,
  closeTopLayer,
  countUp,
  csrfToken,
  dismissToast,
  errorMessage,
  flip,
  formatMoney,
  icon,
  getBadge,
  initExpand,
  initSteps,
  initTabs,
  openModal,
  openSlideOver,
  openSocket,
  prefersReducedMotion,
  registerValidator,
  setAuthToken,
  setBadge,
  showFieldError,
  toast,
  toggleExpand,
  transitionDone,
  updateToast,
  validatePane,
};

const PeerLearn = {
  toast,
  updateToast,
  startBusy,
  endBusy,
  whileBusy,
  setLoading,
  showServerErrors,
  dismissToast,
  openModal,
  closeModal,
  openSlideOver,
  closeSlideOver,
  toggleExpand,
  setBadge,
  bumpBadge,
  getBadge,
  flip,
  animate,
  countUp,
  formatMoney,
  api,
  ApiError,
  setAuthToken,
  openSocket,
  registerValidator,
  validatePane,
  showFieldError,
  clearFieldError,
  initSteps,
  initTabs,
  initExpand,
};
window.PeerLearn = Object.assign(window.PeerLearn || {}, PeerLearn);

function onClick(event) {
  const target = event.target;
  if (!(target instanceof Element)) return;

  const modalOpen = target.closest("[data-modal-open]");
  if (modalOpen) {
    event.preventDefault();
    openModal(modalOpen.getAttribute("data-modal-open"));
    return;
  }
  const modalClose = target.closest("[data-modal-close]");
  if (modalClose) {
    event.preventDefault();
    closeModal(modalClose.getAttribute("data-modal-close") || modalClose);
    return;
  }
  const slideOpen = target.closest("[data-slide-over-open]");
  if (slideOpen) {
    event.preventDefault();
    openSlideOver(slideOpen.getAttribute("data-slide-over-open"));
    return;
  }
  const slideClose = target.closest("[data-slide-over-close]");
  if (slideClose) {
    event.preventDefault();
    closeSlideOver(slideClose.getAttribute("data-slide-over-close") || slideClose);
    return;
  }
  const expander = target.closest("[data-expand-toggle]");
  if (expander) {
    event.preventDefault();
    toggleExpand(expander);
  }
}

/** Wire [data-steps], [data-tabs], .pl-expand and [data-count-up] inside `scope`. */
export function initKit(scope = document) {
  initExpand(scope);
  scope.querySelectorAll("[data-steps]").forEach((root) => initSteps(root));
  scope.querySelectorAll("[data-tabs]").forEach((root) => initTabs(root));
  scope.querySelectorAll("[data-count-up]").forEach((el) => {
    if (el.dataset.countUpDone) return;
    el.dataset.countUpDone = "true";
    countUp(el, el.dataset.countUp, {
      duration: el.dataset.duration ? Number(el.dataset.duration) : 800,
    });
  });
}
PeerLearn.initKit = initKit;
window.PeerLearn.initKit = initKit;

let booted = false;
function boot() {
  if (booted) return;
  booted = true;
  wireLayers();
  document.addEventListener("click", onClick);
  initKit(document);
  document.documentElement.dataset.kitReady = "true";
  document.dispatchEvent(new CustomEvent("peerlearn:ready", { detail: window.PeerLearn }));
}

// Under the CSP, data-css stands in for the style attribute: styled from the moment the kit loads.
watchInlineCss();

// Boot at DOMContentLoaded (after every deferred/module script of the page has run, so page
// scripts can register validators and listen for peerlearn:ready); `load` covers a late import.
if (document.readyState === "complete") boot();
else {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
  window.addEventListener("load", boot, { once: true });
}
