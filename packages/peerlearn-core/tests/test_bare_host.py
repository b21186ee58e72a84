"""peerlearn_core alone in a bare host (no REST_FRAMEWORK, only what the README asks for): no
500 anywhere, strangers get 401, tokens from /api/auth/token/ open the API and the socket."""

import pytest

from peerlearn_testing.host import problems, run, statuses

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report():
    return run("peerlearn_core")


def test_every_endpoint_keeps_the_contract(report):
    assert problems(report) == []


def test_a_token_opens_the_api_and_the_notifications_socket(report):
    assert statuses(report, "learner", "GET", "/api/me/") == {200}
    assert statuses(report, "anonymous", "GET", "/api/me/") == {401}
    outcomes = {row["who"]: row["outcome"] for row in report["sockets"]}
    assert outcomes == {"anonymous": "closed 4401", "learner": "open", "mentor": "open"}


def test_the_auth_throttle_needs_no_host_rate(report):
    # The sweep spends the 30/min default: refusals are 429s, never a 500.
    assert 429 in statuses(report, "learner", "POST", "/api/auth/token/")
