// Notifications tab: the list from the API, then live additions from the page's socket.
import { escapeHtml, formatWhen, kitReady } from "./ready.js";

const kit = await kitReady();
const list = document.querySelector("[data-notifications-list]");

function row(n) {
  const li = document.createElement("li");
  li.className = "flex gap-3 px-4 py-3" + (n.read ? "" : " bg-indigo-50/50");
  li.dataset.notificationId = n.id;
  li.dataset.testid = "notification-row";
  li.innerHTML = `
    <span class="mt-1.5 h-2 w-2 shrink-0 rounded-full ${n.read ? "bg-transparent" : "bg-indigo-500"}" data-unread-dot></span>
    <div class="min-w-0 flex-1">
      <p class="text-sm font-medium text-slate-900">${escapeHtml(n.title)}</p>
      ${n.body ? `<p class="text-sm text-slate-600">${escapeHtml(n.body)}</p>` : ""}
      <p class="mt-0.5 text-xs text-slate-400">${escapeHtml(formatWhen(n.created_at))}</p>
    </div>
    ${n.read ? "" : `<button type="button" class="self-start rounded-md px-2 py-1 text-xs text-indigo-600 hover:bg-indigo-50" data-mark-read>Mark read</button>`}`;
  return li;
}

function showEmptyIfNeeded() {
  if (!list.querySelector("[data-notification-id]")) {
    list.innerHTML = `<li class="px-4 py-6 text-center text-sm text-slate-400" data-empty>No notifications yet.</li>`;
  }
}

async function load() {
  const items = await kit.api("/api/notifications/");
  list.innerHTML = "";
  items.forEach((n) => list.appendChild(row(n)));
  showEmptyIfNeeded();
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-mark-read]");
  if (!button) return;
  const li = button.closest("[data-notification-id]");
  const updated = await kit.api(`/api/notifications/${li.dataset.notificationId}/read/`, { method: "POST" });
  li.replaceWith(row(updated));
});

document.querySelector("[data-notifications-read-all]")?.addEventListener("click", async () => {
  await kit.api("/api/notifications/read_all/", { method: "POST" });
  await load();
  kit.toast("All notifications marked read", { kind: "success" });
});

document.addEventListener("peerlearn:notification", (event) => {
  list.querySelector("[data-empty]")?.remove();
  list.prepend(row({ ...event.detail, read: false }));
});

await load();
