"""Nothing stale on screen: a learner's Browse shows a new session and changing seat counts
without a reload, and the mentor's open View Learners slide-over turns "Payment pending" into
"Paid" the moment the learner pays. Real Daphne, real sockets, the sandbox Checkout."""

import pytest
import requests
from playwright.sync_api import expect

from .conftest import checkout_pay, create_session

pytestmark = pytest.mark.browser

WIDTHS = {390: {"width": 390, "height": 844}, 1280: {"width": 1280, "height": 800}}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_browse_and_learners_slide_over_follow_the_server_live(
    width, browser, site_server, razorpay_sandbox, make_account, token_for, login, screenshot
):
    mentor = make_account("mentor", "Asha Mentor")
    watcher = make_account("learner", "Kabir Watcher")
    payer = make_account("learner", "Meera Payer")
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    sid = create_session(site_server, auth, "Graph algorithms clinic", price="1077.30", seats=5)

    # The watching learner has Browse open; the mentor has the session's learners open.
    watch = login(browser.new_context(viewport=WIDTHS[width]).new_page(), watcher)
    watch.get_by_test_id("tab-browse").click()
    expect(watch.get_by_test_id(f"browse-seats-{sid}")).to_have_text("5 seats left")
    m = login(browser.new_context(viewport=WIDTHS[width]).new_page(), mentor)
    m.get_by_test_id(f"view-learners-{sid}").click()
    expect(m.locator("[data-so-empty]")).to_be_visible()

    # A new session appears on Browse without a reload.
    new_sid = create_session(site_server, auth, "Dynamic programming drills", price="0", seats=5)
    expect(watch.get_by_test_id(f"browse-title-{new_sid}")).to_have_text(
        "Dynamic programming drills", timeout=8000
    )
    expect(watch.get_by_test_id(f"browse-seats-{new_sid}")).to_have_text("5 seats left")

    # Another learner books the priced one: the watcher's seat count drops, and the mentor's
    # slide-over lists them with the payment pending.
    pay = login(browser.new_context(viewport=WIDTHS[width]).new_page(), payer)
    pay.get_by_test_id("tab-browse").click()
    pay.get_by_test_id(f"book-{sid}").click()
    expect(watch.get_by_test_id(f"browse-seats-{sid}")).to_have_text("4 seats left", timeout=8000)
    row = m.locator("[data-testid^=learner-row-]").filter(has_text="Meera Payer")
    expect(row).to_have_count(1, timeout=8000)
    bid = row.get_attribute("data-testid").rsplit("-", 1)[1]
    pill = m.get_by_test_id(f"payment-status-{bid}")
    expect(pill).to_have_text("Payment pending")

    # They pay in Checkout: the open slide-over reads Paid, live.
    checkout_pay(pay, "1,077.30")
    expect(pill).to_have_text("Paid", timeout=8000)
    expect(pill).to_have_attribute("data-status", "paid")
    screenshot(m, f"live-slide-over-paid-{width}")

    # The mentor cancels the new session: it leaves the watcher's Browse.
    cancelled = requests.post(
        f"{site_server.url}/api/sessions/{new_sid}/cancel/",
        headers=auth,
        timeout=10,
        json={"reason": "Moved to next week"},
    )
    assert cancelled.status_code == 200, cancelled.text
    expect(watch.get_by_test_id(f"browse-card-{new_sid}")).to_have_count(0, timeout=8000)
    screenshot(watch, f"live-browse-{width}")
