"""Toast stack (three at most, "+N more", newest on top, keyed updates, clear of open panels) and
count-up frames, on the /ui-kit/ page and a dashboard, at phone and desktop widths."""

import re
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from ..conftest import ARTIFACTS

pytestmark = pytest.mark.browser

WIDTHS = [390, 1280]
HEIGHT = {390: 844, 1280: 900}

# Every frame the browser paints: the largest number of toasts on screen at once.
VISIBLE_PROBE = """
(() => {
  window.__plMaxToasts = 0;
  const tick = () => {
    const shown = [...document.querySelectorAll(".pl-toast")].filter((el) => el.checkVisibility());
    window.__plMaxToasts = Math.max(window.__plMaxToasts, shown.length);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# Every text the count-up writes (MutationObserver: each write, painted or not), from page start.
COUNT_PROBE = """
(() => {
  window.__plCountFrames = [];
  const watch = () => {
    const el = document.getElementById("demo-count-up");
    if (!el) return requestAnimationFrame(watch);
    window.__plCountFrames.push(el.textContent);
    new MutationObserver(() => window.__plCountFrames.push(el.textContent)).observe(el, {
      childList: true, characterData: true, subtree: true,
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
"""


def snap(page, name: str):
    """What the user sees (the viewport, where the fixed stack is placed), not the full page."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def open_kit(page, site_server, width, *scripts):
    page.set_viewport_size({"width": width, "height": HEIGHT[width]})
    for script in scripts:
        page.add_init_script(script)
    page.goto(f"{site_server.url}/ui-kit/")
    page.wait_for_function("() => document.documentElement.dataset.kitReady === 'true'")


def open_layer(page, site_server, width, opener: str, layer: str):
    """The /ui-kit/ page with the modal or slide-over `layer` opened by clicking `opener`."""
    open_kit(page, site_server, width)
    page.get_by_test_id(opener).click()
    root = page.get_by_test_id(layer)
    expect(root).to_have_attribute("data-open", "true")
    return root


def shown_toasts(page):
    return page.locator(".pl-toast:visible")


def messages(page) -> list[str]:
    return shown_toasts(page).locator(".pl-toast-message").all_inner_texts()


def boxes(locator) -> list[dict]:
    return [b for b in (el.bounding_box() for el in locator.all()) if b]


def intersects(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def stack_boxes(page) -> list[dict]:
    """What the stack covers: each visible toast and the "+N more" chip."""
    return boxes(shown_toasts(page)) + boxes(page.locator("[data-testid=toast-more]:visible"))


def assert_clear(page, control, what: str):
    box = control.bounding_box()
    assert box, f"{what} has no box"
    for toast_box in stack_boxes(page):
        assert not intersects(box, toast_box), f"a toast covers {what}: {toast_box} over {box}"


def wait_settled(page):
    """Toasts slid in and the stack placed (the placement follows layers on the next frame)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.pl-toast')].every((t) => t.dataset.state === 'open')
              && new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"""
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_at_most_three_toasts_show_newest_on_top_with_a_more_chip(page, site_server, width):
    open_kit(page, site_server, width, VISIBLE_PROBE)
    page.get_by_test_id("toast-burst").click()
    more = page.get_by_test_id("toast-more")
    expect(more).to_have_text("+2 more")
    expect(shown_toasts(page)).to_have_count(3)
    assert messages(page) == ["Notification 5", "Notification 4", "Notification 3"]
    # The older two are still there, folded behind the chip.
    expect(page.locator(".pl-toast")).to_have_count(5)

    page.get_by_test_id("toast-info").click()
    expect(more).to_have_text("+3 more")
    assert messages(page) == [
        "Mentor is ready, please confirm.",
        "Notification 5",
        "Notification 4",
    ]
    page.get_by_test_id("toast-burst").click()
    expect(more).to_have_text("+8 more")
    expect(shown_toasts(page)).to_have_count(3)
    assert messages(page) == ["Notification 10", "Notification 9", "Notification 8"]
    wait_settled(page)

    # Placement: bottom-centred under 640 px and never over the header; top-right on desktop.
    stack = page.locator("#pl-toasts").bounding_box()
    header = page.locator("body > header").bounding_box()
    if width < 640:
        for toast_box in stack_boxes(page):
            assert not intersects(toast_box, header), (toast_box, header)
        assert abs(stack["x"] + stack["width"] / 2 - width / 2) <= 2, stack
        assert stack["y"] + stack["height"] >= HEIGHT[width] - 24, stack
        # Compact: three toasts and the chip take well under half the screen.
        assert stack["height"] < HEIGHT[width] * 0.45, stack
    else:
        assert abs(stack["x"] + stack["width"] - (width - 12)) <= 2, stack
        assert stack["y"] <= 16, stack
    snap(page, f"toasts-stack-{width}")

    assert page.evaluate("window.__plMaxToasts") == 3, "more than three toasts showed at once"

    # The chip expands the stack to all eleven, and folds it again.
    more.click()
    expect(shown_toasts(page)).to_have_count(11)
    expect(more).to_have_text("Show fewer")
    more.click()
    expect(shown_toasts(page)).to_have_count(3)
    expect(more).to_have_text("+8 more")

    # Dismissing the newest brings the next folded one back; the count follows.
    shown_toasts(page).first.locator("[data-toast-close]").click()
    expect(more).to_have_text("+7 more")
    expect(shown_toasts(page).locator(".pl-toast-message").first).to_have_text("Notification 9")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_burst_never_shows_more_than_three(page, site_server, width):
    open_kit(page, site_server, width, VISIBLE_PROBE)
    for _ in range(3):
        page.get_by_test_id("toast-burst").click()
        page.get_by_test_id("toast-error").click()
    expect(page.get_by_test_id("toast-more")).to_have_text("+15 more")
    wait_settled(page)
    assert page.evaluate("window.__plMaxToasts") == 3


@pytest.mark.parametrize("width", WIDTHS)
def test_toasts_keep_the_slide_over_close_button_clear(page, site_server, width):
    panel = open_layer(page, site_server, width, "open-slide-over", "demo-slide-over")
    # Toasts raised from inside the panel (attendance) and from elsewhere (an error).
    for n in (1, 2, 3):
        page.get_by_test_id(f"attend-{n}").check()
    page.evaluate(
        """() => {
          PeerLearn.toast("Could not reach the server", {kind: "error"});
          PeerLearn.toast("Rohan Iyer joined the waitlist", {kind: "info", title: "Waitlist"});
        }"""
    )
    expect(page.get_by_test_id("toast-more")).to_have_text("+2 more")
    expect(shown_toasts(page)).to_have_count(3)
    wait_settled(page)

    close = page.get_by_test_id("demo-slide-over-close")
    assert_clear(page, close, "the slide-over's close button")
    for n in (1, 2, 3):
        assert_clear(page, page.get_by_test_id(f"attend-{n}"), f"attendance checkbox {n}")
    if width >= 640:
        # Beside the panel, not over it.
        panel_box = panel.locator(".pl-slide-over-panel").bounding_box()
        for toast_box in stack_boxes(page):
            assert toast_box["x"] + toast_box["width"] <= panel_box["x"], (toast_box, panel_box)
    snap(page, f"toasts-slide-over-{width}")

    close.click()  # no force: it must be the element under the pointer
    expect(panel).to_have_attribute("data-open", "false")
    # The stack goes back to its place.
    wait_settled(page)
    stack = page.locator("#pl-toasts").bounding_box()
    if width >= 640:
        assert abs(stack["x"] + stack["width"] - (width - 12)) <= 2, stack


@pytest.mark.parametrize("width", WIDTHS)
def test_toasts_keep_the_modal_buttons_clear(page, site_server, width):
    modal = open_layer(page, site_server, width, "open-modal", "demo-modal")
    page.evaluate(
        """() => { for (let i = 1; i <= 4; i += 1) PeerLearn.toast(`Modal toast ${i}`, {kind: "info"}); }"""
    )
    expect(page.get_by_test_id("toast-more")).to_have_text("+1 more")
    wait_settled(page)
    for testid in ("demo-modal-close", "modal-cancel", "modal-confirm"):
        assert_clear(page, page.get_by_test_id(testid), testid)
    page.get_by_test_id("modal-cancel").click()
    expect(modal).to_have_attribute("data-open", "false")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_keyed_toast_is_updated_in_place(page, site_server, width):
    open_kit(page, site_server, width)
    keyed = page.get_by_test_id("toast-keyed")
    keyed.click()
    toast = page.locator('.pl-toast[data-key="demo-payout"]')
    expect(toast).to_have_count(1)
    expect(toast.locator(".pl-toast-message")).to_have_text("Withdrawal requested")
    handle = toast.element_handle()

    page.get_by_test_id("toast-info").click()  # something else on top meanwhile
    expect(shown_toasts(page).first).to_contain_text("Mentor is ready")

    keyed.click()
    expect(toast.locator(".pl-toast-message")).to_have_text("Processing")
    assert handle.evaluate("el => el.isConnected && el.dataset.lastAnimation") == "pl-toast-bump"
    # Same element, moved back to the top; still one toast for the payout, two in all.
    expect(shown_toasts(page).first).to_have_attribute("data-key", "demo-payout")
    assert handle.evaluate(
        "el => el === document.querySelector('.pl-toast[data-key=\"demo-payout\"]')"
    )
    expect(page.locator(".pl-toast")).to_have_count(2)

    keyed.click()
    expect(toast.locator(".pl-toast-message")).to_have_text(
        "Processed — ₹1,500.00 reached your UPI ID"
    )
    expect(toast).to_have_attribute("data-kind", "success")
    assert handle.evaluate("el => el.isConnected")
    expect(page.locator(".pl-toast")).to_have_count(2)
    wait_settled(page)
    snap(page, f"toasts-keyed-{width}")

    # The API: toast() with a live key returns that same element; updateToast() too.
    same, text, count = page.evaluate(
        """() => {
          const a = PeerLearn.toast("Requested", {key: "api-payout", title: "Payout"});
          const b = PeerLearn.toast("Processing", {key: "api-payout", title: "Payout"});
          const c = PeerLearn.updateToast("api-payout", "Processed", {kind: "success"});
          return [a === b && b === c, c.querySelector(".pl-toast-message").textContent,
                  document.querySelectorAll('.pl-toast[data-key="api-payout"]').length];
        }"""
    )
    assert (same, text, count) == (True, "Processed", 1)
    assert page.evaluate("PeerLearn.updateToast('no-such-key', 'x')") is None


def test_toasts_stay_off_the_dashboard_header_and_tabs_on_a_phone(page, make_account, login):
    width = 390
    login(page, make_account("mentor"))
    page.set_viewport_size({"width": width, "height": HEIGHT[width]})
    page.evaluate(
        """() => { for (let i = 1; i <= 5; i += 1)
                     PeerLearn.toast(`Dashboard toast ${i} with a longer line of text to wrap`, {
                       kind: "info", title: "Heads up"}); }"""
    )
    more = page.get_by_test_id("toast-more")
    expect(more).to_have_text("+2 more")
    wait_settled(page)
    header = page.locator("body > header").bounding_box()
    tabs = page.get_by_role("tablist").first.bounding_box()
    for toast_box in stack_boxes(page):
        assert not intersects(toast_box, header), (toast_box, header)
        assert not intersects(toast_box, tabs), (toast_box, tabs)
    # Expanded, the stack scrolls inside the room it has instead of climbing over them.
    more.click()
    expect(shown_toasts(page)).to_have_count(5)
    stack = page.locator("#pl-toasts").bounding_box()
    assert not intersects(stack, header), (stack, header)
    assert not intersects(stack, tabs), (stack, tabs)
    snap(page, "toasts-dashboard-expanded-390")


RUPEES = re.compile(r"^-?₹-?[\d,]+\.\d\d$")


def rupees(text: str) -> float:
    assert RUPEES.match(text.strip()), text
    return float(text.replace("₹", "").replace(",", "").strip())


def assert_frames(frames: list[str], start: float, end: float):
    values = [rupees(f) for f in frames]
    lo, hi = min(start, end), max(start, end)
    assert values, "no frames"
    assert values[0] == start, f"first frame {values[0]} is not the previous value {start}"
    assert values[-1] == end, values[-1]
    outside = [v for v in values if not lo <= v <= hi]
    assert not outside, f"frames outside [{lo}, {hi}]: {outside}"
    steps = list(pairwise(values))
    if end >= start:
        assert all(b >= a for a, b in steps), values
    else:
        assert all(b <= a for a, b in steps), values
    assert len(set(values)) > 3, f"no animation, only {values}"


@pytest.mark.parametrize("width", WIDTHS)
def test_count_up_frames_stay_between_start_and_end(page, site_server, width):
    open_kit(page, site_server, width, COUNT_PROBE)
    balance = page.get_by_test_id("demo-count-up")
    # First load: from ₹0.00 up to the balance.
    expect(balance).to_have_text("₹12,345.50")
    page.wait_for_function("() => !document.getElementById('demo-count-up').dataset.counting")
    assert_frames(page.evaluate("window.__plCountFrames"), 0.0, 12345.50)

    # Up from the shown value.
    page.evaluate("window.__plCountFrames = []")
    page.get_by_test_id("count-up-add").click()
    expect(balance).to_have_text("₹13,345.50")
    page.wait_for_function("() => !document.getElementById('demo-count-up').dataset.counting")
    assert_frames(page.evaluate("window.__plCountFrames"), 12345.50, 13345.50)

    # Down, started where the browser's frame began before countUp ran (a rAF-aligned
    # mousemove): the frame's timestamp is older than countUp's start time.
    page.evaluate(
        """() => {
          window.__plCountFrames = [];
          document.addEventListener("mousemove", () => {
            PeerLearn.countUp(document.getElementById("demo-count-up"), 345.5);
          }, {once: true});
        }"""
    )
    page.mouse.move(10, 10)
    page.mouse.move(20, 20)
    expect(balance).to_have_text("₹345.50")
    page.wait_for_function("() => !document.getElementById('demo-count-up').dataset.counting")
    assert_frames(page.evaluate("window.__plCountFrames"), 13345.50, 345.50)
