"""API of session requests: /api/requests/ (CONTRACT.md, Session requests)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import Booking, LiveSession, SessionRequest
from peerlearn_bookings.testing.factories import db_snapshot, future, make_request
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor

pytestmark = pytest.mark.django_db

REQUEST_KEYS = {
    "id", "learner", "mentor", "mentor_detail", "topic", "message", "preferred_times", "status",
    "decline_reason", "session", "created_at", "responded_at",
}  # fmt: skip
UNKNOWN = 987654


def at(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def request_body(target, **overrides) -> dict:
    return {
        "mentor": target.pk,
        "topic": "Async Python",
        "message": "I'm stuck on event loops.",
        "preferred_times": [future(days=4).isoformat(), future(days=2).isoformat()],
        **overrides,
    }


def accept_body(**overrides) -> dict:
    return {
        "starts_at": future(days=5).isoformat(),
        "duration_minutes": 60,
        "max_participants": 4,
        "price": "299.00",
        **overrides,
    }


# --- POST /api/requests/ ---------------------------------------------------------------------


def test_learner_requests_a_session(as_user, mentor, learner):
    body = request_body(mentor)
    response = as_user(learner).post("/api/requests/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    created = SessionRequest.objects.get()
    assert set(data) == REQUEST_KEYS
    assert at(data["created_at"]) == created.created_at
    times = [at(t) for t in data["preferred_times"]]
    assert times == sorted(at(t) for t in body["preferred_times"])
    assert {k: v for k, v in data.items() if k not in ("created_at", "preferred_times")} == {
        "id": created.pk,
        "learner": {"id": learner.pk, "name": learner.name},
        "mentor": mentor.pk,
        "mentor_detail": {"id": mentor.pk, "name": mentor.name},
        "topic": "Async Python",
        "message": "I'm stuck on event loops.",
        "status": "pending",
        "decline_reason": "",
        "session": None,
        "responded_at": None,
    }
    assert (created.learner_id, created.mentor_id) == (learner.pk, mentor.pk)
    assert kinds(mentor) == ["request.created"]
    assert as_user(mentor).get("/api/badges/").json()["requests"] == 1


def test_message_and_preferred_times_are_optional(as_user, mentor, learner):
    response = as_user(learner).post(
        "/api/requests/", {"mentor": mentor.pk, "topic": "Git"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["message"] == "" and response.json()["preferred_times"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mentor": UNKNOWN}, "mentor"),
        ({"mentor": 0}, "mentor"),
        ({"mentor": "abc"}, "mentor"),
        ({"mentor": None}, "mentor"),
        ({"topic": ""}, "topic"),
        ({"topic": "x" * 201}, "topic"),
        ({"message": "x" * 2001}, "message"),
        ({"preferred_times": ["2020-05-01T10:00:00Z"]}, "preferred_times"),
        ({"preferred_times": ["next tuesday"]}, "preferred_times"),
        ({"preferred_times": "2031-01-01T10:00:00Z"}, "preferred_times"),
        ({"preferred_times": [future(days=d).isoformat() for d in range(1, 7)]}, "preferred_times"),
        # Not strings where the schema says string (schemathesis, ST201: "message": 0 was kept
        # as the text "0")
        ({"message": 0}, "message"),
        ({"message": 2.5}, "message"),
        ({"message": False}, "message"),
        ({"topic": 1}, "topic"),
        ({"topic": ["Git"]}, "topic"),
    ],
)
def test_request_bad_input_is_400_and_writes_nothing(as_user, mentor, learner, overrides, field):
    before = db_snapshot()
    response = as_user(learner).post(
        "/api/requests/", request_body(mentor, **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_snapshot() == before


def test_message_that_is_a_number_is_refused_by_name(as_user, mentor, learner):
    response = as_user(learner).post(
        "/api/requests/", request_body(mentor, message=0), format="json"
    )
    assert (response.status_code, response.json()) == (400, {"message": ["Not a valid string."]})
    assert SessionRequest.objects.count() == 0


def test_preferred_time_just_past_is_400(as_user, mentor, learner):
    past = (timezone.now() - timedelta(seconds=30)).isoformat()
    response = as_user(learner).post(
        "/api/requests/", request_body(mentor, preferred_times=[past]), format="json"
    )
    assert response.status_code == 400 and "preferred_times" in response.json()
    assert SessionRequest.objects.count() == 0


@pytest.mark.parametrize("kind", ["learner", "inactive mentor"])
def test_request_to_someone_who_is_not_an_active_mentor_is_400(as_user, learner, kind):
    target = make_learner() if kind == "learner" else make_mentor(is_active=False)
    before = db_snapshot()
    response = as_user(learner).post("/api/requests/", request_body(target), format="json")
    assert response.status_code == 400 and "mentor" in response.json()
    assert db_snapshot() == before


def test_request_missing_fields(as_user, learner):
    response = as_user(learner).post("/api/requests/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"mentor", "topic"}
    assert SessionRequest.objects.count() == 0


def test_only_learners_may_request(api_client, as_user, mentor):
    before = db_snapshot()
    body = request_body(mentor)
    assert api_client.post("/api/requests/", body, format="json").status_code == 401
    assert as_user(make_mentor()).post("/api/requests/", body, format="json").status_code == 403
    assert as_user(mentor).post("/api/requests/", body, format="json").status_code == 403
    assert db_snapshot() == before


# --- GET /api/requests/ ----------------------------------------------------------------------


def test_mentor_sees_incoming_and_learner_sees_own(as_user, mentor, learner):
    mine = make_request(learner=learner, mentor=mentor)
    second = make_request(learner=learner, mentor=make_mentor())
    from_other = make_request(learner=make_learner(email="other.asker@example.test"), mentor=mentor)
    make_request()  # unrelated

    response = as_user(mentor).get("/api/requests/")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [from_other.pk, mine.pk]
    assert all(set(r) == REQUEST_KEYS for r in response.json())

    response = as_user(learner).get("/api/requests/")
    assert [r["id"] for r in response.json()] == [second.pk, mine.pk]
    # another learner's request (and address) never shows
    assert b"other.asker@example.test" not in response.content
    assert b"@" not in response.content


def test_requests_never_show_emails_to_the_mentor_either(as_user, mentor):
    make_request(learner=make_learner(email="asker@example.test"), mentor=mentor)
    response = as_user(mentor).get("/api/requests/")
    assert response.status_code == 200 and b"@" not in response.content


def test_anonymous_cannot_list_requests(api_client):
    make_request()
    assert api_client.get("/api/requests/").status_code == 401


# --- POST /api/requests/{id}/accept/ ---------------------------------------------------------


def test_accept_creates_a_session_and_books_the_requester(
    as_user, mentor, learner, django_capture_on_commit_callbacks
):
    request = make_request(learner=learner, mentor=mentor, topic="Async Python", message="Loops")
    Notification.objects.all().delete()
    body = accept_body()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(mentor).post(f"/api/requests/{request.pk}/accept/", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    session = LiveSession.objects.get()
    assert data["id"] == request.pk and data["status"] == "accepted"
    assert data["session"] == session.pk and data["responded_at"] is not None
    assert (session.mentor_id, session.title, session.description) == (
        mentor.pk,
        "Async Python",
        "Loops",
    )
    assert session.starts_at == at(body["starts_at"])
    assert (session.duration_minutes, session.max_participants, session.price_paise) == (
        60,
        4,
        29900,
    )
    assert session.booked_count == 1
    booking = Booking.objects.get()
    assert (booking.session_id, booking.learner_id) == (session.pk, learner.pk)
    assert booking.payment_status == "pending" and booking.amount_paise == 29900
    assert "request.accepted" in kinds(learner)
    # the learner now sees the session through the API
    [listed] = as_user(learner).get("/api/bookings/").json()
    assert listed["session"]["id"] == session.pk and listed["session"]["booked_count"] == 1
    assert as_user(mentor).get("/api/badges/").json()["requests"] == 0


def test_accept_with_a_custom_title_and_description(as_user, mentor, learner):
    request = make_request(learner=learner, mentor=mentor)
    body = accept_body(title="Event loops, deep dive", description="Bring a laptop", price="0")
    response = as_user(mentor).post(f"/api/requests/{request.pk}/accept/", body, format="json")
    assert response.status_code == 200, response.content
    session = LiveSession.objects.get()
    assert session.title == "Event loops, deep dive" and session.price_paise == 0
    assert session.description == "Bring a laptop"
    assert Booking.objects.get().payment_status == "free"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2020-01-01T10:00:00Z"}, "starts_at"),
        ({"starts_at": "later"}, "starts_at"),
        ({"max_participants": 0}, "max_participants"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"price": "-10"}, "price"),
        ({"price": "10.123"}, "price"),
        ({"price": "ten"}, "price"),
        ({"price": "1000000.01"}, "price"),
        ({"title": 0}, "title"),
        ({"description": 0}, "description"),
    ],
)
def test_accept_bad_input_is_400_and_changes_nothing(as_user, mentor, overrides, field):
    request = make_request(mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/requests/{request.pk}/accept/", accept_body(**overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_snapshot() == before


def test_accept_missing_fields(as_user, mentor):
    request = make_request(mentor=mentor)
    response = as_user(mentor).post(f"/api/requests/{request.pk}/accept/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"starts_at", "duration_minutes", "max_participants"}
    assert LiveSession.objects.count() == 0


def test_accepting_a_declined_request_is_409(as_user, mentor):
    request = make_request(mentor=mentor)
    services.decline_request(request_id=request.pk, mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/requests/{request.pk}/accept/", accept_body(), format="json"
    )
    assert response.status_code == 409
    assert db_snapshot() == before


def test_accepting_twice_is_409(as_user, mentor):
    request = make_request(mentor=mentor)
    client = as_user(mentor)
    assert (
        client.post(f"/api/requests/{request.pk}/accept/", accept_body(), format="json").status_code
        == 200
    )
    before = db_snapshot()
    response = client.post(f"/api/requests/{request.pk}/accept/", accept_body(), format="json")
    assert response.status_code == 409
    assert db_snapshot() == before
    assert LiveSession.objects.count() == 1


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_request_action_permission_matrix(api_client, as_user, mentor, learner, action):
    request = make_request(learner=learner, mentor=mentor)
    before = db_snapshot()
    body = accept_body() if action == "accept" else {"reason": "busy"}
    url = f"/api/requests/{request.pk}/{action}/"
    assert api_client.post(url, body, format="json").status_code == 401
    assert as_user(learner).post(url, body, format="json").status_code == 403
    assert as_user(make_learner()).post(url, body, format="json").status_code == 403
    assert as_user(make_mentor()).post(url, body, format="json").status_code == 403
    unknown = f"/api/requests/{UNKNOWN}/{action}/"
    assert as_user(mentor).post(unknown, body, format="json").status_code == 404
    assert db_snapshot() == before


# --- POST /api/requests/{id}/decline/ --------------------------------------------------------


def test_decline_with_reason_notifies_the_learner(as_user, mentor, learner):
    request = make_request(learner=learner, mentor=mentor, topic="Kubernetes")
    Notification.objects.all().delete()
    response = as_user(mentor).post(
        f"/api/requests/{request.pk}/decline/", {"reason": "Not my field."}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "declined" and data["decline_reason"] == "Not my field."
    assert data["session"] is None and data["responded_at"] is not None
    note = Notification.objects.get(user=learner)
    assert note.kind == "request.declined"
    assert "Kubernetes" in note.body and "Not my field." in note.body
    assert LiveSession.objects.count() == 0
    # the learner sees the outcome in their list
    [listed] = as_user(learner).get("/api/requests/").json()
    assert listed["status"] == "declined" and listed["decline_reason"] == "Not my field."


def test_decline_without_reason(as_user, mentor, learner):
    request = make_request(learner=learner, mentor=mentor)
    response = as_user(mentor).post(f"/api/requests/{request.pk}/decline/")
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["decline_reason"] == ""
    assert "request.declined" in kinds(learner)


@pytest.mark.parametrize("reason", ["x" * 501, 0, True, ["busy"]])
def test_decline_reason_too_long_or_not_text_is_400(as_user, mentor, reason):
    request = make_request(mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/requests/{request.pk}/decline/", {"reason": reason}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("first", ["accept", "decline"])
def test_declining_a_closed_request_is_409(as_user, mentor, first):
    request = make_request(mentor=mentor)
    if first == "accept":
        services.accept_request(
            request_id=request.pk,
            mentor=mentor,
            starts_at=future(days=3),
            duration_minutes=30,
            max_participants=2,
        )
    else:
        services.decline_request(request_id=request.pk, mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(f"/api/requests/{request.pk}/decline/")
    assert response.status_code == 409
    assert db_snapshot() == before
