// Notifications tab: the list from the API, then live additions from the page's socket.
//
// Opening the tab is reading it: the list is loaded afresh and everything it shows is marked read
// on the server (read_all up to the newest id shown), so a notification that arrives afterwards
// stays unread. The rows turn from unread to read once the server has said so; the tab's badge is
// never reset here: it follows the counts the server pushes over the notifications socket.
import { formatDateTime } from "./format.js";
import { escapeHtml, kitReady } from "./ready.js";

const kit = await kitReady();
const list = document.querySelector("[data-notifications-list]");
const readAllButton = document.querySelector("[data-notifications-read-all]");
const tabsRoot = list.closest("[data-tabs]");
const TAB = "notifications";

function row(n) {
  const li = document.createElement("li");
  li.className = "flex gap-3 px-4 py-3 transition-colors duration-500";
  li.dataset.notificationId = n.id;
  li.dataset.testid = "notification-row";
  li.innerHTML = `
    <span class="mt-1.5 h-2 w-2 shrink-0 rounded-full transition-colors duration-500" data-unread-dot></span>
    <div class="min-w-0 flex-1">
      <p class="text-sm font-medium text-slate-900"><span class="sr-only" data-read-state></span>${escapeHtml(n.title)}</p>
      ${n.body ? `<p class="text-sm text-slate-600">${escapeHtml(n.body)}</p>` : ""}
      <p class="mt-0.5 text-xs text-slate-400"><time datetime="${escapeHtml(n.created_at)}">${escapeHtml(formatDateTime(n.created_at))}</time></p>
    </div>
    <button type="button" class="self-start rounded-md px-2 py-1 text-xs text-indigo-600 hover:bg-indigo-50" data-mark-read>Mark read</button>`;
  setRead(li, n.read);
  return li;
}

/** Show a row as read or unread (background, dot, screen-reader word, "Mark read" button). */
function setRead(li, read) {
  li.dataset.read = String(Boolean(read));
  li.classList.toggle("bg-indigo-50/60", !read);
  const dot = li.querySelector("[data-unread-dot]");
  dot.classList.toggle("bg-indigo-500", !read);
  dot.classList.toggle("bg-transparent", Boolean(read));
  li.querySelector("[data-read-state]").textContent = read ? "" : "Unread: ";
  li.querySelector("[data-mark-read]").hidden = Boolean(read);
  if (li.isConnected) syncReadAll();
}

function rows() {
  return Array.from(list.querySelectorAll("[data-notification-id]"));
}

/** "Mark all read" only while something is unread. */
function syncReadAll() {
  if (readAllButton) readAllButton.disabled = !list.querySelector('[data-read="false"]');
}

function showEmptyIfNeeded() {
  if (!rows().length) {
    list.innerHTML = `<li class="px-4 py-6 text-center text-sm text-slate-400" data-empty>No notifications yet.</li>`;
  }
}

async function load() {
  const items = await kit.api("/api/notifications/");
  list.innerHTML = "";
  items.forEach((n) => list.appendChild(row(n)));
  showEmptyIfNeeded();
  syncReadAll();
  return items;
}

// Mark read on the server what the user is looking at: every notification up to the newest id
// the list shows. The rows change once the server confirmed; the badge follows its push.
let reading = null;
async function readShown(items) {
  const unread = items.filter((n) => !n.read);
  if (!unread.length) return;
  const upTo = Math.max(...items.map((n) => n.id));
  try {
    await kit.api("/api/notifications/read_all/", { method: "POST", body: { up_to_id: upTo }, quiet: true });
  } catch {
    return; // they simply stay unread; the next visit tries again
  }
  rows().forEach((li) => {
    if (Number(li.dataset.notificationId) <= upTo) setRead(li, true);
  });
  list.dataset.readUpTo = String(upTo);
}

function openTab() {
  if (!reading) {
    reading = load()
      .then(readShown)
      .finally(() => {
        reading = null;
      });
  }
  return reading;
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-mark-read]");
  if (!button) return;
  const li = button.closest("[data-notification-id]");
  const updated = await kit.api(`/api/notifications/${li.dataset.notificationId}/read/`, { method: "POST" });
  setRead(li, updated.read);
});

readAllButton?.addEventListener("click", async () => {
  await kit.api("/api/notifications/read_all/", { method: "POST" });
  await load();
  kit.toast("All notifications marked read", { kind: "success" });
});

// A push while the tab is open is listed as unread: it arrived after the user looked.
document.addEventListener("peerlearn:notification", (event) => {
  list.querySelector("[data-empty]")?.remove();
  // The same id again is a notification replaced on the server (a coalesced thread): move it up.
  list.querySelector(`[data-notification-id="${event.detail.id}"]`)?.remove();
  list.prepend(row({ ...event.detail, read: false }));
  syncReadAll();
});

tabsRoot?.addEventListener("tabs:change", (event) => {
  if (event.target === tabsRoot && event.detail?.tab === TAB) openTab();
});

if (tabsRoot?.dataset.activeTab === TAB) await openTab();
else await load();
