"""Bookings and enrollment, live, with a mentor and a learner in two browser contexts at once."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import expect

from .conftest import events

pytestmark = pytest.mark.browser

LOCAL_IN_DAYS = """(days) => {
  const d = new Date(Date.now() + days * 86400000);
  d.setMinutes(0, 0, 0);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
}"""


def toast(page, text):
    return expect(page.locator(".pl-toast").filter(has_text=text).first).to_be_visible(timeout=5000)


@pytest.fixture
def two_people(browser, make_account, login):
    mentor = make_account("mentor", "Asha Mentor")
    learner = make_account("learner", "Meera Learner")
    mentor_page = login(
        browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), mentor
    )
    learner_page = login(
        browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), learner
    )
    yield mentor, learner, mentor_page, learner_page
    mentor_page.context.close()
    learner_page.context.close()


def test_book_attend_ready_confirm_decline_live(two_people, screenshot, site_server, token_for):
    mentor, learner, m, lp = two_people

    # Mentor creates a session through the multi-step modal; a past time shakes.
    m.get_by_test_id("create-session").click()
    expect(m.get_by_test_id("create-session-modal")).to_have_attribute("data-open", "true")
    m.get_by_test_id("cs-title").fill("Pandas in practice")
    m.get_by_test_id("cs-description").fill("Joins, reshaping and dates.")
    m.get_by_test_id("cs-next-1").click()
    # Next is ignored while the panes slide (200 ms); a person waits for the slide, so do we.
    expect(m.locator("[data-animating]")).to_have_count(0)
    m.get_by_test_id("cs-starts-at").fill(m.evaluate(LOCAL_IN_DAYS, -1))
    m.get_by_test_id("cs-duration").fill("60")
    m.get_by_test_id("cs-next-2").click()
    assert events(m, "pl-shake"), "a past start time must shake"
    expect(m.get_by_test_id("cs-pane-2")).to_be_visible()
    m.get_by_test_id("cs-starts-at").fill(m.evaluate(LOCAL_IN_DAYS, 2))
    m.get_by_test_id("cs-next-2").click()
    expect(m.get_by_test_id("cs-pane-3")).to_be_visible()
    expect(m.locator("[data-animating]")).to_have_count(0)
    m.get_by_test_id("cs-max").fill("5")
    m.get_by_test_id("cs-price").fill("0")
    m.get_by_test_id("cs-submit").click()
    toast(m, "Session created")
    card = m.locator("[data-testid^=session-card-]").filter(has_text="Pandas in practice")
    expect(card).to_be_visible()
    session_id = card.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(card).to_have_attribute("data-socket", "open", timeout=10_000)
    expect(m.get_by_test_id(f"booked-{session_id}")).to_have_text("Booked 0/5")

    # Learner (who opens Browse after the session was published) books; the mentor's card moves
    # to Booked 1/5 without a reload.
    lp.reload()
    lp.wait_for_selector("[data-dashboard][data-live=true]")
    lp.get_by_test_id("tab-browse").click()
    lp.get_by_test_id(f"book-{session_id}").click()
    toast(lp, "Booked")
    expect(m.get_by_test_id(f"booked-{session_id}")).to_have_text("Booked 1/5")
    toast(m, "New booking")

    # View Learners: the slide-over comes in from the right in 300 ms.
    m.get_by_test_id(f"view-learners-{session_id}").click()
    slide = m.get_by_test_id("learners-slide-over")
    expect(slide).to_have_attribute("data-open", "true")
    panel = slide.locator(".pl-slide-over-panel")
    assert "0.3s" in panel.evaluate("el => getComputedStyle(el).transitionDuration")
    row = slide.locator("[data-testid^=learner-row-]").first
    expect(row).to_contain_text("Meera Learner")
    booking_id = row.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(m.get_by_test_id(f"learner-email-{booking_id}")).to_have_text(learner["email"])
    expect(m.get_by_test_id(f"payment-status-{booking_id}")).to_contain_text(
        re.compile("free", re.I)
    )

    # Details expand (height auto, 200 ms).
    m.get_by_test_id(f"learner-details-toggle-{booking_id}").click()
    details = m.get_by_test_id(f"learner-details-{booking_id}")
    expect(details).to_be_visible()
    expect(m.get_by_test_id(f"learner-details-toggle-{booking_id}")).to_have_attribute(
        "aria-expanded", "true"
    )

    # Attendance opens when the session goes live: not two days ahead.
    expect(m.get_by_test_id(f"attend-{booking_id}")).to_be_hidden()
    expect(row.locator("[data-attend-later]")).to_be_visible()
    expect(m.get_by_test_id(f"end-session-{session_id}")).to_be_hidden()
    # Its time comes: the mentor moves it to start in five minutes (its room opens) and starts it
    # (what the room's Start Call does); the checkbox appears live.
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    url = f"{site_server.url}/api/sessions/{session_id}/"
    assert requests.patch(url, json={"starts_at": soon}, headers=auth, timeout=10).ok
    started = requests.post(f"{url}start/", headers=auth, timeout=10)
    assert started.json()["status"] == "live", started.text
    expect(m.get_by_test_id(f"attend-{booking_id}")).to_be_visible()
    expect(m.get_by_test_id(f"end-session-{session_id}")).to_be_visible()

    # Mark Attended: green flash, attended count 1.
    m.get_by_test_id(f"attend-{booking_id}").check()
    expect(m.get_by_test_id("slide-over-attended")).to_contain_text("1")
    expect(m.get_by_test_id(f"attended-{session_id}")).to_contain_text("1 attended")
    m.wait_for_function(
        "id => (window.__plEvents || []).some(e => e.cls === 'pl-flash-green' && e.testid === id)",
        arg=f"learner-row-{booking_id}",
        timeout=5000,
    )  # the row on screen flashed (the commit's push may redraw it before the response)
    toast(m, "marked attended")
    m.wait_for_timeout(350)
    screenshot(m, "mentor-learners-slide-over-1280")
    m.keyboard.press("Escape")
    expect(slide).to_have_attribute("data-open", "false")

    # I'm Ready flips to Cancel Ready; the learner's card shows Confirm Attendance live.
    lp.get_by_test_id("tab-bookings").click()
    learner_card = lp.locator("[data-testid^=booking-card-]").filter(has_text="Pandas in practice")
    expect(learner_card).to_be_visible()
    lb = learner_card.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(lp.get_by_test_id(f"confirm-{lb}")).to_have_count(0)
    ready = m.get_by_test_id(f"ready-{session_id}")
    ready.click()
    expect(ready).to_have_text(re.compile("Cancel Ready"))
    assert events(m, "pl-flip-out", f"ready-{session_id}") or events(m, "pl-flip-out"), "no flipY"
    toast(m, "You're ready")
    expect(lp.get_by_test_id(f"ready-banner-{lb}")).to_contain_text(
        "Mentor is ready—please confirm."
    )
    toast(lp, "Mentor is ready")

    # Learner confirms: blue pulse; the mentor's badge pulses and reads 1 confirmed.
    lp.get_by_test_id(f"confirm-{lb}").click()
    toast(lp, "Attendance confirmed")
    assert events(lp, "pl-pulse-blue"), "the card did not pulse blue"
    expect(lp.get_by_test_id(f"decline-{lb}")).to_be_visible()
    badge = m.get_by_test_id(f"confirmed-badge-{session_id}")
    expect(badge).to_contain_text("1 confirmed")
    assert events(m, "pl-pulse", f"confirmed-badge-{session_id}") or events(m, "pl-pulse"), (
        "the participant badge did not pulse"
    )
    toast(m, "Meera Learner confirmed · Pandas in practice")
    screenshot(lp, "learner-bookings-confirmed-1280")

    # Learner declines: red pulse; the mentor sees it live.
    lp.get_by_test_id(f"decline-{lb}").click()
    toast(lp, "You declined")
    assert events(lp, "pl-pulse-red"), "no red pulse"
    expect(badge).to_contain_text("0 confirmed")
    toast(m, "Meera Learner declined · Pandas in practice")
    screenshot(m, "mentor-sessions-1280")

    # A learner who opens the dashboard now sees the same server state.
    lp.reload()
    lp.wait_for_selector("[data-dashboard][data-live=true]")
    lp.get_by_test_id("tab-bookings").click()
    expect(lp.get_by_test_id(f"ready-banner-{lb}")).to_be_visible()
    expect(lp.get_by_test_id(f"attendance-{lb}")).to_contain_text("declined")

    # Phones: both dashboards fit 390 px.
    for page, name in ((m, "mentor-sessions-390"), (lp, "learner-bookings-390")):
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(200)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, name)


def test_request_accept_with_time_picker(two_people, site_server, token_for, screenshot):
    mentor, _learner, m, lp = two_people
    # The learner asks through the multi-step request modal.
    lp.get_by_test_id("tab-browse").click()
    lp.get_by_test_id("request-session").click()
    expect(lp.get_by_test_id("request-session-modal")).to_have_attribute("data-open", "true")
    lp.get_by_test_id("rq-mentor").select_option(value=str(mentor["id"]))
    lp.get_by_test_id("rq-topic").fill("Time-series forecasting")
    lp.get_by_test_id("rq-next-1").click()
    lp.get_by_test_id("rq-message").fill("Could we look at ARIMA?")
    lp.get_by_test_id("rq-time-1").fill(lp.evaluate(LOCAL_IN_DAYS, 3))
    lp.get_by_test_id("rq-submit").click()
    toast(lp, "Request sent")

    # The mentor's Requests badge bumps live; accept opens the time picker.
    expect(m.get_by_test_id("badge-requests")).to_have_text("1")
    m.get_by_test_id("tab-requests").click()
    card = m.locator("[data-testid^=request-card-]").filter(has_text="Time-series forecasting")
    expect(card).to_be_visible()
    request_id = card.get_attribute("data-testid").rsplit("-", 1)[1]
    m.get_by_test_id(f"accept-request-{request_id}").click()
    expect(m.get_by_test_id("accept-request-modal")).to_have_attribute("data-open", "true")
    before = len(events(m, "pl-shake"))
    m.get_by_test_id("ar-starts-at").fill(m.evaluate(LOCAL_IN_DAYS, -2))
    m.get_by_test_id("ar-next-1").click()
    assert len(events(m, "pl-shake")) > before, "an invalid time must shake"
    shake = events(m, "pl-shake")[-1]
    assert shake["animation"] == "pl-shake"
    expect(m.get_by_test_id("ar-pane-1")).to_be_visible()
    m.get_by_test_id("ar-starts-at").fill(m.evaluate(LOCAL_IN_DAYS, 4))
    m.get_by_test_id("ar-next-1").click()
    expect(m.get_by_test_id("ar-pane-2")).to_be_visible()
    slides = events(m, "pl-step-out-left") + events(m, "pl-step-in-right")
    assert slides and all(e["duration"] == "0.2s" for e in slides)
    m.get_by_test_id("ar-max").fill("4")
    m.get_by_test_id("ar-price").fill("0")
    screenshot(m, "accept-request-time-picker")
    m.get_by_test_id("ar-submit").click()
    toast(m, "Request accepted")
    expect(m.get_by_test_id("badge-requests")).to_be_hidden()

    # The new session is in My Sessions, with the requester booked; the learner is told.
    m.get_by_test_id("tab-sessions").click()
    new_card = m.locator("[data-testid^=session-card-]").filter(has_text="Time-series forecasting")
    expect(new_card).to_be_visible()
    sid = new_card.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(m.get_by_test_id(f"booked-{sid}")).to_have_text("Booked 1/4")
    toast(lp, "Request accepted")

    # Privacy: the learner's pages and API answers never carry other learners' emails.
    other = requests.post(
        f"{site_server.url}/api/auth/register/",
        timeout=10,
        json={
            "email": f"other-{sid}@example.test",
            "password": "plum-orchard-5521",
            "name": "Other",
            "role": "learner",
        },
    ).json()
    token = token_for({"email": other["email"], "password": "plum-orchard-5521"})
    booked = requests.post(
        f"{site_server.url}/api/sessions/{sid}/book/",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert booked.status_code == 201
    lp.reload()
    lp.get_by_test_id("tab-bookings").click()
    lp.wait_for_timeout(500)
    assert other["email"] not in lp.content()
    for path in ("/api/bookings/", "/api/sessions/", f"/api/sessions/{sid}/"):
        body = lp.evaluate("(p) => fetch(p).then(r => r.text())", path)
        assert other["email"] not in body
    assert lp.evaluate(f"fetch('/api/sessions/{sid}/learners/').then(r => r.status)") == 403
