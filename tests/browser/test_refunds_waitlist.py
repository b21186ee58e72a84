"""Refunds and the waitlist in a real browser, over the Razorpay sandbox with webhooks on.

- A learner pays through the sandbox Checkout, cancels before the cutoff (the dialog says a full
  refund) and watches the card go "Refund pending" → "Refunded" without a reload: the sandbox
  processes the refund and its signed ``refund.processed`` webhook moves the booking, whose
  ``refund.*`` notification re-reads the learner's list.
- The mentor cancels a session with two paid learners: both cards say refunded, live.
- A full session: a second learner joins the waitlist, the booked learner cancels, the waitlisted
  learner is promoted live (toast + card) and pays.
"""

from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import expect

from .conftest import checkout_dismiss, checkout_pay, create_session, wait_for

pytestmark = pytest.mark.browser


def toast(page, text):
    expect(page.locator(".pl-toast").filter(has_text=text).first).to_be_visible(timeout=8000)


def card_id(page, title) -> str:
    card = page.locator("[data-testid^=booking-card-]").filter(has_text=title).first
    expect(card).to_be_visible()
    return card.get_attribute("data-testid").rsplit("-", 1)[1]


def book(page, sid, title, pay_amount=None) -> str:
    """Book from Browse: a priced seat opens Checkout at once; pay it, or close it unpaid."""
    page.get_by_test_id("tab-browse").click()
    page.get_by_test_id(f"book-{sid}").click()
    if pay_amount:
        checkout_pay(page, pay_amount)
        toast(page, f"Paid ₹{pay_amount}")
    else:
        checkout_dismiss(page)
        toast(page, "Checkout closed")
    page.get_by_test_id("tab-bookings").click()
    bid = card_id(page, title)
    paid = "paid" if pay_amount else "pending"
    expect(page.get_by_test_id(f"booking-payment-{bid}")).to_have_attribute("data-payment", paid)
    return bid


def pay(page, bid, amount):
    """Pay a held booking from its My Bookings card through Checkout (over the page)."""
    expect(page.get_by_test_id(f"booking-payment-{bid}")).to_have_attribute(
        "data-payment", "pending"
    )
    page.get_by_test_id(f"pay-{bid}").click()
    checkout_pay(page, amount)
    toast(page, f"Paid ₹{amount}")
    expect(page.get_by_test_id(f"booking-payment-{bid}")).to_have_attribute("data-payment", "paid")


def new_refunds(sandbox, before: set[str], count: int) -> list[dict]:
    return wait_for(
        lambda: (
            fresh
            if len(fresh := [r for r in sandbox.refunds() if r["id"] not in before]) >= count
            else None
        ),
        f"{count} refund(s) at the sandbox",
    )


def settled(page, testid):
    """Wait until no CSS animation or transition runs inside the element (a modal's fade-in)."""
    page.wait_for_function(
        """(testid) => {
          const el = document.querySelector(`[data-testid="${testid}"]`);
          return el && document.getAnimations().every(
            (a) => a.playState !== "running" || !el.contains(a.effect?.target));
        }""",
        arg=testid,
    )


