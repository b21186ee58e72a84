// Resolves with the UI kit (window.PeerLearn) once kit/index.js has wired the page.
export function kitReady() {
  if (window.PeerLearn && document.documentElement.dataset.kitReady === "true") {
    return Promise.resolve(window.PeerLearn);
  }
  return new Promise((resolve) => {
    document.addEventListener("peerlearn:ready", () => resolve(window.PeerLearn), { once: true });
  });
}

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[ch]);
}

export function formatWhen(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}
