"""Book → pay in one flow, at phone and desktop widths.

A learner books a priced session from Browse: the seat is held and Checkout (the sandbox's
stand-in for Razorpay's modal) opens over the page at once, with the hold's live countdown on the
card. Closing Checkout leaves "Pay now" with the countdown; paying turns the booking Paid with
the amount in en-IN grouping ("₹1,077.30"). A free session books in one click with no Checkout.
When the hold runs out the server releases the seat and the card says so.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import checkout, checkout_dismiss, checkout_pay
from .test_refunds_waitlist import create_session

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def toast(page, text):
    expect(page.locator(".pl-toast").filter(has_text=text).first).to_be_visible(timeout=8000)


def countdown_ticks(page, testid):
    """The countdown reads m:ss and changes while we watch (no sleeps: wait for the change)."""
    clock = page.get_by_test_id(testid)
    expect(clock).to_have_text(_mmss())
    first = clock.inner_text()
    page.wait_for_function(
        "([id, first]) => document.querySelector(`[data-testid='${id}']`)?.textContent !== first",
        arg=[testid, first],
        timeout=5000,
    )
    second = clock.inner_text()
    assert _seconds(second) < _seconds(first) <= 15 * 60, (first, second)
    return second


def _mmss():
    return re.compile(r"^\d{1,2}:\d{2}$")


def _seconds(text):
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
def test_book_and_pay_in_one_flow(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot, width
):
    mentor = make_account("mentor", "Asha Mentor")
    learner = make_account("learner", "Meera Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, f"Linear algebra intensive {width}", price="1077.30")
    free = create_session(site_server, auth, f"Open office hour {width}", price="0")

    context = browser.new_context(viewport=WIDTHS[width])
    page = login(context.new_page(), learner)
    page.get_by_test_id("tab-browse").click()
    expect(page.get_by_test_id(f"browse-price-{sid}")).to_have_text("₹1,077.30")

    # Book: the seat is held and Checkout opens at once, over the page.
    page.get_by_test_id(f"book-{sid}").click()
    frame = checkout(page)
    expect(frame.get_by_test_id("sandbox-amount")).to_have_text("₹1,077.30")
    toast(page, "Seat held · “Linear algebra intensive")
    expect(page.get_by_test_id(f"browse-payment-{sid}")).to_have_text("Payment pending")
    countdown_ticks(page, f"browse-hold-countdown-{sid}")

    # Closing Checkout leaves "Pay now" with the countdown still running.
    checkout_dismiss(page)
    toast(page, "Checkout closed")
    pay_now = page.get_by_test_id(f"browse-pay-{sid}")
    expect(pay_now).to_have_text("Pay now")
    expect(page.get_by_test_id(f"book-{sid}")).to_have_count(0)
    countdown_ticks(page, f"browse-hold-countdown-{sid}")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    screenshot(page, f"book-pay-pending-browse-{width}")

    # My Bookings says the same: pending, the countdown, and Pay with the amount in en-IN.
    page.get_by_test_id("tab-bookings").click()
    card = page.locator("[data-testid^=booking-card-]").filter(has_text="Linear algebra intensive")
    bid = card.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(page.get_by_test_id(f"booking-payment-{bid}")).to_have_text("Payment pending")
    expect(page.get_by_test_id(f"pay-{bid}")).to_have_text("Pay ₹1,077.30")
    countdown_ticks(page, f"hold-countdown-{bid}")
    screenshot(page, f"book-pay-pending-{width}")

    # Pay now (from Browse) reopens Checkout; paying turns the booking Paid, live.
    page.get_by_test_id("tab-browse").click()
    page.evaluate(
        "document.addEventListener('peerlearn:notification',"
        " (e) => (window.__kinds ||= []).push(e.detail.kind))"
    )
    pay_now.click()
    checkout_pay(page, "1,077.30")
    toast(page, "Paid ₹1,077.30 · “Linear algebra intensive")
    expect(page.locator(".pl-toast").filter(has_text="Linear algebra intensive")).to_have_count(1)
    # The server's own "payment received" notification reaches this page too, and is not a
    # second toast: the page already said it.
    page.wait_for_function("() => (window.__kinds || []).includes('payment.paid')", timeout=8000)
    expect(page.locator(".pl-toast").filter(has_text="your seat is confirmed")).to_have_count(0)
    expect(page.get_by_test_id(f"browse-payment-{sid}")).to_have_text("Paid")
    expect(page.get_by_test_id(f"browse-hold-countdown-{sid}")).to_have_count(0)
    page.get_by_test_id("tab-bookings").click()
    payment = page.get_by_test_id(f"booking-payment-{bid}")
    expect(payment).to_have_attribute("data-payment", "paid")
    expect(payment).to_have_text("Paid")
    expect(page.get_by_test_id(f"hold-countdown-{bid}")).to_have_count(0)
    expect(page.get_by_test_id(f"pay-{bid}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    screenshot(page, f"book-pay-paid-{width}")
    [order] = [o for o in razorpay_sandbox.orders() if o["notes"].get("booking_id") == bid]
    assert order["amount_paid"] == 107730 and order["status"] == "paid"

    # A free session: one click, booked, no Checkout.
    page.get_by_test_id("tab-browse").click()
    expect(page.get_by_test_id(f"book-{free}")).to_have_text("Book")
    page.get_by_test_id(f"book-{free}").click()
    toast(page, "Booked · “Open office hour")
    expect(page.get_by_test_id(f"browse-booked-{free}")).to_have_text("Booked")
    expect(page.get_by_test_id("sandbox-checkout-frame")).to_have_count(0)
    expect(page.get_by_test_id(f"browse-hold-countdown-{free}")).to_have_count(0)
    assert not [line for line in page.console_lines if line.startswith("pageerror")], (
        page.console_lines
    )
    context.close()


def test_unpaid_hold_runs_out_and_the_seat_is_released(
    browser, site_server, razorpay_sandbox, make_account, token_for, login
):
    mentor = make_account("mentor", "Ravi Mentor")
    learner = make_account("learner", "Lata Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "Held-too-long geometry", price="1500.00")
    page = login(browser.new_context().new_page(), learner)
    page.get_by_test_id("tab-browse").click()
    page.get_by_test_id(f"book-{sid}").click()
    checkout_dismiss(page)
    expect(page.get_by_test_id(f"browse-pay-{sid}")).to_be_visible()

    # The hold ran out (booked 16 minutes ago); the server's periodic job releases the seat.
    site_server.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from peerlearn_bookings.models import Booking; "
        f"Booking.objects.filter(session_id={sid}).update("
        "booked_at=timezone.now() - timedelta(minutes=16))",
    )
    site_server.manage("release_unpaid_bookings")
    released = page.get_by_test_id(f"browse-released-{sid}")
    expect(released).to_contain_text("released", timeout=8000)
    expect(page.get_by_test_id(f"browse-pay-{sid}")).to_have_count(0)
    expect(page.get_by_test_id(f"book-{sid}")).to_be_visible()
    page.get_by_test_id("tab-bookings").click()
    card = page.get_by_test_id("bookings-cancelled").locator("[data-testid^=booking-card-]")
    expect(card.filter(has_text="Held-too-long geometry")).to_contain_text("The seat was released")
