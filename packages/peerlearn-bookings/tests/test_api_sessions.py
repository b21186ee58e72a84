"""API of live sessions: /api/sessions/ and its per-session actions (CONTRACT.md, Sessions)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import LiveSession, SessionStatus
from peerlearn_bookings.testing.factories import (
    db_snapshot,
    future,
    make_booking,
    make_completed_session,
    make_session,
    move_start,
    set_status,
)
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_core.testing.realtime import listen

pytestmark = pytest.mark.django_db

SESSION_KEYS = {
    # CONTRACT.md's minimum ...
    "id", "title", "description", "mentor", "starts_at", "duration_minutes", "max_participants",
    "price", "status", "booked_count", "confirmed_count", "attended_count", "mentor_ready",
    "room_url",
    # ... and the additions
    "ends_at", "currency", "seats_left", "cancel_reason", "room_opens_at",
    "rescheduled_at", "reconfirmed_count", "reconfirm_pending_count", "waitlist_count",
    "waitlist_position",
}  # fmt: skip
UNKNOWN = 987654


def at(value: str) -> datetime:
    """Parse a wire time; it must carry an offset."""
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


def good_body(**overrides) -> dict:
    return {
        "title": "Intro to Django ORM",
        "description": "Querysets, joins and N+1.",
        "starts_at": future(days=3).isoformat(),
        "duration_minutes": 90,
        "max_participants": 8,
        "price": "499.00",
        **overrides,
    }


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- POST /api/sessions/ ---------------------------------------------------------------------


def test_mentor_creates_session_with_contract_shape(as_user, mentor):
    body = good_body()
    response = as_user(mentor).post("/api/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    session = LiveSession.objects.get()
    starts_at = at(data["starts_at"])
    assert starts_at == at(body["starts_at"])
    assert at(data["ends_at"]) == starts_at + timedelta(minutes=90)
    assert data == {
        "id": session.pk,
        "title": "Intro to Django ORM",
        "description": "Querysets, joins and N+1.",
        "mentor": {"id": mentor.pk, "name": mentor.name},
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "duration_minutes": 90,
        "max_participants": 8,
        "price": "499.00",
        "currency": "INR",
        "status": "scheduled",
        "booked_count": 0,
        "confirmed_count": 0,
        "attended_count": 0,
        "seats_left": 8,
        "mentor_ready": False,
        "room_url": f"/room/{session.pk}",
        "room_opens_at": data["room_opens_at"],
        "cancel_reason": "",
        "rescheduled_at": None,
        "reconfirmed_count": 0,
        "reconfirm_pending_count": 0,
        "waitlist_count": 0,
        "waitlist_position": None,
    }
    # The room (and "Join room") opens ROOM_OPENS_MINUTES_BEFORE (10) minutes before the start.
    assert at(data["room_opens_at"]) == starts_at - timedelta(minutes=10)
    assert session.price_paise == 49900 and session.mentor_id == mentor.pk


@pytest.mark.parametrize(
    ("price", "paise", "wire"),
    [("0", 0, "0.00"), ("0.5", 50, "0.50"), ("1250.75", 125075, "1250.75"), (99, 9900, "99.00")],
)
def test_price_is_stored_in_paise_and_sent_with_two_places(as_user, mentor, price, paise, wire):
    response = as_user(mentor).post("/api/sessions/", good_body(price=price), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["price"] == wire
    assert LiveSession.objects.get().price_paise == paise


def test_price_and_description_are_optional(as_user, mentor):
    body = good_body()
    del body["price"], body["description"]
    response = as_user(mentor).post("/api/sessions/", body, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == "0.00" and response.json()["description"] == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2020-01-01T10:00:00+05:30"}, "starts_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"max_participants": 0}, "max_participants"),
        ({"max_participants": -3}, "max_participants"),
        ({"max_participants": 501}, "max_participants"),
        ({"max_participants": "many"}, "max_participants"),
        ({"price": "-1.00"}, "price"),
        ({"price": "499.005"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": True}, "price"),
        ({"price": "100000000.00"}, "price"),
        ({"duration_minutes": 14}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        # JSON numbers, booleans, lists and objects where the schema says string (fuzzer, ST201)
        ({"title": 0}, "title"),
        ({"title": 12.5}, "title"),
        ({"title": True}, "title"),
        ({"description": 0}, "description"),
        ({"description": ["a"]}, "description"),
        ({"description": {"a": 1}}, "description"),
    ],
)
def test_create_bad_input_is_400_on_the_field_and_writes_nothing(as_user, mentor, overrides, field):
    before = db_snapshot()
    response = as_user(mentor).post("/api/sessions/", good_body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_snapshot() == before


def test_create_start_time_just_past_is_400(as_user, mentor):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = as_user(mentor).post("/api/sessions/", good_body(starts_at=past), format="json")
    assert response.status_code == 400 and "starts_at" in response.json()
    assert LiveSession.objects.count() == 0


def test_create_missing_fields_names_each(as_user, mentor):
    response = as_user(mentor).post("/api/sessions/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "starts_at", "duration_minutes", "max_participants"}
    assert LiveSession.objects.count() == 0


def test_create_malformed_json_is_400(as_user, mentor):
    response = as_user(mentor).post("/api/sessions/", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert LiveSession.objects.count() == 0


def test_learner_cannot_create_session(as_user, learner):
    response = as_user(learner).post("/api/sessions/", good_body(), format="json")
    assert response.status_code == 403
    assert LiveSession.objects.count() == 0


def test_anonymous_cannot_create_session(api_client):
    response = api_client.post("/api/sessions/", good_body(), format="json")
    assert response.status_code == 401
    assert LiveSession.objects.count() == 0


def test_session_cookie_works_with_csrf_on_unsafe_methods(mentor):
    from django.middleware.csrf import _get_new_csrf_string
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(mentor)
    assert client.get("/api/sessions/").status_code == 200
    response = client.post("/api/sessions/", good_body(), format="json")
    assert response.status_code == 403  # no CSRF token
    assert LiveSession.objects.count() == 0
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.post("/api/sessions/", good_body(), format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert LiveSession.objects.count() == 1


# --- GET /api/sessions/ ----------------------------------------------------------------------


def test_mentor_lists_own_open_sessions_soonest_first(as_user, mentor):
    later = make_session(mentor=mentor, starts_at=future(days=5))
    sooner = make_session(mentor=mentor, starts_at=future(days=1))
    live = make_session(mentor=mentor, starts_at=future(minutes=5))  # inside its room's window
    services.start_session(session_id=live.pk, mentor=mentor)
    cancelled = make_session(mentor=mentor)
    services.cancel_session(session_id=cancelled.pk, mentor=mentor)
    make_session()  # another mentor's

    response = as_user(mentor).get("/api/sessions/")
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body] == [live.pk, sooner.pk, later.pk]
    assert all(set(s) == SESSION_KEYS for s in body)
    assert {s["mentor"]["id"] for s in body} == {mentor.pk}
    assert as_user(mentor).get("/api/sessions/?scope=scheduled").json() == body


def test_mentor_lists_past_sessions_newest_first(as_user, mentor):
    old, _ = make_completed_session(mentor=mentor)
    move_start(old, to=timezone.now() - timedelta(days=10))
    recent, _ = make_completed_session(mentor=mentor)
    cancelled = make_session(mentor=mentor)
    services.cancel_session(session_id=cancelled.pk, mentor=mentor, reason="Ill")
    make_session(mentor=mentor)  # still scheduled
    make_completed_session()  # another mentor's

    body = as_user(mentor).get("/api/sessions/?scope=past").json()
    assert [s["id"] for s in body] == [cancelled.pk, recent.pk, old.pk]
    assert [s["status"] for s in body] == ["cancelled", "completed", "completed"]
    assert body[0]["cancel_reason"] == "Ill"


def test_learner_lists_only_bookable_sessions(as_user, learner):
    open_one = make_session(max_participants=2)
    make_booking(open_one)
    full = make_session(max_participants=1)
    make_booking(full)
    cancelled = make_session()
    services.cancel_session(session_id=cancelled.pk, mentor=cancelled.mentor)
    started = make_session()
    move_start(started, to=timezone.now() - timedelta(minutes=5))
    make_completed_session()
    other_open = make_session(starts_at=future(days=9))

    response = as_user(learner).get("/api/sessions/")
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body] == [open_one.pk, other_open.pk]
    assert body[0]["booked_count"] == 1 and body[0]["seats_left"] == 1
    # learners always get the bookable list, whatever the scope
    assert as_user(learner).get("/api/sessions/?scope=past").json() == body


def test_session_list_never_shows_learner_emails(as_user, learner):
    session = make_session()
    other = make_learner(email="secret.other@example.test")
    make_booking(session, other)
    response = as_user(learner).get("/api/sessions/")
    assert response.status_code == 200
    assert b"secret.other@example.test" not in response.content
    assert b"@" not in response.content


@pytest.mark.parametrize("scope", ["all", "PAST", "", "scheduled,past"])
def test_bad_scope_is_400(as_user, mentor, learner, scope):
    for user in (mentor, learner):
        response = as_user(user).get("/api/sessions/", {"scope": scope})
        assert response.status_code == 400
        assert "scope" in response.json()


def test_anonymous_cannot_list_sessions(api_client):
    make_session()
    assert api_client.get("/api/sessions/").status_code == 401


# --- GET /api/sessions/{id}/ -----------------------------------------------------------------


def test_detail_for_owner_booked_learner_and_any_learner_while_bookable(as_user, mentor, learner):
    session = make_session(mentor=mentor, max_participants=2, price_paise=49900)
    make_booking(session, learner)
    for user in (mentor, learner, make_learner()):
        response = as_user(user).get(f"/api/sessions/{session.pk}/")
        assert response.status_code == 200, user
        data = response.json()
        assert set(data) == SESSION_KEYS
        assert data["id"] == session.pk and data["price"] == "499.00"
        assert data["booked_count"] == 1 and data["seats_left"] == 1
        assert data["mentor"] == {"id": mentor.pk, "name": mentor.name}


def test_detail_of_full_session_only_for_owner_and_booked_learners(as_user, mentor, learner):
    session = make_session(mentor=mentor, max_participants=1)
    make_booking(session, learner)
    assert as_user(learner).get(f"/api/sessions/{session.pk}/").status_code == 200
    assert as_user(mentor).get(f"/api/sessions/{session.pk}/").status_code == 200
    assert as_user(make_learner()).get(f"/api/sessions/{session.pk}/").status_code == 403


def test_detail_of_cancelled_session_for_booked_learner_only(as_user, mentor, learner):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    services.cancel_session(session_id=session.pk, mentor=mentor, reason="Sorry")
    response = as_user(learner).get(f"/api/sessions/{session.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "Sorry"
    assert as_user(make_learner()).get(f"/api/sessions/{session.pk}/").status_code == 403


def test_detail_refuses_other_mentor_anonymous_and_unknown(api_client, as_user, mentor):
    session = make_session(mentor=mentor)
    assert as_user(make_mentor()).get(f"/api/sessions/{session.pk}/").status_code == 403
    assert api_client.get(f"/api/sessions/{session.pk}/").status_code == 401
    assert as_user(mentor).get(f"/api/sessions/{UNKNOWN}/").status_code == 404


def test_detail_never_shows_learner_emails(as_user, learner):
    session = make_session()
    make_booking(session, learner)
    make_booking(session, make_learner(email="someone.else@example.test"))
    response = as_user(learner).get(f"/api/sessions/{session.pk}/")
    assert response.status_code == 200
    assert b"@" not in response.content


# --- PATCH /api/sessions/{id}/ ---------------------------------------------------------------


def test_reschedule_notifies_booked_learners(
    as_user, mentor, learner, django_capture_on_commit_callbacks
):
    session = make_session(mentor=mentor)
    other = make_learner()
    make_booking(session, learner)
    make_booking(session, other)
    gone = make_learner()
    services.cancel_booking(booking_id=make_booking(session, gone).pk, learner=gone)
    outsider = make_learner()
    Notification.objects.all().delete()
    messages = listen(f"session_{session.pk}")

    new_start = future(days=6)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(mentor).patch(
            f"/api/sessions/{session.pk}/", {"starts_at": new_start.isoformat()}, format="json"
        )
    assert response.status_code == 200, response.content
    assert at(response.json()["starts_at"]) == new_start
    session.refresh_from_db()
    assert session.starts_at == new_start
    for booked in (learner, other):
        assert kinds(booked) == ["session.rescheduled"]
    assert kinds(gone) == [] and kinds(outsider) == [] and kinds(mentor) == []
    updates = [m for m in messages() if m["type"] == "session.updated"]
    assert len(updates) == 1
    assert at(updates[0]["session"]["starts_at"]) == new_start


def test_edit_without_new_time_is_a_plain_update(
    as_user, mentor, learner, django_capture_on_commit_callbacks
):
    session = make_session(mentor=mentor, max_participants=3)
    make_booking(session, learner)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(mentor).patch(
            f"/api/sessions/{session.pk}/",
            {"title": "Renamed", "max_participants": 4, "duration_minutes": 45},
            format="json",
        )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["title"], data["max_participants"], data["duration_minutes"]) == ("Renamed", 4, 45)
    assert data["seats_left"] == 3
    assert kinds(learner) == ["session.updated"]


def test_price_can_change_before_anyone_booked(as_user, mentor):
    session = make_session(mentor=mentor)
    response = as_user(mentor).patch(
        f"/api/sessions/{session.pk}/", {"price": "250.50"}, format="json"
    )
    assert response.status_code == 200 and response.json()["price"] == "250.50"
    session.refresh_from_db()
    assert session.price_paise == 25050


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2020-01-01T10:00:00Z"}, "starts_at"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"max_participants": 0}, "max_participants"),
        ({"duration_minutes": 500}, "duration_minutes"),
        ({"price": "-5"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"title": ""}, "title"),
        ({"title": 7}, "title"),
        ({"description": False}, "description"),
        ({"price": "1000000.01"}, "price"),
        ({"price": 1000001}, "price"),
    ],
)
def test_patch_bad_input_is_400_and_changes_nothing(as_user, mentor, learner, body, field):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    before = db_snapshot()
    response = as_user(mentor).patch(f"/api/sessions/{session.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_snapshot() == before


def test_lowering_seats_below_booked_is_409(as_user, mentor):
    session = make_session(mentor=mentor, max_participants=3)
    make_booking(session)
    make_booking(session)
    before = db_snapshot()
    response = as_user(mentor).patch(
        f"/api/sessions/{session.pk}/", {"max_participants": 1}, format="json"
    )
    assert response.status_code == 409
    assert "max_participants" in response.json()
    assert db_snapshot() == before
    # down to exactly the booked seats is fine
    response = as_user(mentor).patch(
        f"/api/sessions/{session.pk}/", {"max_participants": 2}, format="json"
    )
    assert response.status_code == 200 and response.json()["seats_left"] == 0


def test_price_is_locked_once_booked(as_user, mentor):
    session = make_session(mentor=mentor, price_paise=10000)
    make_booking(session)
    before = db_snapshot()
    response = as_user(mentor).patch(
        f"/api/sessions/{session.pk}/", {"price": "200.00"}, format="json"
    )
    assert response.status_code == 409 and "price" in response.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.COMPLETED])
def test_closed_session_cannot_be_edited(as_user, mentor, status):
    session = set_status(make_session(mentor=mentor), status)
    before = db_snapshot()
    response = as_user(mentor).patch(f"/api/sessions/{session.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 409
    assert db_snapshot() == before


def test_patch_permission_matrix(api_client, as_user, mentor, learner):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    before = db_snapshot()
    body = {"title": "Hijacked", "starts_at": future(days=8).isoformat()}
    url = f"/api/sessions/{session.pk}/"
    assert api_client.patch(url, body, format="json").status_code == 401
    assert as_user(learner).patch(url, body, format="json").status_code == 403
    assert as_user(make_learner()).patch(url, body, format="json").status_code == 403
    assert as_user(make_mentor()).patch(url, body, format="json").status_code == 403
    assert (
        as_user(mentor).patch(f"/api/sessions/{UNKNOWN}/", body, format="json").status_code == 404
    )
    assert db_snapshot() == before


# --- GET /api/sessions/{id}/learners/ --------------------------------------------------------


def test_learners_lists_active_bookings_with_history_with_this_mentor_only(as_user, mentor):
    alice = make_learner(name="Alice", email="alice@example.test", bio="Backend dev")
    bob = make_learner(name="Bob", email="bob@example.test")
    earlier, _ = make_completed_session(mentor=mentor, learners=[alice], title="Earlier one")
    elsewhere, _ = make_completed_session(learners=[alice, bob], title="Other mentor's")
    session = make_session(mentor=mentor)
    booking = make_booking(session, alice)
    make_booking(session, bob)
    quitter = make_learner(email="quitter@example.test")
    services.cancel_booking(booking_id=make_booking(session, quitter).pk, learner=quitter)

    response = as_user(mentor).get(f"/api/sessions/{session.pk}/learners/")
    assert response.status_code == 200
    body = response.json()
    assert [b["learner"]["email"] for b in body] == ["alice@example.test", "bob@example.test"]
    first = body[0]
    assert first["id"] == booking.pk and first["session"] == session.pk
    assert {"booked_at", "payment_status", "amount", "confirmed", "declined", "attended"} <= set(
        first
    )
    learner_json = first["learner"]
    assert set(learner_json) >= {"name", "email", "avatar_url", "bio", "past_sessions"}
    assert learner_json["name"] == "Alice" and learner_json["bio"] == "Backend dev"
    assert learner_json["avatar_url"] == ""
    assert [p["id"] for p in learner_json["past_sessions"]] == [earlier.pk]
    assert learner_json["past_sessions"][0]["title"] == "Earlier one"
    assert body[1]["learner"]["past_sessions"] == []
    # another mentor's sessions never leak through the history
    assert b"Other mentor's" not in response.content
    assert b"quitter@example.test" not in response.content
    assert elsewhere.pk not in [p["id"] for b in body for p in b["learner"]["past_sessions"]]


def test_learners_permission_matrix(api_client, as_user, mentor, learner):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    make_booking(session, make_learner(email="private.person@example.test"))
    url = f"/api/sessions/{session.pk}/learners/"
    assert api_client.get(url).status_code == 401
    for user in (learner, make_learner(), make_mentor()):
        response = as_user(user).get(url)
        assert response.status_code == 403, user
        assert b"private.person@example.test" not in response.content
    assert as_user(mentor).get(f"/api/sessions/{UNKNOWN}/learners/").status_code == 404


def test_one_mentor_never_sees_another_mentors_learners(as_user, mentor):
    theirs = make_session()
    make_booking(theirs, make_learner(email="theirs@example.test"))
    mine = make_session(mentor=mentor)
    make_booking(mine, make_learner(email="mine@example.test"))
    response = as_user(mentor).get(f"/api/sessions/{theirs.pk}/learners/")
    assert response.status_code == 403
    assert b"theirs@example.test" not in response.content
    assert as_user(mentor).get(f"/api/sessions/{mine.pk}/learners/").status_code == 200


# --- POST /api/sessions/{id}/ready/ and cancel_ready/ ----------------------------------------


def test_ready_and_cancel_ready(as_user, mentor, learner, django_capture_on_commit_callbacks):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    Notification.objects.all().delete()
    messages = listen(f"session_{session.pk}")
    client = as_user(mentor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/sessions/{session.pk}/ready/")
    assert response.status_code == 200
    assert set(response.json()) == SESSION_KEYS and response.json()["mentor_ready"] is True
    assert LiveSession.objects.get(pk=session.pk).mentor_ready is True
    assert kinds(learner) == ["session.ready"]
    assert messages() == [
        {
            "type": "mentor.ready",
            "session_id": session.pk,
            "message": "Mentor is ready—please confirm.",
        }
    ]

    # idempotent: no second push or notification
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/sessions/{session.pk}/ready/").json()["mentor_ready"] is True
    assert messages() == [] and kinds(learner) == ["session.ready"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/sessions/{session.pk}/cancel_ready/")
    assert response.status_code == 200 and response.json()["mentor_ready"] is False
    assert LiveSession.objects.get(pk=session.pk).mentor_ready is False
    assert messages() == [{"type": "mentor.cancel_ready", "session_id": session.pk}]


@pytest.mark.parametrize("action", ["ready", "cancel_ready", "start", "complete", "cancel"])
def test_mentor_action_permission_matrix(api_client, as_user, mentor, learner, action):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    if action == "cancel_ready":
        services.mark_ready(session_id=session.pk, mentor=mentor)
    before = db_snapshot()
    url = f"/api/sessions/{session.pk}/{action}/"
    assert api_client.post(url).status_code == 401
    assert as_user(learner).post(url).status_code == 403
    assert as_user(make_learner()).post(url).status_code == 403
    assert as_user(make_mentor()).post(url).status_code == 403
    assert as_user(mentor).post(f"/api/sessions/{UNKNOWN}/{action}/").status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize("action", ["ready", "cancel_ready"])
@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.COMPLETED])
def test_ready_on_closed_session_is_409(as_user, mentor, action, status):
    session = set_status(make_session(mentor=mentor), status)
    before = db_snapshot()
    assert as_user(mentor).post(f"/api/sessions/{session.pk}/{action}/").status_code == 409
    assert db_snapshot() == before


# --- POST /api/sessions/{id}/cancel|start|complete/ ------------------------------------------


def test_cancel_session_notifies_booked_learners(
    as_user, mentor, learner, django_capture_on_commit_callbacks
):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(mentor).post(
            f"/api/sessions/{session.pk}/cancel/", {"reason": "Power cut"}, format="json"
        )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "cancelled" and data["cancel_reason"] == "Power cut"
    assert data["mentor_ready"] is False
    assert kinds(learner) == ["session.cancelled"]
    assert "Power cut" in Notification.objects.get(user=learner).body
    # a second cancel is a state conflict
    before = db_snapshot()
    assert as_user(mentor).post(f"/api/sessions/{session.pk}/cancel/").status_code == 409
    assert db_snapshot() == before


def test_cancel_reason_too_long_is_400(as_user, mentor):
    session = make_session(mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/sessions/{session.pk}/cancel/", {"reason": "x" * 301}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("reason", [0, 1.5, True, ["Power cut"], {"why": "Power cut"}])
def test_cancel_reason_that_is_not_a_string_is_400_and_cancels_nothing(as_user, mentor, reason):
    """Found by schemathesis (ST201): ``{"reason": 0}`` cancelled the session, reason "0"."""
    session = make_session(mentor=mentor)
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/sessions/{session.pk}/cancel/", {"reason": reason}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"reason": ["Not a valid string."]}
    assert db_snapshot() == before


def test_start_then_complete(as_user, mentor, learner, django_capture_on_commit_callbacks):
    session = make_session(mentor=mentor, starts_at=future(minutes=5))  # its room is open
    make_booking(session, learner)
    client = as_user(mentor)
    response = client.post(f"/api/sessions/{session.pk}/start/")
    assert response.status_code == 200 and response.json()["status"] == "live"
    assert client.post(f"/api/sessions/{session.pk}/start/").json()["status"] == "live"
    # a live session is no longer bookable
    assert as_user(make_learner()).post(f"/api/sessions/{session.pk}/book/").status_code == 409
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/sessions/{session.pk}/complete/")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert kinds(learner) == ["session.completed"]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/api/sessions/{session.pk}/complete/")
    assert again.json()["status"] == "completed"
    assert kinds(learner) == ["session.completed"]
    session.refresh_from_db()
    assert session.started_at and session.completed_at


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (SessionStatus.CANCELLED, "start"),
        (SessionStatus.COMPLETED, "start"),
        (SessionStatus.CANCELLED, "complete"),
        (SessionStatus.COMPLETED, "cancel"),
    ],
)
def test_closed_session_actions_are_409(as_user, mentor, status, action):
    session = set_status(make_session(mentor=mentor), status)
    before = db_snapshot()
    assert as_user(mentor).post(f"/api/sessions/{session.pk}/{action}/").status_code == 409
    assert db_snapshot() == before


# --- GET /api/mentors/ -----------------------------------------------------------------------


def test_mentors_lists_active_mentors_without_emails(api_client, as_user, learner):
    zed = make_mentor(name="Zed", bio="Rust")
    amy = make_mentor(name="Amy")
    make_mentor(name="Gone", is_active=False)
    response = as_user(learner).get("/api/mentors/")
    assert response.status_code == 200
    assert response.json() == [
        {"id": amy.pk, "name": "Amy", "bio": ""},
        {"id": zed.pk, "name": "Zed", "bio": "Rust"},
    ]
    assert b"@" not in response.content
    assert api_client.get("/api/mentors/").status_code == 401
