"""peerlearn_rtc in a bare host (core, bookings, rtc; no REST_FRAMEWORK): the transcript and ICE
endpoints take tokens and refuse strangers, the room page sends strangers to the log-in page the
host serves, the room socket takes a token; the URL include and the dependencies are checked."""

import pytest

from peerlearn_testing.host import check_ids, manage, problems, run, statuses, urlconf

APPS = ("peerlearn_core", "peerlearn_bookings", "peerlearn_rtc")


@pytest.mark.slow
def test_tokens_open_the_room_api_and_socket():
    report = run(*APPS)
    assert problems(report) == []
    assert statuses(report, "learner", "GET", "/api/rtc/sessions/1/ice-servers/") == {200}
    assert statuses(report, "anonymous", "GET", "/api/sessions/1/transcript/") == {401}
    strangers = [
        row for row in report["responses"] if row["who"] == "anonymous" and row["path"] == "/room/1"
    ]
    assert {row.get("location") for row in strangers if row["method"] == "GET"} == {
        "/login/?next=/room/1"
    }
    assert statuses(report, "session", "GET", "/room/1") == {200}  # the learner's cookie
    outcomes = {row["who"]: row["outcome"] for row in report["sockets"]}
    assert outcomes == {"anonymous": "closed 4401", "learner": "open", "mentor": "open"}


def test_urls_and_dependencies_are_required():
    included = urlconf("peerlearn_core", "peerlearn_bookings")
    assert "peerlearn_rtc.E002" in check_ids(ROOT_URLCONF=included)
    result = manage("peerlearn_core", "peerlearn_rtc")
    assert "peerlearn_rtc.E001: peerlearn_rtc needs peerlearn_bookings" in result.stderr
