// The room's chat: the history the server sends on `welcome`, live `chat` messages (shown as
// text, never as markup, each once), and the composer (Enter sends, Shift+Enter breaks a line).
import { formatTime } from "../../peerlearn_core/js/format.js";
import { el } from "./dom.js";

const NEAR_BOTTOM_PX = 60;
const MAX_INPUT_PX = 128;

export function createChat(room) {
  const { ui, state, me, config, kit } = room;
  let keys = new Set();

  function item(message) {
    const mine = message.user_id === me.id;
    const li = el("li", "min-w-0");
    li.dataset.testid = "chat-message";
    li.dataset.from = message.from || "";
    li.dataset.mine = String(mine);
    const head = el("p", "flex items-baseline gap-2 text-xs");
    const who = el("span", `font-semibold ${mine ? "text-indigo-700" : "text-slate-900"}`, mine ? `${message.name} (you)` : message.name);
    who.dataset.chatName = "";
    const at = el("time", "text-slate-400", formatTime(message.at));
    if (message.at) at.dateTime = message.at;
    head.append(who, at);
    const body = el("p", "mt-0.5 whitespace-pre-wrap break-words text-sm text-slate-700", message.text);
    body.dataset.chatText = "";
    li.append(head, body);
    return li;
  }

  function add(message, { scroll = true } = {}) {
    const key = `${message.from}|${message.at}|${message.text}`;
    if (keys.has(key)) return;
    keys.add(key);
    const list = ui.chatList;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
    list.appendChild(item(message));
    ui.chatEmpty.hidden = true;
    if (scroll && (nearBottom || message.user_id === me.id)) list.scrollTop = list.scrollHeight;
  }

  function setHistory(messages) {
    keys = new Set();
    ui.chatList.replaceChildren();
    (messages || []).forEach((m) => add(m, { scroll: false }));
    ui.chatEmpty.hidden = ui.chatList.children.length > 0;
    ui.chatList.scrollTop = ui.chatList.scrollHeight;
  }

  /** The composer works only while this page is in the room. */
  function setEnabled(online) {
    ui.chatInput.disabled = !online;
    ui.chatSend.disabled = !online;
  }

  ui.chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.chatInput.value;
    if (!text.trim()) return;
    if (text.length > config.maxChatChars) {
      kit.toast(`Messages are at most ${config.maxChatChars} characters.`, { kind: "error" });
      return;
    }
    if (!state.peerId || !room.signaling.act({ type: "chat", text })) return;
    ui.chatInput.value = "";
    ui.chatInput.style.height = "";
  });

  ui.chatInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.chatForm.requestSubmit();
    }
  });

  ui.chatInput.addEventListener("input", () => {
    ui.chatInput.style.height = "";
    ui.chatInput.style.height = `${Math.min(ui.chatInput.scrollHeight, MAX_INPUT_PX)}px`;
  });

  return { add, setHistory, setEnabled };
}
