// Mentor dashboard → My Sessions: the entry that wires the parts together.
//
//   session-card.js        one card's markup and the lifecycle rules it shows
//   session-board.js       the Scheduled / Past lists, counts, ready flip, Join/End timing
//   learners-slide-over.js View Learners (payment, confirmation, details, Mark Attended)
//   session-forms.js       Create / Edit / Cancel
//   session-socket.js      live updates over /ws/sessions/{id}/
//   session-form.js        the validators, with the server's limits from the page's JSON config
//
// The server owns the state; UI behaviour (tabs, steps, modals, slide-over, expand, flip, toasts,
// animations) is the UI kit's, reached through window.PeerLearn (kitReady()).
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { endBusy, startBusy } from "../../peerlearn_core/js/kit/busy.js";
import { createLearnersSlideOver } from "./learners-slide-over.js";
import { createBoard } from "./session-board.js";
import { createSessionForms } from "./session-forms.js";
import { liftOverlays, registerSessionValidators, useSessionLimits } from "./session-form.js";
import { connectSessionSockets } from "./session-socket.js";

const kit = await kitReady();
const root = document.querySelector("[data-mentor-sessions]");
if (root) init();

function init() {
  liftOverlays(root);
  useSessionLimits("mentor-sessions-limits");
  registerSessionValidators(kit, { start: "pl-mentor-future", price: "pl-mentor-price" });

  const tabs = kit.initTabs(root.querySelector("#mentor-sessions-tabs"));
  const board = createBoard(kit, root);
  const learners = createLearnersSlideOver(kit, board);
  const forms = createSessionForms(kit, board, { root, tabs });
  connectSessionSockets(kit, board, learners);

  // ---------------------------------------------------------------- the card's own actions

  async function toggleReady(id, button) {
    const want = button.dataset.ready !== "true";
    if (!startBusy(button)) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/${want ? "ready" : "cancel_ready"}/`, { method: "POST" });
      const s = board.sessions.get(id);
      if (s) Object.assign(s, updated);
      board.setReady(id, updated.mentor_ready);
      board.updateCounts(id);
      // One toast per click: a second click (or its echo) updates this one in place.
      const text = updated.mentor_ready
        ? `You're ready · ${updated.title} — learners were asked to confirm`
        : `Ready cancelled · ${updated.title} — learners were notified`;
      kit.toast(text, { kind: "success", key: `ready-${id}` });
    } catch {
      /* api() showed the error toast */
    } finally {
      endBusy(button);
    }
  }

  async function completeSession(id, button) {
    if (!startBusy(button, "Ending…")) return;
    try {
      const updated = await kit.api(`/api/sessions/${id}/complete/`, { method: "POST" });
      board.applySession(updated);
      kit.toast(`Session ended · ${updated.title} — it moved to Past`, { kind: "success", key: `session-${id}` });
    } catch {
      endBusy(button);
    }
  }

  const ACTIONS = {
    ready: toggleReady,
    learners: (id) => learners.open(id),
    edit: (id) => forms.edit(id),
    complete: completeSession,
    cancel: (id) => forms.cancel(id),
  };

  root.addEventListener("click", (event) => {
    if (event.target.closest("[data-create-session]")) {
      forms.create();
      return;
    }
    const button = event.target.closest("[data-action]");
    if (!button || !root.contains(button)) return;
    ACTIONS[button.dataset.action]?.(Number(button.dataset.id), button);
  });

  // ---------------------------------------------------------------- outside events + first load

  document.addEventListener("peerlearn:sessions-changed", () => board.reloadAll({ quiet: true }));
  // Sessions made elsewhere (another tab of this mentor) have no socket yet: catch up on return.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && board.state.loaded.scheduled) board.reloadAll({ quiet: true });
  });

  board.reloadAll();
}
