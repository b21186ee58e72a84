"""A new user's first hour, at phone and desktop widths: sign up with a named role, land on the
right dashboard, read notifications (read on the server, badge from the server) and a tab strip
that fits the screen. Screenshots of every dashboard tab go to artifacts/screenshots/first-hour/."""

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import ARTIFACTS, unique_email
from .conftest import PASSWORD, send_notification, wait_for

pytestmark = pytest.mark.browser

VIEWPORTS = [
    pytest.param({"width": 390, "height": 844}, id="390"),
    pytest.param({"width": 1280, "height": 800}, id="1280"),
]
ROLE_LABELS = {"mentor": "Teach — I'm a mentor", "learner": "Learn — I'm a learner"}
TABS = {
    "mentor": ("sessions", "requests", "earnings", "notifications"),
    "learner": ("browse", "bookings", "notifications"),
}
SHOTS = ARTIFACTS / "screenshots" / "first-hour"


def fill_signup(page, *, name: str, email: str):
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ["mentor", "learner"])
def test_sign_up_with_a_named_role_lands_on_that_dashboard(page, site_server, viewport, role):
    page.set_viewport_size(viewport)
    page.goto(f"{site_server.url}/signup/")
    # Both roles are there, named for what they are, and neither is picked for the user.
    for value, label in ROLE_LABELS.items():
        radio = page.get_by_role("radio", name=label)
        expect(radio).to_have_attribute("value", value)
        expect(radio).not_to_be_checked()
    page.get_by_text(ROLE_LABELS[role], exact=True).click()
    expect(page.get_by_role("radio", name=ROLE_LABELS[role])).to_be_checked()
    fill_signup(page, name=f"{role.title()} First", email=unique_email(role))
    page.get_by_test_id("signup-submit").click()

    page.wait_for_url(f"**/{role}/dashboard")
    expect(page.get_by_test_id(f"{role}-dashboard")).to_be_visible()
    for tab in TABS[role]:
        expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()
    expect(page.get_by_test_id("dashboard-tabs").get_by_role("tab")).to_have_count(len(TABS[role]))
    if viewport["width"] >= 640:
        expect(page.get_by_test_id("current-user")).to_contain_text(role.title())


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_without_a_role_shows_the_error_at_the_role_choice(page, site_server, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site_server.url}/signup/")
    email = unique_email("norole")
    fill_signup(page, name="No Role Yet", email=email)
    page.get_by_test_id("signup-submit").click()

    error = page.get_by_test_id("error-role")
    expect(error).to_be_visible()
    expect(error).to_have_text("Choose whether you're here to teach or to learn.")
    # The error sits inside the role choice, under the cards and above the next field.
    choice = page.get_by_test_id("role-choice")
    expect(choice.get_by_test_id("error-role")).to_be_visible()
    expect(choice).to_have_attribute("aria-invalid", "true")
    cards_bottom = max(
        (box := page.get_by_test_id(f"role-{r}").bounding_box())["y"] + box["height"]
        for r in ROLE_LABELS
    )
    error_box = error.bounding_box()
    name_top = page.locator("input[name=name]").bounding_box()["y"]
    assert cards_bottom <= error_box["y"] < name_top, (cards_bottom, error_box, name_top)
    # Not a toast, and what was typed is still there.
    expect(page.locator(".pl-toast")).to_have_count(0)
    expect(page.locator("input[name=name]")).to_have_value("No Role Yet")
    expect(page.locator("input[name=email]")).to_have_value(email)
    assert "/signup/" in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SHOTS / f"signup-missing-role-{viewport['width']}.png"), full_page=True
    )

    # Choosing now (and retyping the password, which is never sent back) signs the user up.
    page.get_by_text(ROLE_LABELS["learner"], exact=True).click()
    page.fill("input[name=password]", PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url("**/learner/dashboard")
    expect(page.get_by_test_id("learner-dashboard")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_opening_notifications_marks_what_was_shown_read_on_the_server(
    page, site_server, make_account, login, token_for, viewport
):
    page.set_viewport_size(viewport)
    account = make_account("mentor")
    token = token_for(account)
    headers = {"Authorization": f"Bearer {token}"}

    def server_notifications():
        response = requests.get(
            f"{site_server.url}/api/notifications/", headers=headers, timeout=10
        )
        return {n["title"]: n["read"] for n in response.json()}

    def server_unread() -> int:
        response = requests.get(f"{site_server.url}/api/badges/", headers=headers, timeout=10)
        return response.json()["notifications"]

    login(page, account)
    for title in ("Welcome aboard", "Your first session is live"):
        send_notification(site_server, account["email"], title)
    badge = page.get_by_test_id("badge-notifications")
    expect(badge).to_have_text("2")
    expect(badge).to_be_visible()
    assert server_unread() == 2

    page.get_by_test_id("tab-notifications").click()
    rows = page.get_by_test_id("notifications-list").locator("[data-notification-id]")
    expect(rows).to_have_count(2)
    wait_for(
        lambda: (
            server_notifications()
            == dict.fromkeys(("Welcome aboard", "Your first session is live"), True)
        ),
        what="the server to report both notifications read",
    )
    assert server_unread() == 0
    # The rows turn read and the badge goes with the server's count.
    for i in range(2):
        expect(rows.nth(i)).to_have_attribute("data-read", "true")
        expect(rows.nth(i).locator("[data-mark-read]")).to_be_hidden()
    expect(badge).to_be_hidden()

    # One that arrives after the user looked stays unread and bumps the badge.
    send_notification(site_server, account["email"], "A late arrival")
    late = rows.filter(has_text="A late arrival")
    expect(late).to_have_attribute("data-read", "false")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    assert server_unread() == 1
    assert server_notifications()["A late arrival"] is False
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SHOTS / f"notifications-late-unread-{viewport['width']}.png"), full_page=True
    )

    # Leaving and coming back to the tab is reading it again.
    page.get_by_test_id("tab-sessions").click()
    page.get_by_test_id("tab-notifications").click()
    wait_for(lambda: server_unread() == 0, what="the late one to be read on the second visit")
    expect(late).to_have_attribute("data-read", "true")
    expect(badge).to_be_hidden()


