// Who is in the room: the people list beside the call (you first, then the mentor, then the
// learners by name), each with their ready state (a kit pill) and a raised hand.
import { initials } from "../../peerlearn_core/js/format.js";
import { icon } from "../../peerlearn_core/js/kit/icon.js";
import { pill } from "../../peerlearn_core/js/kit/pills.js";
import { el } from "./dom.js";

const HAND = ["M10.05 4.575a1.575 1.575 0 10-3.15 0v3m3.15-3v-1.5a1.575 1.575 0 013.15 0v1.5m-3.15 0l.075 5.925m3.075.75V4.575m0 0a1.575 1.575 0 013.15 0V15M6.9 7.575a1.575 1.575 0 10-3.15 0v8.175a6.75 6.75 0 006.75 6.75h2.018a5.25 5.25 0 003.712-1.538l1.732-1.732a5.25 5.25 0 001.538-3.712l.003-2.024a.668.668 0 01.198-.471 1.575 1.575 0 10-2.228-2.228 3.818 3.818 0 00-1.12 2.687M6.9 7.575V12m6.27 4.318A4.49 4.49 0 0116.35 15m.002 0h-.002"];

/** A person as the room keeps them, from a `welcome` peer or a `peer.joined` message. */
export function personFrom(message) {
  return {
    peer_id: message.peer_id,
    user_id: message.user_id,
    name: message.name || "Guest",
    role: message.role || "learner",
    ready: Boolean(message.ready),
    hand_raised: Boolean(message.hand_raised),
  };
}

const byRole = (a, b) => (a.role === "mentor" ? -1 : b.role === "mentor" ? 1 : a.name.localeCompare(b.name));

export function createPeople(room) {
  const { ui, state, me } = room;

  function nameOf(peerId) {
    return state.people.get(peerId)?.name || "Someone";
  }

  function handMark(person) {
    const hand = el("span", "inline-flex text-amber-600");
    hand.appendChild(icon(HAND, { className: "h-5 w-5" }));
    hand.setAttribute("role", "img");
    hand.setAttribute("aria-label", "Hand raised");
    hand.dataset.testid = `hand-${person.peer_id}`;
    return hand;
  }

  function row(person) {
    const li = el("li", "flex items-center gap-2.5 rounded-lg px-2 py-1.5 transition-colors data-[hand=true]:bg-amber-50");
    li.dataset.testid = person.self ? "person-self" : `person-${person.peer_id}`;
    li.dataset.peerId = person.peer_id;
    li.dataset.userId = String(person.user_id);
    li.dataset.ready = String(Boolean(person.ready));
    li.dataset.hand = String(Boolean(person.hand_raised));
    const avatar = el("span", "inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700", initials(person.name));
    avatar.setAttribute("aria-hidden", "true");
    const text = el("div", "min-w-0 flex-1");
    const name = el("p", "truncate text-sm font-medium text-slate-900", person.name);
    name.dataset.personName = "";
    if (person.self) name.appendChild(el("span", "font-normal text-slate-500", " (you)"));
    text.append(name, el("p", "text-xs text-slate-500", person.role === "mentor" ? "Mentor" : "Learner"));
    li.append(avatar, text);
    if (person.hand_raised) li.appendChild(handMark(person));
    const label = state.callStarted && person.ready ? "In call" : person.ready ? "Ready" : "Not ready";
    const readyState = person.ready ? "ready" : "not-ready";
    li.insertAdjacentHTML("beforeend", pill(label, person.ready ? "green" : "slate", `data-ready-state="${readyState}"`));
    return li;
  }

  function render() {
    const everyone = [];
    if (state.peerId) {
      everyone.push({ peer_id: state.peerId, user_id: me.id, name: me.name, role: me.role, ready: state.ready, hand_raised: state.handRaised, self: true });
    }
    everyone.push(...Array.from(state.people.values()).sort(byRole));
    ui.people.replaceChildren(...everyone.map(row));
    ui.peopleCount.textContent = String(everyone.length);
    ui.peopleEmpty.hidden = everyone.length > 0;
    if (!everyone.length) ui.peopleEmpty.textContent = state.notOpenYet ? "Nobody yet: the room is not open." : "Connecting to the room…";
  }

  return { render, nameOf };
}
