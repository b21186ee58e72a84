"""Foundation in a real browser: sign-up, live notifications as toasts and badges, the UI kit."""

import time

import pytest
from playwright.sync_api import expect

from .conftest import RECORDER, events

pytestmark = pytest.mark.browser


def test_mentor_signs_up_and_lands_on_the_mentor_dashboard(page, site_server, screenshot):
    page.goto(f"{site_server.url}/signup/")
    page.check("input[name=role][value=mentor]")
    page.fill("input[name=name]", "Asha Mentor")
    page.fill("input[name=email]", f"asha-{time.time_ns()}@example.test")
    page.fill("input[name=password]", "plum-orchard-5521")
    page.click("[data-testid=signup-submit]")
    page.wait_for_url("**/mentor/dashboard")
    expect(page.get_by_test_id("mentor-dashboard")).to_be_visible()
    for tab in ("sessions", "requests", "notifications", "earnings"):
        expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()
    screenshot(page, "mentor-dashboard-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("tab-sessions")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "mentor-dashboard-390")


def test_signup_errors_are_shown_and_nothing_is_created(page, site_server):
    page.goto(f"{site_server.url}/signup/")
    page.fill("input[name=name]", "Weak")
    page.fill("input[name=email]", "weak@example.test")
    page.fill("input[name=password]", "123")
    page.click("[data-testid=signup-submit]")
    expect(page.get_by_test_id("error-password").first).to_be_visible()
    assert "/signup/" in page.url


def test_learner_lands_on_learner_dashboard(page, make_account, login, screenshot):
    account = make_account("learner")
    login(page, account)
    for tab in ("browse", "bookings", "notifications"):
        expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()
    expect(page.get_by_test_id("tab-earnings")).to_have_count(0)
    screenshot(page, "learner-dashboard-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "learner-dashboard-390")


def test_server_side_notification_toasts_and_pulses_the_badge(
    page, site_server, make_account, login, screenshot
):
    account = make_account("mentor")
    login(page, account)
    badge = page.get_by_test_id("badge-notifications")
    expect(badge).to_be_hidden()

    site_server.manage(
        "notify",
        "--email",
        account["email"],
        "--title",
        "Payout processed",
        "--body",
        "₹450.00 reached your UPI ID.",
    )
    toast = page.locator(".pl-toast").filter(has_text="₹450.00 reached your UPI ID.")
    expect(toast).to_be_visible(timeout=5000)
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    assert events(page, "pl-pulse", "badge-notifications"), "the badge did not pulse"
    screenshot(page, "notification-toast")
    # The Notifications tab lists it live, without a reload; opening the tab reads it, so the
    # server's count (pushed back over the socket) hides the badge.
    page.get_by_test_id("tab-notifications").click()
    expect(page.get_by_test_id("notifications-list")).to_contain_text("Payout processed")
    expect(badge).to_be_hidden()

    # Auto-dismiss after ~4 s, timed in the page (from the toast's arrival to its removal).
    expect(toast).to_have_count(0, timeout=7000)
    text = "₹450.00 reached your UPI ID."
    shown = [e["t"] for e in events(page, "pl-toast") if text in e["text"]]
    gone = [e["t"] for e in events(page, "pl-toast:removed") if text in e["text"]]
    assert len(shown) == 1 and len(gone) == 1, (shown, gone)
    lifetime = (gone[0] - shown[0]) / 1000
    assert 3.9 <= lifetime <= 5.5, lifetime

    # A second push pulses the badge again; hovering keeps its toast.
    before = len(events(page, "pl-pulse", "badge-notifications"))
    site_server.manage("notify", "--email", account["email"], "--title", "Second one")
    second = page.locator(".pl-toast").filter(has_text="Second one")
    expect(second).to_be_visible(timeout=5000)
    second.hover()
    expect(badge).to_have_text("1")
    assert len(events(page, "pl-pulse", "badge-notifications")) > before
    page.wait_for_timeout(5500)
    expect(second).to_be_visible()
    page.mouse.move(5, 800)
    expect(second).to_have_count(0, timeout=6000)


def test_ui_kit_pieces(page, site_server, screenshot):
    page.add_init_script(RECORDER)
    page.goto(f"{site_server.url}/ui-kit/")
    page.wait_for_function("() => document.documentElement.dataset.kitReady === 'true'")

    # Steps: an invalid field shakes and Next is refused; a valid one slides left to pane 2.
    page.get_by_test_id("steps-email").fill("not-an-email")
    page.get_by_test_id("steps-next-1").click()
    shakes = events(page, "pl-shake")
    assert shakes and shakes[-1]["animation"] == "pl-shake", shakes
    expect(page.get_by_test_id("steps-pane-1")).to_be_visible()
    expect(page.get_by_test_id("steps-pane-2")).to_be_hidden()
    page.get_by_test_id("steps-email").fill("ok@example.test")
    page.get_by_test_id("steps-next-1").click()
    expect(page.get_by_test_id("steps-pane-2")).to_be_visible()
    slides = events(page, "pl-step-out-left") + events(page, "pl-step-in-right")
    assert slides, "the step change did not slide"
    assert all(e["duration"] == "0.2s" for e in slides), slides
    expect(page.get_by_test_id("steps-pane-1")).to_be_hidden()

    # Slide-over: opens from the right in 300 ms, closes again.
    page.get_by_test_id("open-slide-over").click()
    panel = page.locator(
        "#" + page.get_by_test_id("open-slide-over").get_attribute("data-slide-over-open")
    )
    expect(panel).to_have_attribute("data-open", "true")
    transition = panel.locator(".pl-slide-over-panel").evaluate(
        "el => getComputedStyle(el).transitionDuration"
    )
    assert "0.3s" in transition, transition
    page.wait_for_timeout(350)
    box = panel.locator(".pl-slide-over-panel").bounding_box()
    assert abs(box["x"] + box["width"] - page.viewport_size["width"]) < 2
    screenshot(page, "ui-kit-slide-over")
    page.keyboard.press("Escape")
    expect(panel).to_have_attribute("data-open", "false")

    # Modal: fades in, closes.
    page.get_by_test_id("open-modal").click()
    modal = page.get_by_test_id("demo-modal")
    expect(modal).to_have_attribute("data-open", "true")
    expect(modal.get_by_role("dialog")).to_be_visible()
    page.get_by_test_id("modal-cancel").click()
    expect(modal).to_have_attribute("data-open", "false")

    # Expand: height auto over 200 ms, then collapses.
    toggle = page.get_by_test_id("expand-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("demo-expand")).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    screenshot(page, "ui-kit-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "ui-kit-390")
