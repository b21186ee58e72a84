// One Browse card: a bookable session with its Book button, a full one with its waitlist, or the
// learner's own booking of it (with the seat-hold countdown and "Pay now" while it is unpaid).
import { escapeHtml, formatPrice, plural } from "../../../peerlearn_core/js/format.js";
import { busyAttrs, busyLabel } from "../../../peerlearn_core/js/kit/busy.js";
import { paymentPill, pill } from "../../../peerlearn_core/js/kit/pills.js";
import { holdLeft, holdNotice } from "./hold.js";
import { ICONS, whenItems } from "./icons.js";

const BUTTON = "inline-flex shrink-0 items-center justify-center gap-2 rounded-xl px-4 py-2 text-sm font-semibold shadow-sm transition disabled:cursor-wait disabled:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2";

function payNow(session, b, paying) {
  if (!holdLeft(b)) return "";
  return `<button type="button" data-pay-booking="${b.id}" data-testid="browse-pay-${session.id}" ${busyAttrs(paying)}
      class="${BUTTON} bg-emerald-600 text-white hover:bg-emerald-700 focus-visible:outline-emerald-600">
      ${paying ? busyLabel("Opening Checkout…") : "Pay now"}</button>`;
}

function bookedState(session, b, paying) {
  const priced = Number(session.price) > 0;
  const payment = priced && ["pending", "paid"].includes(b.payment_status)
    ? paymentPill(b.payment_status, `data-testid="browse-payment-${session.id}"`)
    : "";
  const held = holdLeft(b) !== null;
  return `
    <div class="flex min-w-0 flex-wrap items-center gap-2">
      <span class="inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-3 py-1 text-sm font-semibold text-emerald-700 ring-1 ring-inset ring-emerald-200" data-testid="browse-booked-${session.id}">${ICONS.check}${held ? "Seat held" : "Booked"}</span>
      ${payment}
    </div>
    ${
      held
        ? payNow(session, b, paying)
        : `<button type="button" data-goto-tab="bookings" class="shrink-0 rounded-lg px-2 py-1 text-sm font-medium text-indigo-600 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">My bookings <span aria-hidden="true">→</span></button>`
    }
    ${held ? `<div class="basis-full">${holdNotice(b, `browse-hold-countdown-${session.id}`, { compact: true })}</div>` : ""}`;
}

// A full session: join its waitlist, or show the learner's place and a Leave button.
function waitlistControls(session, busy) {
  const position = session.waitlist_position;
  if (position) {
    return `
      <span class="text-sm font-medium text-amber-800" data-testid="waitlist-position-${session.id}" data-position="${Number(position)}">#${Number(position)} on the waitlist</span>
      <button type="button" data-waitlist-leave="${session.id}" data-testid="leave-waitlist-${session.id}" ${busyAttrs(busy)}
              class="${BUTTON} font-medium text-slate-600 shadow-none ring-1 ring-inset ring-slate-200 hover:bg-slate-50 focus-visible:outline-indigo-600">
        ${busy ? busyLabel("Leaving…") : "Leave waitlist"}
      </button>`;
  }
  return `
    <span class="text-sm text-slate-500">Full${session.waitlist_count ? ` · ${Number(session.waitlist_count)} waiting` : ""}</span>
    <button type="button" data-waitlist-join="${session.id}" data-testid="join-waitlist-${session.id}" ${busyAttrs(busy)}
            class="${BUTTON} bg-amber-500 text-white hover:bg-amber-600 focus-visible:outline-amber-600">
      ${busy ? busyLabel("Joining…") : "Join waitlist"}
    </button>`;
}

function bookButton(session, busy) {
  const priced = Number(session.price) > 0;
  return `
    <span class="text-sm text-slate-500">${escapeHtml(formatPrice(session.price))}${priced ? " per seat" : ""}</span>
    <button type="button" data-book="${session.id}" data-testid="book-${session.id}" ${busyAttrs(busy)}
            class="${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 focus-visible:outline-indigo-600">
      ${busy ? busyLabel("Booking…") : priced ? "Book and pay" : "Book"}
    </button>`;
}

/**
 * The card element. `state`: {booking} the learner's active booking of it, {booking: true} while
 * Book is in flight, {waiting} while a waitlist change is, {paying} while Checkout is open.
 */
export function browseCard(session, { booked, booking = false, waiting = false, paying = false, released = false }) {
  const priced = Number(session.price) > 0;
  const few = session.seats_left <= 2;
  const el = document.createElement("article");
  el.className =
    "flex min-w-0 flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition-shadow hover:shadow-md data-[booked=true]:border-emerald-200";
  el.dataset.testid = `browse-card-${session.id}`;
  el.dataset.sessionId = session.id;
  el.dataset.booked = String(Boolean(booked));
  const actions = booked
    ? bookedState(session, booked, paying)
    : session.seats_left > 0
      ? bookButton(session, booking)
      : waitlistControls(session, waiting);
  el.innerHTML = `
    <div class="flex items-start justify-between gap-3">
      <div class="min-w-0">
        <h3 class="break-words font-semibold text-slate-900" data-testid="browse-title-${session.id}">${escapeHtml(session.title)}</h3>
        <p class="mt-0.5 truncate text-sm text-slate-500">with <span class="font-medium text-slate-700" data-testid="browse-mentor-${session.id}">${escapeHtml(session.mentor?.name || "")}</span></p>
      </div>
      ${pill(formatPrice(session.price), priced ? "indigo" : "green", `data-testid="browse-price-${session.id}"`)}
    </div>
    <ul class="mt-3 flex flex-wrap gap-x-4 gap-y-1.5 text-sm text-slate-600">
      ${whenItems(session, `browse-when-${session.id}`)}
      <li class="inline-flex items-center gap-1.5 ${few ? "font-medium text-amber-700" : ""}">${ICONS.seats}<span data-testid="browse-seats-${session.id}">${escapeHtml(plural(session.seats_left, "seat"))} left</span></li>
    </ul>
    ${
      session.description
        ? `<p class="mt-3 line-clamp-3 break-words text-sm text-slate-600" title="${escapeHtml(session.description)}">${escapeHtml(session.description)}</p>`
        : ""
    }
    ${
      released && !booked
        ? `<p class="mt-3 rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-700" data-testid="browse-released-${session.id}">Your held seat was released because the payment did not arrive in time. You can book again.</p>`
        : ""
    }
    <div class="mt-auto flex flex-wrap items-center justify-between gap-3 pt-4" data-browse-actions>${actions}</div>`;
  return el;
}