TAB_STRIP_CHECK = """
(nav) => {
  const vw = document.documentElement.clientWidth;
  const tabs = [...nav.querySelectorAll('[role=tab]')].map((b) => {
    const r = b.getBoundingClientRect();
    const label = b.querySelector('[data-tab-label]');
    const badge = b.querySelector('[data-badge]');
    const br = badge && !badge.hidden ? badge.getBoundingClientRect() : null;
    return {
      key: b.dataset.tab, left: r.left, right: r.right,
      label: label.textContent.trim(), labelScroll: label.scrollWidth, labelClient: label.clientWidth,
      ellipsis: getComputedStyle(label).textOverflow,
      badge: br && {left: br.left, right: br.right, top: br.top, bottom: br.bottom,
                    text: badge.textContent.trim()},
      buttonTop: r.top, buttonBottom: r.bottom,
    };
  });
  return {vw, scrolls: nav.scrollWidth > nav.clientWidth, fade: nav.dataset.fade || null,
          pageScrolls: document.documentElement.scrollWidth > vw, tabs};
}
"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ["mentor", "learner"])
def test_tab_strip_fits_and_every_tab_is_screenshotted(
    page, site_server, make_account, login, viewport, role
):
    page.set_viewport_size(viewport)
    account = make_account(role, name=f"{role.title()} Tabs")
    login(page, account)
    # Something on the badges, so they show in the strip.
    send_notification(
        site_server,
        account["email"],
        "Payout processed",
        body="₹450.00 reached your UPI ID.",
        kind="payout.processed",
    )
    badge = page.get_by_test_id("badge-notifications")
    expect(badge).to_have_text("1")
    if role == "mentor":
        expect(page.get_by_test_id("badge-earnings")).to_have_text("1")
    # The toast for it leaves after ~4 s, so it does not cover the screenshots.
    expect(page.locator(".pl-toast")).to_have_count(0, timeout=8000)

    nav = page.get_by_test_id("dashboard-tabs")
    strip = nav.evaluate(TAB_STRIP_CHECK)
    assert not strip["pageScrolls"], strip
    assert [t["key"] for t in strip["tabs"]] == list(TABS[role]), strip
    for tab in strip["tabs"]:
        # The whole label is readable: not cut, no ellipsis.
        assert tab["labelScroll"] <= tab["labelClient"], tab
        assert tab["ellipsis"] != "ellipsis", tab
    if strip["scrolls"]:
        # A strip that scrolls says so with a fade at the cut edge.
        assert strip["fade"] in {"end", "both"}, strip
    else:
        for tab in strip["tabs"]:
            assert tab["left"] >= 0 and tab["right"] <= strip["vw"], tab
    for tab in strip["tabs"]:
        if tab["badge"]:
            b = tab["badge"]
            assert b["left"] >= 0 and b["right"] <= strip["vw"], tab
            assert tab["buttonTop"] <= b["top"] and b["bottom"] <= tab["buttonBottom"], tab
    assert {t["key"] for t in strip["tabs"] if t["badge"]} >= {"notifications"}

    SHOTS.mkdir(parents=True, exist_ok=True)
    for key in TABS[role]:
        page.get_by_test_id(f"tab-{key}").click()
        expect(page.get_by_test_id(f"tab-{key}")).to_have_attribute("aria-selected", "true")
        expect(page.locator(f"[data-tab-panel={key}]")).to_be_visible()
        # The underline has finished sliding under the tab before the picture is taken.
        page.wait_for_function(
            "(key) => { const nav = document.querySelector('[data-testid=dashboard-tabs]');"
            " const bar = nav.querySelector('.pl-tabs-indicator');"
            " const tab = nav.querySelector(`[data-tab=${key}]`);"
            " return !bar.getAnimations().length"
            " && Math.abs(bar.getBoundingClientRect().left - tab.getBoundingClientRect().left) < 1; }",
            arg=key,
        )
        # The selected tab is in view, whether or not the strip scrolls.
        box = page.get_by_test_id(f"tab-{key}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (key, box)
        if key == "notifications":
            expect(badge).to_be_hidden()  # read on the server, the count pushed back
        panel = page.locator(f"[data-tab-panel={key}]")
        expect(panel.locator("[aria-busy=true]:visible")).to_have_count(0)
        expect(panel.get_by_text("Loading…", exact=True)).to_have_count(0)
        page.screenshot(path=str(SHOTS / f"{role}-{key}-{viewport['width']}.png"), full_page=True)


def test_a_strip_too_wide_for_the_screen_scrolls_with_a_fade_and_shows_the_selected_tab(
    page, make_account, login
):
    # Narrower than any phone we design for, so the four mentor tabs cannot all fit.
    page.set_viewport_size({"width": 300, "height": 700})
    login(page, make_account("mentor"))
    nav = page.get_by_test_id("dashboard-tabs")
    expect(nav).to_have_attribute("data-fade", "end")
    strip = nav.evaluate(TAB_STRIP_CHECK)
    assert strip["scrolls"] and not strip["pageScrolls"], strip
    assert all(t["labelScroll"] <= t["labelClient"] for t in strip["tabs"]), strip
    last = page.get_by_test_id("tab-notifications")
    assert last.bounding_box()["x"] + last.bounding_box()["width"] > 300
    # Selecting the cut-off tab (not by a click, which would scroll it itself) brings it in.
    page.evaluate(
        "document.querySelector('[data-dashboard] [data-tabs]').plTabs.select('notifications')"
    )
    expect(nav).to_have_attribute("data-fade", "start")
    box = last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 300, box
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "mentor-strip-scrolled-300.png"))
