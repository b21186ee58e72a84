// My Sessions → Past → "View Report" (peerlearn_analytics).
//
// Bookings draws the session cards and announces each one with a `peerlearn:session-card` event
// ({session, card, actions}); this adds "View Report" to the past ones. The report is a full-screen
// kit modal (fade 250 ms) filled from GET /api/sessions/{id}/report/: booked vs attended vs
// no-shows, the average rating, the comments and the chat transcript download. "Re-Schedule" asks
// bookings for its Create Session form, pre-filled with the session's details, as a slide-over
// (`peerlearn:create-session`); bookings creates the new session.
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { formatDateTime, formatDuration } from "../../peerlearn_core/js/format.js";
import { commentItems, plural, stars } from "./feedback.js";

const PAST = new Set(["completed", "cancelled"]);
const BUTTON_CLASSES =
  "inline-flex items-center justify-center gap-1.5 rounded-lg bg-white px-3 py-2 text-sm font-semibold text-indigo-700 shadow-sm ring-1 ring-inset ring-indigo-200 transition hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

const sessions = new Map(); // id -> the session as its card was drawn
let openReport = null; // set once the kit is ready

// Listen at once: bookings may draw its cards before the kit is ready.
document.addEventListener("peerlearn:session-card", (event) => {
  const { session, actions } = event.detail || {};
  if (!session || !actions || !PAST.has(session.status)) return;
  sessions.set(session.id, session);
  const button = document.createElement("button");
  button.type = "button";
  button.className = BUTTON_CLASSES;
  button.dataset.testid = `view-report-${session.id}`;
  button.textContent = "View Report";
  button.addEventListener("click", () => openReport?.(session.id));
  actions.appendChild(button);
});

const modal = document.getElementById("session-report-modal");
if (modal) start(await kitReady());

function start(kit) {
  // Overlays live in <body>: a hidden tab panel must never hide (or clip) the open modal.
  if (modal.parentElement !== document.body) document.body.appendChild(modal);
  const q = (selector) => modal.querySelector(selector);
  const ui = {
    title: q("[data-report-title]"),
    when: q("[data-report-when]"),
    loading: q("[data-report-loading]"),
    error: q("[data-report-error]"),
    body: q("[data-report-body]"),
    barAttended: q("[data-report-bar-attended]"),
    barNoShows: q("[data-report-bar-no-shows]"),
    confirmations: q("[data-report-confirmations]"),
    average: q("[data-report-average]"),
    stars: q("[data-report-stars]"),
    ratingsCount: q("[data-report-ratings-count]"),
    comments: q("[data-report-comments]"),
    noComments: q("[data-report-no-comments]"),
    transcript: q("[data-report-transcript]"),
    transcriptCount: q("[data-report-transcript-count]"),
    noTranscript: q("[data-report-no-transcript]"),
    reschedule: q("[data-report-reschedule]"),
  };
  let current = null; // the session id shown
  let shown = null; // its report, once loaded
  let seq = 0;

  function render(report) {
    const count = (key) => Math.max(0, Number(report[key]) || 0);
    for (const key of ["booked", "attended", "no_shows"]) {
      q(`[data-report-count="${key}"]`).textContent = String(count(key));
    }
    const booked = count("booked");
    ui.barAttended.style.width = booked ? `${(count("attended") / booked) * 100}%` : "0%";
    ui.barNoShows.style.width = booked ? `${(count("no_shows") / booked) * 100}%` : "0%";
    ui.confirmations.textContent = `Before the session: ${count("confirmed")} confirmed, ${count("declined")} declined.`;

    const average = report.average_rating == null ? null : Number(report.average_rating);
    const ratings = count("ratings_count");
    ui.average.textContent = average == null ? "—" : average.toFixed(1);
    ui.stars.innerHTML = average == null ? "" : `<span class="sr-only">${average.toFixed(1)} out of 5</span>${stars(average)}`;
    ui.ratingsCount.textContent = ratings ? `from ${plural(ratings, "rating")}` : "No ratings yet";

    ui.comments.innerHTML = commentItems(report.comments);
    ui.noComments.hidden = report.comments.length > 0;

    const messages = Number(report.chat_messages) || 0;
    ui.transcript.hidden = messages === 0;
    ui.noTranscript.hidden = messages > 0;
    ui.transcript.href = report.transcript_url;
    ui.transcriptCount.textContent = `(${plural(messages, "message")})`;
    shown = report;

    ui.loading.hidden = true;
    ui.error.hidden = true;
    ui.body.hidden = false;
    modal.dataset.loaded = String(current);
  }

  async function load(id) {
    const mine = ++seq;
    ui.loading.hidden = false;
    ui.error.hidden = true;
    ui.body.hidden = true;
    shown = null;
    delete modal.dataset.loaded;
    try {
      const report = await kit.api(`/api/sessions/${id}/report/`);
      if (mine === seq) render(report);
    } catch {
      if (mine !== seq) return; // api() showed the error toast
      ui.loading.hidden = true;
      ui.error.hidden = false;
    }
  }

  openReport = (id) => {
    const s = sessions.get(id);
    if (!s) return;
    current = id;
    ui.title.textContent = s.title;
    ui.when.textContent = [formatDateTime(s.starts_at), formatDuration(s.duration_minutes), s.status === "cancelled" ? "Cancelled" : ""]
      .filter(Boolean)
      .join(" · ");
    modal.dataset.sessionId = String(id);
    kit.openModal(modal);
    load(id);
  };

  q("[data-report-retry]").addEventListener("click", () => current && load(current));

  ui.transcript.addEventListener("click", () => {
    kit.toast("The chat transcript is downloading", { kind: "success" });
  });

  ui.reschedule.addEventListener("click", () => {
    // The report's own copy of the session once loaded, else the card's: the same fields.
    const s = shown?.session || sessions.get(current);
    if (!s) return;
    kit.closeModal(modal);
    const prefill = {
      title: s.title,
      description: s.description || "",
      duration_minutes: s.duration_minutes,
      max_participants: s.max_participants,
      price: s.price,
    };
    document.dispatchEvent(
      new CustomEvent("peerlearn:create-session", {
        detail: { prefill, presentation: "slide-over", note: `Re-scheduling “${s.title}”: pick a new date and time.` },
      })
    );
    kit.toast(`“${s.title}” is pre-filled. Pick a new date.`, { kind: "info", title: "Re-Schedule" });
  });
}
