"""Money in a real browser: a learner pays through the sandbox Checkout, the mentor sees "paid",
ends the session, and withdraws the earnings to UPI; the status turns processed live."""

import pytest
import requests
from playwright.sync_api import expect

from .conftest import checkout, checkout_pay, create_session, events

pytestmark = pytest.mark.browser


def toast(page, text):
    expect(page.locator(".pl-toast").filter(has_text=text).first).to_be_visible(timeout=8000)


def test_pay_then_withdraw(
    browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Asha Mentor")
    learner = make_account("learner", "Meera Learner")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    # It starts in eight minutes: bookable now, and its room (and Start) opens ten minutes ahead.
    sid = create_session(site_server, auth, "Statistics clinic", price="333.33", minutes=8)

    # The learner books; Checkout (the sandbox's, over the page) opens at once and they pay.
    lp = login(browser.new_context().new_page(), learner)
    lp.get_by_test_id("tab-browse").click()
    lp.get_by_test_id(f"book-{sid}").click()
    expect(checkout(lp).get_by_test_id("sandbox-checkout")).to_be_visible()
    screenshot(lp, "sandbox-checkout")
    checkout_pay(lp, "333.33")
    toast(lp, "Paid ₹333.33 · “Statistics clinic”")
    lp.get_by_test_id("tab-bookings").click()
    card = lp.locator("[data-testid^=booking-card-]").filter(has_text="Statistics clinic")
    bid = card.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(lp.get_by_test_id(f"booking-payment-{bid}")).to_have_attribute("data-payment", "paid")

    # The mentor's slide-over shows "paid"; ending the session accrues ₹300.00 net.
    m = login(browser.new_context().new_page(), mentor)
    m.get_by_test_id(f"view-learners-{sid}").click()
    expect(m.get_by_test_id(f"payment-status-{bid}")).to_have_attribute("data-status", "paid")
    m.keyboard.press("Escape")
    # End Session shows only once the session is live (or past its end): the mentor starts it
    # (what the room's Start Call does), and the button appears live.
    expect(m.get_by_test_id(f"end-session-{sid}")).to_be_hidden()
    started = requests.post(
        f"{site_server.url}/api/sessions/{sid}/start/", headers=auth, timeout=10
    )
    assert started.json()["status"] == "live", started.text
    m.get_by_test_id(f"end-session-{sid}").click()
    toast(m, "Session ended")
    toast(m, "Earnings added")
    m.get_by_test_id("tab-earnings").click()
    expect(m.get_by_test_id("available-balance")).to_have_text("₹300.00", timeout=5000)

    # Withdraw through the multi-step modal: an invalid UPI ID shakes.
    m.get_by_test_id("withdraw-open").click()
    expect(m.get_by_test_id("withdraw-modal")).to_have_attribute("data-open", "true")
    m.get_by_test_id("wd-amount").fill("300.01")
    m.get_by_test_id("wd-next-1").click()
    assert events(m, "pl-shake"), "an amount above the balance must shake"
    m.get_by_test_id("wd-amount").fill("250.50")
    m.get_by_test_id("wd-next-1").click()
    expect(m.get_by_test_id("wd-pane-2")).to_be_visible()
    # Next is ignored while the panes slide (200 ms); a person waits for the slide, so do we.
    expect(m.locator("[data-animating]")).to_have_count(0)
    before = len(events(m, "pl-shake"))
    m.get_by_test_id("wd-upi").fill("asha_mentor@okhdfcbank")
    m.get_by_test_id("wd-next-2").click()
    assert len(events(m, "pl-shake")) > before, "an invalid UPI ID must shake"
    expect(m.get_by_test_id("wd-pane-2")).to_be_visible()
    m.get_by_test_id("wd-upi").fill("asha.mentor@okhdfcbank")
    m.get_by_test_id("wd-next-2").click()
    expect(m.get_by_test_id("wd-pane-3")).to_be_visible()
    expect(m.locator("[data-animating]")).to_have_count(0)
    screenshot(m, "withdraw-review")
    # Hold Razorpay's answer back a moment so the spinner is observable.
    razorpay_sandbox.inject_fault("timeout", path="/v1/payouts", delay=0.8)
    m.get_by_test_id("wd-submit").click()
    expect(m.get_by_test_id("wd-spinner")).to_be_visible()
    toast(m, "Withdrawal Requested")
    history = m.get_by_test_id("payout-history")
    row = history.locator("[data-testid^=payout-row-]").first
    expect(row).to_contain_text("250.50")
    assert events(m, "pl-slide-down"), "the new row did not slide down"
    expect(m.get_by_test_id("available-balance")).to_have_text("₹49.50", timeout=5000)
    pid = row.get_attribute("data-testid").rsplit("-", 1)[1]

    # The client timed out (status created): the reconciler retries with the same key.
    site_server.manage("reconcile_payouts")
    [remote] = [p for p in razorpay_sandbox.payouts() if p["reference_id"] == f"payout_{pid}"]
    status = m.get_by_test_id(f"payout-status-{pid}")
    expect(status).to_have_attribute("data-status", "processing", timeout=8000)

    # Razorpay processes it; the signed webhook turns the row to processed live.
    razorpay_sandbox.advance(remote["id"], "processed")
    expect(status).to_have_attribute("data-status", "processed", timeout=8000)
    toast(m, "Withdrawal sent")
    # Looking at the Earnings tab is seeing the news: its badge clears.
    expect(m.get_by_test_id("badge-earnings")).to_be_hidden(timeout=6000)
    screenshot(m, "earnings-1280")
    m.set_viewport_size({"width": 390, "height": 844})
    # The layout settles at the new width with nothing wider than the screen.
    m.wait_for_function("() => document.documentElement.clientWidth === 390")
    m.wait_for_function("() => document.documentElement.scrollWidth <= 390")
    screenshot(m, "earnings-390")
    assert len([p for p in razorpay_sandbox.payouts() if p["reference_id"] == f"payout_{pid}"]) == 1