def both_widths(page, screenshot, name):
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("[data-animating]")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_learner_cancel_refund_live(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Ravi Mentor")
    learner = make_account("learner", "Lata Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "Refundable algebra", price="420.50")

    lp = login(browser.new_context().new_page(), learner)
    bid = book(lp, sid, "Refundable algebra", pay_amount="420.50")
    before = {r["id"] for r in razorpay_sandbox.refunds()}

    # Three days ahead: the dialog says a full refund before the learner confirms.
    lp.get_by_test_id(f"cancel-booking-{bid}").click()
    quote = lp.get_by_test_id("cancel-booking-refund")
    expect(quote).to_have_attribute("data-refund", "full")
    expect(quote).to_contain_text("full refund of ₹420.50")
    settled(lp, "cancel-booking-modal")
    screenshot(lp, "refund-cancel-dialog")
    lp.get_by_test_id("cancel-booking-confirm").click()
    toast(lp, "refund on its way")

    # The card stays, under "Cancelled", with the refund pending.
    cancelled = lp.get_by_test_id("bookings-cancelled")
    card = cancelled.get_by_test_id(f"booking-card-{bid}")
    payment = lp.get_by_test_id(f"booking-payment-{bid}")
    expect(card).to_be_visible()
    expect(payment).to_have_attribute("data-payment", "refund_pending")
    expect(payment).to_have_text("Refund pending")
    expect(lp.get_by_test_id(f"booking-status-{bid}")).to_have_attribute("data-status", "cancelled")
    expect(lp.get_by_test_id(f"cancel-booking-{bid}")).to_have_count(0)
    expect(
        lp.get_by_test_id("bookings-upcoming").get_by_test_id(f"booking-card-{bid}")
    ).to_have_count(0)
    both_widths(lp, screenshot, "refund-pending")

    # Razorpay processes the refund; its signed webhook turns the card "Refunded" live.
    [refund] = new_refunds(razorpay_sandbox, before, 1)
    assert refund["amount"] == 42050
    lp.evaluate("window.__notReloaded = true")
    razorpay_sandbox.advance_refund(refund["id"], "processed")
    expect(payment).to_have_attribute("data-payment", "refunded", timeout=8000)
    expect(payment).to_have_text("Refunded")
    expect(lp.get_by_test_id(f"booking-refund-{bid}")).to_contain_text("₹420.50 refunded")
    toast(lp, "back with your bank")
    assert lp.evaluate("window.__notReloaded === true"), "the page reloaded"
    both_widths(lp, screenshot, "refunded")
    # Exactly one refund for the payment at the sandbox.
    assert len(razorpay_sandbox.refunds(refund["payment_id"])) == 1
    assert not [line for line in lp.console_lines if line.startswith("pageerror")], lp.console_lines


def test_mentor_cancel_refunds_every_paid_learner(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Nila Mentor")
    learners = [make_account("learner", "Arun Learner"), make_account("learner", "Bela Learner")]
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "Cancelled chemistry", price="150.25")

    pages, bids = [], []
    for account in learners:
        page = login(browser.new_context().new_page(), account)
        bid = book(page, sid, "Cancelled chemistry", pay_amount="150.25")
        pages.append(page)
        bids.append(bid)
    before = {r["id"] for r in razorpay_sandbox.refunds()}

    m = login(browser.new_context().new_page(), mentor)
    m.get_by_test_id(f"cancel-session-{sid}").click()
    m.get_by_test_id("cancel-session-reason").fill("Lab closed for repairs")
    m.get_by_test_id("cancel-session-submit").click()
    toast(m, "cancelled")

    for page, bid in zip(pages, bids, strict=True):
        expect(page.get_by_test_id(f"booking-cancelled-{bid}")).to_contain_text(
            "Lab closed for repairs", timeout=8000
        )
        expect(page.get_by_test_id(f"booking-payment-{bid}")).to_have_attribute(
            "data-payment", "refund_pending", timeout=8000
        )
        page.evaluate("window.__notReloaded = true")

    refunds = new_refunds(razorpay_sandbox, before, 2)
    assert len({r["payment_id"] for r in refunds}) == 2
    for refund in refunds:
        razorpay_sandbox.advance_refund(refund["id"], "processed")
    for page, bid in zip(pages, bids, strict=True):
        payment = page.get_by_test_id(f"booking-payment-{bid}")
        expect(payment).to_have_attribute("data-payment", "refunded", timeout=8000)
        expect(payment).to_have_text("Refunded")
        assert page.evaluate("window.__notReloaded === true"), "the page reloaded"
    both_widths(pages[0], screenshot, "mentor-cancel-refunded")
    assert len(razorpay_sandbox.refunds()) == len(before) + 2


def test_waitlisted_learner_promoted_live_and_pays(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Kavi Mentor")
    first = make_account("learner", "Dev Learner")
    second = make_account("learner", "Esha Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "One-seat physics", price="99.50", seats=1)

    a = login(browser.new_context().new_page(), first)
    a_bid = book(a, sid, "One-seat physics")

    b = login(browser.new_context().new_page(), second)
    b.get_by_test_id("tab-browse").click()
    expect(b.get_by_test_id(f"book-{sid}")).to_have_count(0)
    b.get_by_test_id(f"join-waitlist-{sid}").click()
    toast(b, "#1 on the waitlist")
    position = b.get_by_test_id(f"waitlist-position-{sid}")
    expect(position).to_have_attribute("data-position", "1")
    both_widths(b, screenshot, "waitlist-joined")
    b.evaluate("window.__notReloaded = true")

    # The booked learner cancels (unpaid: nothing to refund); the seat goes to the waitlist.
    a.get_by_test_id(f"cancel-booking-{a_bid}").click()
    expect(a.get_by_test_id("cancel-booking-refund")).to_be_hidden()
    a.get_by_test_id("cancel-booking-confirm").click()
    toast(a, "cancelled")
    expect(a.get_by_test_id(f"booking-card-{a_bid}")).to_have_count(0)

    # Promoted live: the toast, the Browse card, and the My bookings card with Pay.
    toast(b, "A seat opened up")
    expect(b.locator(".pl-toast").filter(has_text="A seat opened up")).to_have_count(1)
    expect(position).to_have_count(0)
    assert b.evaluate("window.__notReloaded === true"), "the page reloaded"
    b.get_by_test_id("tab-bookings").click()
    b_bid = card_id(b, "One-seat physics")
    expect(b.get_by_test_id(f"pay-{b_bid}")).to_be_visible()
    both_widths(b, screenshot, "waitlist-promoted")
    pay(b, b_bid, "99.50")
    expect(b.get_by_test_id(f"booking-payment-{b_bid}")).to_have_text("Paid")


def test_reschedule_decline_refunds_live(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Tara Mentor")
    learner = make_account("learner", "Uma Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "Moved biology", price="75.75")

    lp = login(browser.new_context().new_page(), learner)
    bid = book(lp, sid, "Moved biology", pay_amount="75.75")
    before = {r["id"] for r in razorpay_sandbox.refunds()}

    # The mentor moves the start (to inside the cutoff: declining still refunds in full).
    new_start = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    moved = requests.patch(
        f"{site_server.url}/api/sessions/{sid}/",
        headers=auth,
        timeout=10,
        json={"starts_at": new_start},
    )
    assert moved.status_code == 200, moved.text
    panel = lp.get_by_test_id(f"reconfirm-panel-{bid}")
    expect(panel).to_contain_text("Declining refunds you in full", timeout=8000)
    lp.evaluate("window.__notReloaded = true")
    lp.get_by_test_id(f"reconfirm-decline-{bid}").click()
    toast(lp, "your refund is on its way")

    card = lp.get_by_test_id("bookings-cancelled").get_by_test_id(f"booking-card-{bid}")
    expect(card).to_be_visible()
    expect(lp.get_by_test_id(f"booking-cancelled-{bid}")).to_contain_text(
        "You declined the new time"
    )
    payment = lp.get_by_test_id(f"booking-payment-{bid}")
    expect(payment).to_have_attribute("data-payment", "refund_pending")

    [refund] = new_refunds(razorpay_sandbox, before, 1)
    assert refund["amount"] == 7575
    razorpay_sandbox.advance_refund(refund["id"], "processed")
    expect(payment).to_have_attribute("data-payment", "refunded", timeout=8000)
    expect(payment).to_have_text("Refunded")
    assert lp.evaluate("window.__notReloaded === true"), "the page reloaded"
    assert len(razorpay_sandbox.refunds(refund["payment_id"])) == 1
