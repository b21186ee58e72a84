"""peerlearn_analytics in a bare host (every app; no REST_FRAMEWORK): mentors' tokens open the
analytics, learners get 403 and strangers 401, nothing answers a 500; without payouts and rtc
start-up stops saying so."""

import pytest

from peerlearn_testing.host import check_ids, manage, problems, run, statuses, urlconf

APPS = ("peerlearn_core", "peerlearn_bookings", "peerlearn_payouts", "peerlearn_rtc")


@pytest.mark.slow
def test_mentors_only():
    report = run(*APPS, "peerlearn_analytics")
    assert problems(report) == []
    assert statuses(report, "mentor", "GET", "/api/analytics/earnings/") == {200}
    assert statuses(report, "learner", "GET", "/api/analytics/earnings/") == {403}
    assert statuses(report, "anonymous", "GET", "/api/analytics/sessions.csv") == {401}


def test_urls_and_dependencies_are_required():
    assert "peerlearn_analytics.E002" in check_ids(ROOT_URLCONF=urlconf(*APPS))
    result = manage("peerlearn_core", "peerlearn_bookings", "peerlearn_analytics")
    assert "peerlearn_analytics.E001: peerlearn_analytics needs peerlearn_payouts" in result.stderr
