"""Who may read analytics: the mentor who owns the data. Anonymous 401, learners 403, another
mentor's session ids 404 (exactly like ids that do not exist), on every endpoint."""

import pytest
from rest_framework.test import APIClient

from peerlearn_analytics.testing.factories import make_paid_session
from peerlearn_bookings.testing.factories import make_booking, make_session
from peerlearn_core.testing.factories import make_learner, make_mentor

pytestmark = pytest.mark.django_db

MISSING = 987654
LISTS = [
    "/api/analytics/earnings/",
    "/api/analytics/earnings/?period=monthly",
    "/api/analytics/sessions/",
    "/api/analytics/sessions.csv",
    "/api/analytics/sessions/export/",
]
PER_SESSION = ["/api/analytics/sessions/{id}/", "/api/sessions/{id}/report/"]


@pytest.fixture
def world(db):
    owner = make_mentor()
    session, (booking,) = make_paid_session(owner, price_paise=49900, title="Owner's secret")
    return {
        "owner": owner,
        "session": session,
        "booked_learner": booking.learner,
        "learner": make_learner(),
        "other": make_mentor(),
    }


def every_path(session_id: int) -> list[str]:
    return LISTS + [p.format(id=session_id) for p in PER_SESSION]


def test_anonymous_is_401(world):
    client = APIClient()
    for path in every_path(world["session"].pk) + [p.format(id=MISSING) for p in PER_SESSION]:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.has_header("WWW-Authenticate"), path


def test_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    for path in every_path(world["session"].pk):
        assert client.get(path).status_code == 401, path


@pytest.mark.parametrize("who", ["learner", "booked_learner"])
def test_learners_are_403(as_user, world, who):
    client = as_user(world[who])
    for path in every_path(world["session"].pk) + [p.format(id=MISSING) for p in PER_SESSION]:
        assert client.get(path).status_code == 403, path


def test_another_mentor_gets_404_for_the_session_and_sees_none_of_its_money(as_user, world):
    client = as_user(world["other"])
    for template in PER_SESSION:
        theirs = client.get(template.format(id=world["session"].pk))
        missing = client.get(template.format(id=MISSING))
        assert theirs.status_code == missing.status_code == 404, template
        assert theirs.json() == missing.json()
    assert client.get("/api/analytics/sessions/").json()["count"] == 0
    assert all(b["gross"] == "0.00" for b in client.get(LISTS[0]).json()["buckets"])
    csv_body = b"".join(client.get("/api/analytics/sessions.csv").streaming_content)
    assert b"secret" not in csv_body and csv_body.count(b"\n") == 1


def test_owner_reads_everything_with_jwt(as_user, world):
    client = as_user(world["owner"])
    for path in every_path(world["session"].pk):
        assert client.get(path).status_code == 200, path
    for template in PER_SESSION:
        assert client.get(template.format(id=MISSING)).status_code == 404


def test_owner_reads_everything_with_the_session_cookie(client, world):
    client.force_login(world["owner"])
    for path in every_path(world["session"].pk):
        assert client.get(path).status_code == 200, path


def test_owner_sees_reports_of_sessions_in_any_state(as_user):
    owner = make_mentor()
    scheduled = make_session(mentor=owner)
    make_booking(scheduled)
    client = as_user(owner)
    assert client.get(f"/api/sessions/{scheduled.pk}/report/").json()["booked"] == 1
    assert client.get(f"/api/analytics/sessions/{scheduled.pk}/").status_code == 200


def test_read_only(as_user, world):
    client = as_user(world["owner"])
    for path in every_path(world["session"].pk):
        assert client.post(path, {}).status_code == 405, path
        assert client.delete(path).status_code == 405, path
