// Learner "Browse" tab: bookable sessions with a Book button, the "Request a session" modal and
// the learner's own requests (learner/requests.js). Everything is read from the JSON API; the
// server is the source of truth and this script only re-reads it when something changed.
//
// Book → pay is one flow: booking a priced session holds the seat and opens Checkout at once
// (learner/checkout.js); the card shows the hold's live countdown, and "Pay now" while it is
// unpaid. A free session books in one click.
import { kitReady } from "../../peerlearn_core/js/ready.js";
import { formatMoney } from "../../peerlearn_core/js/format.js";
import { setLoading } from "../../peerlearn_core/js/kit/busy.js";
import { browseCard } from "./learner/browse-card.js";
import { checkoutKey, isPaying, payForBooking } from "./learner/checkout.js";
import { startHoldClock } from "./learner/hold.js";
import { myRequests, requestModal } from "./learner/requests.js";

const kit = await kitReady();
const root = document.querySelector("[data-learner-browse]");
if (root) main(root);

const sessionOf = (b) => (typeof b.session === "object" ? b.session.id : b.session);

function main(root) {
  const list = root.querySelector("[data-browse-list]");
  const empty = root.querySelector("[data-browse-empty]");
  const loadRequests = myRequests(root.querySelector("[data-requests-list]"));

  let sessions = [];
  const bookingsBySession = new Map(); // session id -> the learner's active booking
  const released = new Set(); // session ids whose held seat of ours was released unpaid
  const booking = new Set(); // session ids with a Book request in flight
  const waiting = new Set(); // session ids with a waitlist join/leave in flight
  let loadSeq = 0;

  function card(session) {
    const b = bookingsBySession.get(session.id);
    return browseCard(session, {
      booked: b,
      booking: booking.has(session.id),
      waiting: waiting.has(session.id),
      paying: Boolean(b && isPaying(b.id)),
      released: released.has(session.id),
    });
  }

  function render() {
    setLoading(list, false);
    list.replaceChildren(...sessions.map(card));
    empty.hidden = sessions.length > 0;
    list.hidden = sessions.length === 0;
    startHoldClock();
  }

  function rerenderCard(sessionId) {
    const old = list.querySelector(`[data-session-id="${sessionId}"]`);
    const session = sessions.find((s) => s.id === sessionId);
    if (!old || !session) return null;
    const hadFocus = old.contains(document.activeElement);
    const fresh = card(session);
    old.replaceWith(fresh);
    if (hadFocus) fresh.querySelector("button, a")?.focus({ preventScroll: true });
    startHoldClock();
    return fresh;
  }

  function showLoadError() {
    setLoading(list, false);
    list.hidden = false;
    empty.hidden = true;
    list.innerHTML = `
      <div class="rounded-2xl border border-rose-200 bg-rose-50 p-6 text-center md:col-span-2" data-testid="browse-error">
        <p class="font-medium text-rose-800">Could not load sessions.</p>
        <button type="button" data-browse-retry class="mt-3 rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-rose-700 shadow-sm ring-1 ring-inset ring-rose-200 hover:bg-rose-100">Try again</button>
      </div>`;
  }

  /** Re-read sessions and bookings. `quiet` keeps background refreshes from toasting errors. */
  async function load({ quiet = false } = {}) {
    const seq = ++loadSeq;
    try {
      const [sessionData, bookingData] = await Promise.all([
        kit.api("/api/sessions/?include_full=true", { quiet }),
        kit.api("/api/bookings/?include_cancelled=true", { quiet }),
      ]);
      if (seq !== loadSeq) return;
      sessions = sessionData;
      bookingsBySession.clear();
      released.clear();
      bookingData.forEach((b) => {
        if (!b.cancelled) bookingsBySession.set(sessionOf(b), b);
        else if (b.cancel_reason === "hold_released") released.add(sessionOf(b));
      });
      render();
    } catch {
      if (seq !== loadSeq) return;
      if (!quiet || !list.querySelector("[data-session-id]")) showLoadError();
    }
  }

  async function waitlist(sessionId, join) {
    if (waiting.has(sessionId)) return;
    const session = sessions.find((s) => s.id === sessionId);
    waiting.add(sessionId);
    rerenderCard(sessionId);
    try {
      const result = await kit.api(`/api/sessions/${sessionId}/waitlist/`, { method: join ? "POST" : "DELETE" });
      sessions = sessions.map((s) =>
        s.id === sessionId
          ? {
              ...s,
              waitlist_position: join ? result.position : null,
              waitlist_count: join ? result.waitlist_count : Math.max((s.waitlist_count || 1) - 1, 0),
            }
          : s
      );
      waiting.delete(sessionId);
      rerenderCard(sessionId);
      const title = session ? ` · “${session.title}”` : "";
      kit.toast(join ? `You're #${result.position} on the waitlist${title}` : `You left the waitlist${title}`, {
        kind: join ? "success" : "info",
      });
    } catch (error) {
      waiting.delete(sessionId);
      if (error.status === 409 || error.status === 404) await load({ quiet: true });
      else rerenderCard(sessionId);
    }
  }

  // Checkout over the page for a held seat; the card shows it busy while Checkout is open.
  async function pay(b) {
    const sessionId = sessionOf(b);
    const paying = payForBooking(b);
    rerenderCard(sessionId);
    const { outcome, booking: settled } = await paying;
    if (settled) bookingsBySession.set(sessionId, { ...b, ...settled, session: b.session });
    const fresh = rerenderCard(sessionId);
    if (fresh && outcome === "paid") kit.animate(fresh, "pl-flash-green");
  }

  async function book(sessionId) {
    if (booking.has(sessionId) || bookingsBySession.has(sessionId)) return;
    const session = sessions.find((s) => s.id === sessionId);
    if (!session) return;
    booking.add(sessionId);
    released.delete(sessionId);
    rerenderCard(sessionId);
    let created;
    try {
      created = await kit.api(`/api/sessions/${sessionId}/book/`, { method: "POST" });
    } catch (error) {
      booking.delete(sessionId);
      // api() already showed the error toast (it shakes); a 409 means the list is stale.
      if (error.status === 409 || error.status === 404) await load({ quiet: true });
      else rerenderCard(sessionId);
      return;
    }
    bookingsBySession.set(sessionId, created);
    if (created.session && typeof created.session === "object") {
      sessions = sessions.map((s) => (s.id === sessionId ? created.session : s));
    }
    booking.delete(sessionId);
    document.dispatchEvent(
      new CustomEvent("peerlearn:bookings-changed", {
        detail: { source: "browse", action: "booked", bookingId: created.id, sessionId },
      })
    );
    const held = created.payment_status === "pending";
    kit.toast(
      held ? `Seat held · “${session.title}” — pay ${formatMoney(created.amount)} in Checkout to keep it` : `Booked · “${session.title}”`,
      { kind: held ? "info" : "success", key: checkoutKey(created.id) }
    );
    if (held) {
      await pay(created);
      return;
    }
    const fresh = rerenderCard(sessionId);
    if (fresh) {
      kit.animate(fresh, "pl-flash-green");
      // The Book button is gone: keep keyboard focus on the card's next control.
      if (document.activeElement === document.body) fresh.querySelector("[data-goto-tab]")?.focus({ preventScroll: true });
    }
  }

  function gotoTab(name) {
    document.querySelector(`[data-dashboard] [role="tablist"] [data-tab="${name}"]`)?.click();
  }

  root.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest("button:not(:disabled), [data-goto-tab]");
    if (!button) return;
    const data = button.dataset;
    if (data.book) book(Number(data.book));
    else if (data.payBooking) {
      const b = Array.from(bookingsBySession.values()).find((x) => x.id === Number(data.payBooking));
      if (b) pay(b);
    } else if (data.waitlistJoin) waitlist(Number(data.waitlistJoin), true);
    else if (data.waitlistLeave) waitlist(Number(data.waitlistLeave), false);
    else if (data.gotoTab) gotoTab(data.gotoTab);
    else if ("browseRetry" in data) load();
  });

  document.addEventListener("peerlearn:bookings-changed", (event) => {
    if (event.detail?.source === "browse") return; // our own booking: the card is already right
    load({ quiet: true });
  });

  // A hold ran out on a card: show it (the server releases the seat and tells us).
  document.addEventListener("peerlearn:hold-expired", (event) => {
    const b = Array.from(bookingsBySession.values()).find((x) => x.id === event.detail?.bookingId);
    if (b) rerenderCard(sessionOf(b));
  });

  document.addEventListener("peerlearn:notification", (event) => {
    const kind = event.detail?.kind || "";
    if (kind === "request.accepted" || kind === "request.declined") {
      loadRequests();
      if (kind === "request.accepted") load({ quiet: true });
    } else if (["session.", "waitlist.", "booking.", "payment."].some((prefix) => kind.startsWith(prefix))) {
      // waitlist.promoted: the shell already toasts the notification ("A seat opened up — you're in").
      load({ quiet: true });
    }
  });

  // browse.session (every learner's notifications socket): a new session appears, details and
  // seat counts change in place, one no longer bookable (cancelled, started) leaves the list.
  document.addEventListener("peerlearn:push", (event) => {
    const message = event.detail;
    if (message?.type !== "browse.session" || !message.session || loadSeq === 0) return;
    const pushed = message.session;
    const index = sessions.findIndex((s) => s.id === pushed.id);
    const bookable = pushed.status === "scheduled" && Date.parse(pushed.starts_at) > Date.now();
    if (!bookable) {
      if (index < 0) return;
      sessions.splice(index, 1);
      list.querySelector(`[data-session-id="${pushed.id}"]`)?.remove();
      empty.hidden = sessions.length > 0;
      list.hidden = sessions.length === 0;
      return;
    }
    if (index >= 0) {
      sessions[index] = { ...sessions[index], ...pushed }; // keeps our own waitlist position
      rerenderCard(pushed.id);
      return;
    }
    sessions.push(pushed);
    sessions.sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at) || a.id - b.id);
    render();
    kit.animate(list.querySelector(`[data-session-id="${pushed.id}"]`), "pl-flash-green");
  });

  // Coming back to the tab shows fresh seat counts.
  root.closest("[data-tabs]")?.addEventListener("tabs:change", (event) => {
    if (event.detail?.tab === "browse") load({ quiet: true });
  });

  requestModal((created) => loadRequests({ highlight: created.id }));
  load();
  loadRequests({ quiet: false });
}
