// The room's status pill (connecting / open / live), its mode badge (group call / lecture), and
// the full-screen end-of-room overlay ("Session Cancelled", "You left the session", refusals):
// it fades in, counts down and takes the user back to their dashboard REDIRECT_MS later.

const REDIRECT_MS = 3000;

/** The overlays shown from more than one place. */
export const OVERLAYS = {
  declined: { kind: "left", title: "You left the session", body: "You declined this session; the mentor was told." },
  cancelledByMe: { kind: "cancelled", title: "Session Cancelled", body: "You cancelled this session for everyone." },
  cancelledByMentor: { kind: "cancelled", title: "Session Cancelled", body: "The mentor cancelled this session." },
  completed: { kind: "completed", title: "Session ended", body: "This session is over. Thanks for joining!" },
  closed: { kind: "closed", title: "The room is closed", body: "You can no longer be in this room." },
  replaced: {
    kind: "replaced",
    title: "Opened somewhere else",
    body: "You joined this room from another tab or device, so this one was disconnected.",
    redirect: false,
  },
};

export function createStatus(room) {
  const { ui, state, kit, root, config } = room;
  // Read by tests through window.__room.overlay.
  const overlayInfo = { shownAt: null, shownAtEpoch: null, kind: null, title: null, redirectAt: null };

  function set(kind, label) {
    ui.status.dataset.state = kind;
    ui.statusLabel.textContent = label;
  }

  /** Take the server's mode ("mesh" | "lecture"; nothing keeps the current one) and show it. */
  function setMode(mode) {
    if (mode) state.mode = mode === "lecture" ? "lecture" : "mesh";
    ui.mode.textContent = state.mode === "lecture" ? "Lecture" : "Group call";
    root.dataset.mode = state.mode;
  }

  function countDown(countdown) {
    overlayInfo.redirectAt = overlayInfo.shownAtEpoch + REDIRECT_MS;
    let left = Math.round(REDIRECT_MS / 1000);
    const tick = () => {
      countdown.textContent = `Taking you back to your dashboard in ${left} s…`;
    };
    tick();
    const counter = setInterval(() => {
      left = Math.max(0, left - 1);
      tick();
    }, 1000);
    setTimeout(() => {
      clearInterval(counter);
      location.assign(config.dashboardUrl);
    }, REDIRECT_MS);
  }

  /** The room is over for this page: tear everything down and say why (once). */
  function showOverlay({ kind, title, body, redirect = true }) {
    if (state.ending) return;
    state.ending = true;
    overlayInfo.kind = kind;
    overlayInfo.title = title;
    room.teardown();
    kit.closeModal(ui.cancelModal);
    const overlay = ui.overlay;
    overlay.dataset.kind = kind;
    overlay.querySelector("[data-overlay-title]").textContent = title;
    overlay.querySelector("[data-overlay-body]").textContent = body;
    const countdown = overlay.querySelector("[data-overlay-countdown]");
    overlay.querySelector("[data-overlay-retry]").hidden = kind !== "replaced";
    overlay.hidden = false;
    root.inert = true; // the room behind the overlay is over: keep focus and clicks out of it
    // Next frame: opacity 0 -> 1 through the CSS transition (none under reduced motion).
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        overlay.dataset.shown = "true";
      })
    );
    overlay.querySelector("[data-overlay-go]").focus({ preventScroll: true });
    overlayInfo.shownAt = performance.now();
    overlayInfo.shownAtEpoch = Date.now();
    if (redirect) countDown(countdown);
    else countdown.textContent = "";
  }

  ui.overlay.querySelector("[data-overlay-retry]").addEventListener("click", () => location.reload());

  return { set, setMode, showOverlay, overlayInfo };
}
