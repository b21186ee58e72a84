"""peerlearn_bookings in a bare host (core and bookings, no REST_FRAMEWORK): the views that used
to lean on the site's defaults refuse strangers, the action throttles have their own rates, a
token opens the session socket; a missing dependency stops start-up with a clear message."""

import pytest

from peerlearn_testing.host import check_ids, manage, problems, run, statuses, urlconf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report():
    return run("peerlearn_core", "peerlearn_bookings")


def test_every_endpoint_keeps_the_contract(report):
    assert problems(report) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/sessions/"), ("GET", "/api/requests/"), ("GET", "/api/mentors/")],
)
def test_strangers_are_refused_where_the_site_defaults_used_to_decide(report, method, path):
    assert statuses(report, "anonymous", method, path) == {401}


def test_learners_and_mentors_get_what_their_role_allows(report):
    assert statuses(report, "learner", "GET", "/api/mentors/") == {200}
    assert statuses(report, "learner", "POST", "/api/sessions/") == {403}
    assert statuses(report, "mentor", "GET", "/api/requests/") == {200}
    outcomes = {row["who"]: row["outcome"] for row in report["sockets"]}
    assert outcomes == {"anonymous": "closed 4401", "learner": "open", "mentor": "open"}


def test_without_peerlearn_core_start_up_stops_saying_so():
    result = manage("peerlearn_bookings")
    assert result.returncode != 0
    assert "peerlearn_bookings.E001: peerlearn_bookings needs peerlearn_core" in result.stderr


def test_its_urls_must_be_included():
    assert "peerlearn_bookings.E002" in check_ids(ROOT_URLCONF=urlconf("peerlearn_core"))
