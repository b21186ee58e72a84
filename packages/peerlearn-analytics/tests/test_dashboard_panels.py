"""Analytics plugs its views into other apps' dashboard tabs (core's registry): the earnings
breakdown in payouts' Earnings tab, the session report modal in bookings' My Sessions tab, with
Chart.js served from the site's static files. Neither tab's app refers to analytics."""

import re
from pathlib import Path

import pytest

import peerlearn_bookings
import peerlearn_payouts
from peerlearn_analytics.dashboard import CHART_JS

pytestmark = pytest.mark.django_db


def tab_section(html: str, key: str) -> str:
    """The markup of one dashboard tab: from its panel's start to the next tab's."""
    starts = {
        m.group(1): m.start()
        for m in re.finditer(r'<section data-tab-panel="([\w-]+)" role="tabpanel"', html)
    }
    assert key in starts, f"no {key} tab"
    after = sorted(start for start in starts.values() if start > starts[key])
    return html[starts[key] : after[0] if after else len(html)]


def test_the_mentor_dashboard_shows_analytics_inside_the_earnings_and_sessions_tabs(client, mentor):
    client.force_login(mentor)
    html = client.get("/mentor/dashboard").content.decode()

    earnings = tab_section(html, "earnings")
    # In payouts' "after-balance" slot: after the balance card, before the payout history.
    assert (
        earnings.index('data-testid="balance-card"')
        < earnings.index('data-testid="earnings-analytics"')
        < earnings.index('data-testid="payout-history"')
    )
    assert earnings.count('data-testid="earnings-analytics"') == 1
    assert 'href="/api/analytics/sessions/export/"' in earnings

    sessions = tab_section(html, "sessions")
    assert 'data-testid="session-report-modal"' in sessions
    assert 'data-variant="fullscreen"' in sessions

    scripts = re.findall(r'<script type="module" src="/static/([^"]+)"', html)
    assert scripts.index(CHART_JS) < scripts.index("peerlearn_analytics/js/earnings-analytics.js")
    assert scripts.index("peerlearn_payouts/js/earnings.js") < scripts.index(CHART_JS)
    assert "peerlearn_analytics/js/session-report.js" in scripts
    assert len(scripts) == len(set(scripts))


def test_the_learner_dashboard_has_none_of_it(client, learner):
    client.force_login(learner)
    html = client.get("/learner/dashboard").content.decode()
    assert "earnings-analytics" not in html and "session-report-modal" not in html
    assert "peerlearn_analytics" not in html and CHART_JS not in html


@pytest.mark.parametrize("package", [peerlearn_bookings, peerlearn_payouts])
def test_the_tabs_templates_and_scripts_never_name_analytics(package):
    root = Path(package.__file__).parent
    for folder in ("templates", "static"):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".html", ".js"}:
                assert "analytics" not in path.read_text(encoding="utf-8").lower(), path
