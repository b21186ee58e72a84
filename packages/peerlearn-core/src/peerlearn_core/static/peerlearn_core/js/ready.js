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
