"""Earnings analytics and session reports in a real browser: a mentor with completed paid sessions
sees Weekly/Monthly bar charts (Chart.js) with the exact amounts, the chart updates live when a
session completes, Sessions drills down per learner, View Report shows attendance, ratings and the
transcript, and Re-Schedule creates a new session from the old one."""

import csv
import io
import json
import textwrap
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import ARTIFACTS

pytestmark = pytest.mark.browser

# The site's TIME_ZONE (the analytics zone: weeks start on Monday there, months on the 1st).
ZONE = ZoneInfo("Asia/Kolkata")

CHART = "t => Chart.getChart(document.querySelector(`[data-testid='${t}']`))"


def toast(page, text):
    expect(page.locator(".pl-toast").filter(has_text=text).first).to_be_visible(timeout=8000)


def django(site_server, code: str) -> dict:
    """Run ``code`` in ``manage.py shell`` against the server's database; it prints one JSON line."""
    done = site_server.manage("shell", "-c", textwrap.dedent(code), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def chart_data(page, testid: str, dataset: int = 0):
    return page.evaluate(
        f"([t, i]) => {{ const c = ({CHART})(t); return c ? c.data.datasets[i].data : null; }}",
        [testid, dataset],
    )


def wait_chart(page, testid: str, expected: list, dataset: int = 0):
    """Wait until the Chart.js instance on ``testid`` holds ``expected`` and has finished
    animating (a bar's position is only final then)."""
    page.wait_for_function(
        f"""([t, i, want]) => {{
            const c = ({CHART})(t);
            return c && JSON.stringify(c.data.datasets[i].data) === JSON.stringify(want)
                && !Chart.animator.running(c);
        }}""",
        arg=[testid, dataset, expected],
        timeout=10_000,
    )


def bar_center(page, testid: str, index: int) -> dict:
    return page.evaluate(
        f"""([t, i]) => {{
            const c = ({CHART})(t);
            const bar = c.getDatasetMeta(0).data[i];
            const box = c.canvas.getBoundingClientRect();
            const across = c.options.indexAxis === "y";  // horizontal bars grow along x
            return across
                ? {{ x: box.left + (bar.x + bar.base) / 2, y: box.top + bar.y }}
                : {{ x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2 }};
        }}""",
        [testid, index],
    )


def shot(page, name: str, focus=None) -> None:
    """A viewport screenshot under artifacts/screenshots/, ``focus`` (a locator) scrolled into
    view, toasts closed first. (Full-page captures resize the viewport, which makes Chart.js
    redraw mid-capture, and overlays are fixed to the viewport anyway.)"""
    page.evaluate(
        "document.querySelectorAll('.pl-toast [data-toast-close]').forEach((b) => b.click())"
    )
    expect(page.locator(".pl-toast")).to_have_count(0)
    if focus is not None:
        focus.scroll_into_view_if_needed()
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def settled(page, selector: str) -> None:
    """Wait until the element's CSS transitions and animations have finished."""
    page.wait_for_function(
        "s => document.querySelector(s).getAnimations().length === 0", arg=selector
    )


def fits(page, width: int) -> None:
    """The page has no horizontal scroll at ``width`` (charts re-measure on the next frame)."""
    try:
        page.wait_for_function(
            f"() => document.documentElement.scrollWidth <= {width}", timeout=3000
        )
    except Exception:
        wide = page.evaluate(
            f"""() => Array.from(document.querySelectorAll("body *"))
                .filter((el) => el.getBoundingClientRect().right > {width} + 1)
                .map((el) => el.dataset.testid || el.tagName).slice(0, 10)"""
        )
        raise AssertionError(f"wider than {width} px: {wide}") from None


def click_and_catch_transitions(page, button_testid: str, target_selector: str) -> list:
    """Click a button in the page and list the CSS transitions then running on the target, as
    [property, duration ms]."""
    return page.evaluate(
        """async ([button, target]) => {
            document.querySelector(`[data-testid='${button}']`).click();
            await new Promise((r) => requestAnimationFrame(r));
            return document.querySelector(target).getAnimations()
                .filter((a) => a.transitionProperty)
                .map((a) => [a.transitionProperty, a.effect.getTiming().duration]);
        }""",
        [button_testid, target_selector],
    )


def test_earnings_analytics_and_session_report(
    browser, site_server, make_account, token_for, login
):
    mentor = make_account("mentor", "Asha Mentor")
    learners = [make_account("learner", n) for n in ("Meera Rao", "Kabir Shah", "Zoya Khan")]
    pandas_learner, live_learner = make_account("learner"), make_account("learner")

    # Two completed paid sessions through the real services (bookings → payments → completion →
    # the payouts ledger): "Statistics clinic" today, 3 seats at ₹333.33, two attended, two
    # ratings, a chat; "Pandas clinic" three weeks ago, one seat at ₹500.
    made = django(
        site_server,
        f"""
        import json
        from datetime import timedelta
        from django.utils import timezone
        from peerlearn_analytics.testing.factories import make_paid_session
        from peerlearn_bookings import services
        from peerlearn_core.models import User
        from peerlearn_rtc.models import ChatMessage

        mentor = User.objects.get(pk={mentor["id"]})
        people = [User.objects.get(pk=pk) for pk in {[a["id"] for a in learners]}]
        stats, bookings = make_paid_session(
            mentor, price_paise=33333, paid=3, learners=list(reversed(people)),
            title="Statistics clinic", description="Hypothesis tests, hands on.",
            duration_minutes=90,
        )
        by_learner = {{b.learner_id: b for b in bookings}}
        for person in people[:2]:
            services.mark_attended(booking_id=by_learner[person.pk].pk, mentor=mentor)
        services.leave_feedback(booking_id=by_learner[people[0].pk].pk, learner=people[0],
                                rating=5, comment="Loved it!")
        services.leave_feedback(booking_id=by_learner[people[1].pk].pk, learner=people[1],
                                rating=4, comment="Clear and practical.")
        for person, text in ((mentor, "Welcome, everyone"), (people[0], "Thanks, this was great")):
            ChatMessage.objects.create(session=stats, user=person, peer_id="p" + str(person.pk),
                                       name=person.name, text=text)
        weeks_ago = timezone.now() - timedelta(days=21)
        pandas, _ = make_paid_session(
            mentor, price_paise=50000, paid=1, title="Pandas clinic",
            learners=[User.objects.get(pk={pandas_learner["id"]})],
            started=weeks_ago - timedelta(hours=2), earned_at=weeks_ago,
        )
        print(json.dumps({{"stats": stats.pk, "pandas": pandas.pk}}))
        """,
    )
    stats_id, pandas_id = made["stats"], made["pandas"]

    now = datetime.now(ZONE)
    months_back = (now.year - (now - timedelta(days=21)).year) * 12 + (
        now.month - (now - timedelta(days=21)).month
    )
    weekly_net = [0] * 12
    weekly_net[11], weekly_net[8] = 900, 450
    weekly_commission = [0] * 12
    weekly_commission[11], weekly_commission[8] = 99.99, 50
    monthly_net = [0] * 12
    monthly_net[11] += 900
    monthly_net[11 - months_back] += 450

    page = login(browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), mentor)
    page.get_by_test_id("tab-earnings").click()
    analytics = page.get_by_test_id("earnings-analytics")
    expect(analytics).to_be_visible()

    # Weekly: stacked bars (net + commission = gross), the exact ledger figures.
    wait_chart(page, "earnings-chart-weekly", weekly_net)
    assert chart_data(page, "earnings-chart-weekly", 1) == weekly_commission
    expect(page.get_by_test_id("earnings-weekly-total")).to_have_text("₹1,350.00")

    # Hovering this week's bar shows the exact amounts, in the kit's money format.
    analytics.scroll_into_view_if_needed()
    spot = bar_center(page, "earnings-chart-weekly", 11)
    page.mouse.move(spot["x"], spot["y"])
    tip = page.get_by_test_id("earnings-tooltip-weekly")
    expect(tip).to_have_attribute("data-state", "shown")
    expect(tip).to_have_css("opacity", "1")
    expect(tip.get_by_test_id("tooltip-net")).to_have_text("₹900.00")
    expect(tip.get_by_test_id("tooltip-commission")).to_have_text("₹99.99")
    expect(tip.get_by_test_id("tooltip-gross")).to_have_text("₹999.99")
    expect(tip.get_by_test_id("tooltip-sessions")).to_have_text("1")
    assert (
        page.evaluate(f"({CHART})('earnings-chart-weekly').tooltip.dataPoints[0].dataIndex") == 11
    )
    shot(page, "analytics-weekly-tooltip-1280")
    page.mouse.move(5, 5)
    expect(tip).to_have_attribute("data-state", "hidden")

    # Weekly → Monthly: the one underline slides (a 200 ms transform transition) to "Monthly".
    indicator = "[data-testid=earnings-analytics-tabs] .pl-tabs-indicator"
    before = page.locator(indicator).evaluate("el => el.style.transform")
    expect(page.get_by_test_id("earnings-monthly-total")).not_to_have_text("—")
    # One step in the page, so nothing is missed: click, list the transitions then running on
    # the underline, and follow this month's bar, drawn as the panel shows, frame by frame.
    seen = page.evaluate(
        f"""async (indicator) => {{
            document.querySelector("[data-testid='earnings-monthly-tab']").click();
            const c = ({CHART})('earnings-chart-monthly');
            const heights = [];
            let running = null;
            for (let i = 0; i < 120; i++) {{
                const bar = c.getDatasetMeta(0).data[11];
                heights.push(bar.base - bar.y);
                if (i > 0 && !Chart.animator.running(c)) break;
                await new Promise((r) => requestAnimationFrame(r));
                running ??= document.querySelector(indicator).getAnimations()
                    .filter((a) => a.transitionProperty)
                    .map((a) => [a.transitionProperty, a.effect.getTiming().duration]);
            }}
            return {{ heights, running }};
        }}""",
        indicator,
    )
    assert ["transform", 200] in seen["running"], seen
    after = page.locator(indicator).evaluate("el => el.style.transform")
    assert before != after, (before, after)
    assert "0.2s" in page.locator(indicator).evaluate(
        "el => getComputedStyle(el).transitionDuration"
    )
    tab_box = page.get_by_test_id("earnings-monthly-tab").bounding_box()
    list_box = page.locator(indicator).evaluate("el => el.parentElement.getBoundingClientRect().x")
    assert after == f"translateX({round(tab_box['x'] - list_box)}px)", (after, tab_box, list_box)

    # The monthly bars grew up from the baseline when first shown, to their exact values.
    heights = seen["heights"]
    assert len(heights) > 3 and heights[0] < heights[-1] / 2, heights
    assert all(b >= a - 0.5 for a, b in pairwise(heights)), heights
    wait_chart(page, "earnings-chart-monthly", monthly_net)

    # A third paid session completes elsewhere (the clock, another tab): the ledger credits it,
    # the notifications socket says so, and both charts take the new amount without a reload.
    page.get_by_test_id("earnings-weekly-tab").click()
    django(
        site_server,
        f"""
        import json
        from peerlearn_analytics.testing.factories import make_paid_session
        from peerlearn_core.models import User
        s, _ = make_paid_session(User.objects.get(pk={mentor["id"]}), price_paise=25000, paid=1,
                                 title="Live update session",
                                 learners=[User.objects.get(pk={live_learner["id"]})])
        print(json.dumps({{"id": s.pk}}))
        """,
    )
    toast(page, "Earnings added")
    weekly_net[11] = 1125
    monthly_net[11] += 225
    wait_chart(page, "earnings-chart-weekly", weekly_net)
    wait_chart(page, "earnings-chart-monthly", monthly_net)
    expect(page.get_by_test_id("earnings-weekly-total")).to_have_text("₹1,575.00")

    # Sessions: each completed session with date, title, gross, commission and net.
    page.get_by_test_id("earnings-sessions-tab").click()
    rows = page.get_by_test_id("analytics-sessions").locator("[data-testid^=analytics-session-]")
    expect(rows.filter(has_text="Live update session")).to_have_count(1)
    expect(page.get_by_test_id("analytics-sessions-count")).to_have_text("3")
    expect(page.get_by_test_id(f"analytics-gross-{stats_id}")).to_have_text("₹999.99")
    expect(page.get_by_test_id(f"analytics-commission-{stats_id}")).to_have_text("₹99.99")
    expect(page.get_by_test_id(f"analytics-net-{stats_id}")).to_have_text("₹900.00")
    expect(page.get_by_test_id(f"analytics-net-{pandas_id}")).to_have_text("₹450.00")

    # Details expands (200 ms) to the per-learner payments chart, the ratings and comments.
    region = page.get_by_test_id(f"analytics-session-details-{stats_id}")
    assert region.evaluate("el => getComputedStyle(el).transitionDuration") == "0.2s"
    page.get_by_test_id(f"analytics-details-{stats_id}").click()
    expect(region).to_have_attribute("data-state", "expanded")
    expect(page.get_by_test_id(f"analytics-details-{stats_id}")).to_have_attribute(
        "aria-expanded", "true"
    )
    wait_chart(page, f"payments-chart-{stats_id}", [333.33, 333.33, 333.33])
    labels = page.evaluate(f"({CHART})('payments-chart-{stats_id}').data.labels")
    assert sorted(labels) == ["Kabir Shah", "Meera Rao", "Zoya Khan"], labels
    expect(page.get_by_test_id(f"details-average-{stats_id}")).to_have_text("4.5")
    comments = page.get_by_test_id(f"details-comments-{stats_id}")
    expect(comments).to_contain_text("Loved it!")
    expect(comments).to_contain_text("Clear and practical.")
    spot = bar_center(page, f"payments-chart-{stats_id}", 0)
    page.mouse.move(spot["x"], spot["y"])
    expect(
        page.get_by_test_id(f"payments-tooltip-{stats_id}").get_by_test_id("payment-tooltip-amount")
    ).to_have_text("₹333.33")
    page.mouse.move(5, 5)
    shot(page, "analytics-sessions-details-1280", region)

    # Download CSV: the real file, every completed session with its figures.
    with page.expect_download() as download_info:
        page.get_by_test_id("analytics-csv").click()
    toast(page, "CSV is downloading")
    table = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    by_title = {row["title"]: row for row in table}
    assert by_title["Statistics clinic"]["gross"] == "999.99", table
    assert by_title["Statistics clinic"]["commission"] == "99.99"
    assert by_title["Statistics clinic"]["net"] == "900.00"
    assert by_title["Pandas clinic"]["net"] == "450.00"

    # My Sessions → Past → View Report: a full-screen modal fading in over 250 ms.
    page.get_by_test_id("tab-sessions").click()
    page.get_by_test_id("sessions-past-tab").click()
    expect(page.get_by_test_id(f"view-report-{stats_id}")).to_be_visible()
    running = click_and_catch_transitions(
        page, f"view-report-{stats_id}", "[data-testid=session-report-modal]"
    )
    assert ["opacity", 250] in running, running
    report = page.get_by_test_id("session-report-modal")
    expect(report).to_have_attribute("data-open", "true")
    expect(report).to_have_attribute("data-variant", "fullscreen")
    expect(report).to_have_attribute("data-loaded", str(stats_id))
    expect(page.get_by_test_id("report-title")).to_have_text("Statistics clinic")
    expect(page.get_by_test_id("report-booked")).to_have_text("3")
    expect(page.get_by_test_id("report-attended")).to_have_text("2")
    expect(page.get_by_test_id("report-no-shows")).to_have_text("1")
    expect(page.get_by_test_id("report-average")).to_have_text("4.5")
    expect(page.get_by_test_id("report-ratings-count")).to_have_text("from 2 ratings")
    expect(page.get_by_test_id("report-comments")).to_contain_text("Loved it!")
    expect(page.get_by_test_id("report-comments")).to_contain_text("Clear and practical.")
    panel_box = report.locator("[data-layer-panel]").bounding_box()
    assert panel_box["width"] == 1280 and panel_box["height"] >= 900, panel_box
    settled(page, "[data-testid=session-report-modal]")
    shot(page, "session-report-1280")

    # The chat transcript downloads.
    with page.expect_download() as download_info:
        page.get_by_test_id("report-transcript").click()
    toast(page, "transcript is downloading")
    transcript = Path(download_info.value.path()).read_text()
    assert "Statistics clinic" in transcript
    assert "Welcome, everyone" in transcript and "Thanks, this was great" in transcript

    # Re-Schedule: the Create Session form, pre-filled, slides over (300 ms) for a new date.
    page.get_by_test_id("report-reschedule").click()
    toast(page, "is pre-filled")
    expect(report).to_have_attribute("data-open", "false")
    slide = page.get_by_test_id("create-session-slide-over")
    expect(slide).to_have_attribute("data-open", "true")
    assert (
        slide.locator(".pl-slide-over-panel").evaluate(
            "el => getComputedStyle(el).transitionDuration"
        )
        == "0.3s"
    )
    form = slide.get_by_test_id("create-session-form")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("cs-title")).to_have_value("Statistics clinic")
    expect(page.get_by_test_id("cs-description")).to_have_value("Hypothesis tests, hands on.")
    expect(page.get_by_test_id("cs-duration")).to_have_value("90")
    expect(page.get_by_test_id("cs-max")).to_have_value("4")
    expect(page.get_by_test_id("cs-price")).to_have_value("333.33")
    expect(page.get_by_test_id("cs-starts-at")).to_have_value("")
    settled(page, "[data-testid=create-session-slide-over] .pl-slide-over-panel")
    shot(page, "reschedule-slide-over-1280")

    page.get_by_test_id("cs-next-1").click()
    starts = (datetime.now() + timedelta(days=3)).replace(
        hour=18, minute=30, second=0, microsecond=0
    )
    page.get_by_test_id("cs-starts-at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("cs-next-2").click()
    expect(page.get_by_test_id("cs-pane-3")).to_be_visible()
    page.get_by_test_id("cs-submit").click()
    toast(page, "Session created")
    expect(slide).to_have_attribute("data-open", "false")
    scheduled = page.get_by_test_id("sessions-scheduled-list")
    expect(page.get_by_test_id("sessions-scheduled-panel")).to_be_visible()
    new_card = scheduled.locator("[data-testid^=session-card-]").filter(
        has_text="Statistics clinic"
    )
    expect(new_card).to_be_visible()
    new_id = int(new_card.get_attribute("data-testid").rsplit("-", 1)[1])
    auth = {"Authorization": f"Bearer {token_for(mentor)}"}
    created = requests.get(f"{site_server.url}/api/sessions/{new_id}/", headers=auth, timeout=10)
    body = created.json()
    assert body["status"] == "scheduled" and body["price"] == "333.33", body
    assert (body["duration_minutes"], body["max_participants"]) == (90, 4), body
    assert body["description"] == "Hypothesis tests, hands on.", body
    assert datetime.fromisoformat(body["starts_at"]).astimezone() == starts.astimezone(), body

    # The modal-opened Create Session is still a modal (the form went back to it).
    page.get_by_test_id("create-session").click()
    expect(page.get_by_test_id("create-session-modal")).to_have_attribute("data-open", "true")
    expect(page.get_by_test_id("create-session-modal").get_by_test_id("cs-title")).to_have_value("")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("create-session-modal")).to_have_attribute("data-open", "false")

    # Phones: the report, the charts and the drill-down fit 390 px.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("sessions-past-tab").click()
    page.get_by_test_id(f"view-report-{stats_id}").click()
    expect(report).to_have_attribute("data-loaded", str(stats_id))
    expect(report).to_have_css("opacity", "1")
    fits(page, 390)
    shot(page, "session-report-390")
    page.keyboard.press("Escape")
    expect(report).to_have_attribute("data-open", "false")

    page.get_by_test_id("tab-earnings").click()
    page.get_by_test_id("earnings-weekly-tab").click()
    page.wait_for_function(f"() => ({CHART})('earnings-chart-weekly').width < 390", timeout=5000)
    wait_chart(page, "earnings-chart-weekly", weekly_net)
    fits(page, 390)
    shot(page, "analytics-weekly-390", page.get_by_test_id("earnings-weekly-panel"))
    page.get_by_test_id("earnings-sessions-tab").click()
    expect(region).to_have_attribute("data-state", "expanded")
    wait_chart(page, f"payments-chart-{stats_id}", [333.33, 333.33, 333.33])
    fits(page, 390)
    shot(page, "analytics-sessions-390", region)
    assert not [line for line in page.console_lines if line.startswith("pageerror")], (
        page.console_lines
    )
