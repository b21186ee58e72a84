"""A mentor's first hour (issue 10), on a phone and a laptop: money reads in the en-IN grouping,
the learners slide-over says what the payment is, and a learner confirming or declining gives the
mentor one toast that says who and which session ("Asha Learner confirmed · Graph algorithms
clinic"). The mentor works in the browser; the learner acts through the real API."""

import re

import pytest
import requests
from playwright.sync_api import expect

from .conftest import create_session

pytestmark = pytest.mark.browser

TITLE = "Graph algorithms clinic"


def toasts(page, text):
    return page.locator(".pl-toast").filter(has_text=text)


@pytest.mark.parametrize("width", [390, 1280])
def test_mentor_reads_who_confirmed_and_money_in_en_in(
    width, browser, site_server, make_account, login, token_for, screenshot
):
    mentor = make_account("mentor", "Ravi Mentor")
    learner = make_account("learner", "Asha Learner")
    mentor_auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    learner_auth = {"Authorization": f"Bearer {token_for(learner)}"}
    api = site_server.url
    sid = create_session(
        site_server, mentor_auth, TITLE, price="1077.30", seats=8, days=2, duration=90
    )
    booked = requests.post(f"{api}/api/sessions/{sid}/book/", headers=learner_auth, timeout=10)
    assert booked.status_code == 201, booked.text
    bid = booked.json()["id"]

    context = browser.new_context(viewport={"width": width, "height": 900})
    m = login(context.new_page(), mentor)
    try:
        # The card: price in the en-IN grouping, one booking.
        card = m.get_by_test_id(f"session-card-{sid}")
        expect(card).to_have_attribute("data-socket", "open", timeout=10_000)
        expect(m.get_by_test_id(f"session-price-{sid}")).to_have_text("₹1,077.30")
        expect(m.get_by_test_id(f"booked-{sid}")).to_have_text("Booked 1/8")
        expect(m.get_by_test_id(f"session-status-{sid}")).to_have_text("Scheduled")

        # View Learners: the header's price and the payment pill as the mentor reads them.
        m.get_by_test_id(f"view-learners-{sid}").click()
        slide = m.get_by_test_id("learners-slide-over")
        expect(slide).to_have_attribute("data-open", "true")
        expect(slide.locator("[data-so-when]")).to_contain_text("₹1,077.30")
        expect(m.get_by_test_id(f"learner-name-{bid}")).to_have_text("Asha Learner")
        expect(m.get_by_test_id(f"payment-status-{bid}")).to_have_text("Payment pending")
        expect(m.get_by_test_id(f"learner-confirmation-{bid}")).to_have_text("Not confirmed")
        m.keyboard.press("Escape")
        expect(slide).to_have_attribute("data-open", "false")

        # I'm Ready: one toast for the click, naming the session.
        ready = m.get_by_test_id(f"ready-{sid}")
        ready.click()
        expect(ready).to_have_text(re.compile("Cancel Ready"))
        expect(toasts(m, "You're ready")).to_have_count(1)
        expect(toasts(m, "You're ready").first).to_contain_text(TITLE)

        # The learner confirms: the mentor's badge moves and one toast says who and what.
        confirmed = requests.post(
            f"{api}/api/bookings/{bid}/confirm/", headers=learner_auth, timeout=10
        )
        assert confirmed.status_code == 200, confirmed.text
        expect(m.get_by_test_id(f"confirmed-badge-{sid}")).to_have_text("1 confirmed")
        expect(toasts(m, "confirmed ·")).to_have_count(1)
        expect(toasts(m, "confirmed ·").first).to_contain_text(f"Asha Learner confirmed · {TITLE}")
        unnamed = toasts(m, re.compile("A learner (confirmed|declined)"))
        assert not unnamed.count(), "the toast must name the learner"
        # The picture is taken once the toasts have finished sliding in.
        m.wait_for_function(
            "() => Array.from(document.querySelectorAll('.pl-toast'))"
            ".every((t) => t.getAnimations().length === 0)"
        )
        screenshot(m, f"mentor-first-hour-confirmed-{width}")

        # The learner declines: the same kind of toast, with who and what.
        declined = requests.post(
            f"{api}/api/bookings/{bid}/decline/", headers=learner_auth, timeout=10
        )
        assert declined.status_code == 200, declined.text
        expect(m.get_by_test_id(f"confirmed-badge-{sid}")).to_have_text("0 confirmed")
        expect(toasts(m, f"Asha Learner declined · {TITLE}").first).to_be_visible()

        assert m.evaluate("document.documentElement.scrollWidth") <= width
        assert not [line for line in m.console_lines if line.startswith("pageerror")], (
            m.console_lines
        )
    finally:
        context.close()
