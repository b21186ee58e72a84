"""API of bookings: POST /api/sessions/{id}/book/ and /api/bookings/ (CONTRACT.md, Bookings)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import Booking, Feedback, LiveSession, SessionStatus
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

BOOKING_KEYS = {
    # CONTRACT.md's minimum ...
    "id", "session", "learner", "booked_at", "payment_status", "amount", "confirmed", "declined",
    "attended",
    # ... and the additions
    "cancelled", "cancelled_at", "has_feedback", "feedback",
    "cancel_reason", "reconfirm_pending", "reconfirm_requested_at", "reconfirmed_at",
    "hold_expires_at",
}  # fmt: skip
UNKNOWN = 987654


def at(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- POST /api/sessions/{id}/book/ -----------------------------------------------------------


def test_book_free_session_returns_booking_with_session(
    as_user, mentor, learner, django_capture_on_commit_callbacks
):
    session = make_session(mentor=mentor, max_participants=3)
    messages = listen(f"session_{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(learner).post(f"/api/sessions/{session.pk}/book/")
    assert response.status_code == 201, response.content
    data = response.json()
    booking = Booking.objects.get()
    assert set(data) == BOOKING_KEYS
    assert at(data["booked_at"]) == booking.booked_at
    assert {k: v for k, v in data.items() if k not in ("session", "booked_at")} == {
        "id": booking.pk,
        "learner": {"id": learner.pk, "name": learner.name, "email": learner.email},
        "payment_status": "free",
        "amount": "0.00",
        "confirmed": False,
        "declined": False,
        "attended": False,
        "cancelled": False,
        "cancelled_at": None,
        "has_feedback": False,
        "feedback": None,
        "cancel_reason": "",
        "reconfirm_pending": False,
        "reconfirm_requested_at": None,
        "reconfirmed_at": None,
        "hold_expires_at": None,  # a free seat is not held for a payment
    }
    assert data["session"]["id"] == session.pk
    assert data["session"]["booked_count"] == 1 and data["session"]["seats_left"] == 2
    assert data["session"]["mentor"] == {"id": mentor.pk, "name": mentor.name}
    assert LiveSession.objects.get(pk=session.pk).booked_count == 1
    assert kinds(mentor) == ["booking.created"]
    assert {"type": "booking.created", "booking_id": booking.pk, "booked_count": 1} in messages()


def test_book_paid_session_is_pending_with_the_price(as_user, learner):
    session = make_session(price_paise=49900)
    response = as_user(learner).post(f"/api/sessions/{session.pk}/book/")
    assert response.status_code == 201
    data = response.json()
    assert data["payment_status"] == "pending" and data["amount"] == "499.00"
    assert data["session"]["price"] == "499.00"
    assert Booking.objects.get().amount_paise == 49900


def test_booking_a_full_session_is_409_and_changes_nothing(as_user, learner):
    session = make_session(max_participants=1)
    make_booking(session)
    before = db_snapshot()
    response = as_user(learner).post(f"/api/sessions/{session.pk}/book/")
    assert response.status_code == 409
    assert "detail" in response.json()
    assert db_snapshot() == before


def test_booking_twice_is_409(as_user, learner):
    session = make_session(max_participants=5)
    assert as_user(learner).post(f"/api/sessions/{session.pk}/book/").status_code == 201
    before = db_snapshot()
    response = as_user(learner).post(f"/api/sessions/{session.pk}/book/")
    assert response.status_code == 409
    assert db_snapshot() == before
    assert LiveSession.objects.get(pk=session.pk).booked_count == 1


def test_can_book_again_after_cancelling(as_user, learner):
    session = make_session()
    booking = make_booking(session, learner)
    services.cancel_booking(booking_id=booking.pk, learner=learner)
    response = as_user(learner).post(f"/api/sessions/{session.pk}/book/")
    assert response.status_code == 201 and response.json()["id"] != booking.pk
    assert LiveSession.objects.get(pk=session.pk).booked_count == 1


@pytest.mark.parametrize(
    "status", [SessionStatus.CANCELLED, SessionStatus.COMPLETED, SessionStatus.LIVE]
)
def test_booking_a_closed_session_is_409(as_user, learner, status):
    session = set_status(make_session(), status)
    before = db_snapshot()
    assert as_user(learner).post(f"/api/sessions/{session.pk}/book/").status_code == 409
    assert db_snapshot() == before


def test_booking_after_the_start_is_409(as_user, learner):
    session = move_start(make_session(), to=timezone.now() - timedelta(minutes=1))
    before = db_snapshot()
    assert as_user(learner).post(f"/api/sessions/{session.pk}/book/").status_code == 409
    assert db_snapshot() == before


def test_book_permission_matrix(api_client, as_user, mentor):
    session = make_session(mentor=mentor)
    before = db_snapshot()
    url = f"/api/sessions/{session.pk}/book/"
    assert api_client.post(url).status_code == 401
    assert as_user(mentor).post(url).status_code == 403
    assert as_user(make_mentor()).post(url).status_code == 403
    assert as_user(make_learner()).post(f"/api/sessions/{UNKNOWN}/book/").status_code == 404
    assert db_snapshot() == before


# --- GET /api/bookings/ ----------------------------------------------------------------------


def test_learner_lists_own_active_bookings_with_their_session(as_user, learner):
    later = make_booking(make_session(starts_at=timezone.now() + timedelta(days=6)), learner)
    sooner = make_booking(make_session(starts_at=timezone.now() + timedelta(days=1)), learner)
    dropped = make_booking(make_session(), learner)
    services.cancel_booking(booking_id=dropped.pk, learner=learner)
    make_booking(make_session())  # someone else's

    response = as_user(learner).get("/api/bookings/")
    assert response.status_code == 200
    body = response.json()
    assert [b["id"] for b in body] == [sooner.pk, later.pk]
    assert all(set(b) == BOOKING_KEYS for b in body)
    assert body[0]["session"]["id"] == sooner.session_id
    assert body[0]["learner"]["id"] == learner.pk

    everything = as_user(learner).get("/api/bookings/?include_cancelled=true").json()
    assert {b["id"] for b in everything} == {sooner.pk, later.pk, dropped.pk}
    assert next(b for b in everything if b["id"] == dropped.pk)["cancelled"] is True


def test_booking_list_shows_server_state_mentor_ready_and_counts(as_user, mentor, learner):
    session = make_session(mentor=mentor)
    make_booking(session, learner)
    other = make_learner()
    theirs = make_booking(session, other)
    assert as_user(mentor).post(f"/api/sessions/{session.pk}/ready/").status_code == 200
    services.confirm_booking(booking_id=theirs.pk, learner=other)

    [booking] = as_user(learner).get("/api/bookings/").json()
    assert booking["session"]["mentor_ready"] is True
    assert booking["session"]["confirmed_count"] == 1
    assert booking["session"]["booked_count"] == 2
    assert booking["confirmed"] is False

    assert as_user(mentor).post(f"/api/sessions/{session.pk}/cancel_ready/").status_code == 200
    [booking] = as_user(learner).get("/api/bookings/").json()
    assert booking["session"]["mentor_ready"] is False


def test_booking_list_never_shows_other_learners_emails(as_user, learner):
    session = make_session()
    make_booking(session, learner)
    make_booking(session, make_learner(email="hidden.neighbour@example.test"))
    response = as_user(learner).get("/api/bookings/")
    assert response.status_code == 200
    assert b"hidden.neighbour@example.test" not in response.content
    assert response.content.count(b"@") == 1  # the learner's own address
    assert learner.email.encode() in response.content


def test_booking_list_refuses_mentor_and_anonymous(api_client, as_user, mentor):
    make_booking(make_session(mentor=mentor))
    assert api_client.get("/api/bookings/").status_code == 401
    response = as_user(mentor).get("/api/bookings/")
    assert response.status_code == 403
    assert b"@" not in response.content


# --- POST /api/bookings/{id}/confirm/ and decline/ -------------------------------------------


def test_confirm_before_mentor_is_ready_is_409(as_user, learner):
    booking = make_booking(make_session(), learner)
    before = db_snapshot()
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/confirm/")
    assert response.status_code == 409
    assert db_snapshot() == before


def test_confirm_after_ready(as_user, mentor, learner, django_capture_on_commit_callbacks):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    messages = listen(f"session_{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(learner).post(f"/api/bookings/{booking.pk}/confirm/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == BOOKING_KEYS
    assert data["id"] == booking.pk and data["session"] == session.pk
    assert (data["confirmed"], data["declined"]) == (True, False)
    assert Booking.objects.get(pk=booking.pk).confirmed is True
    assert messages() == [
        {
            "type": "booking.confirmed",
            "booking_id": booking.pk,
            "learner_id": learner.pk,
            "learner_name": learner.name,
            "confirmed_count": 1,
        }
    ]
    detail = as_user(mentor).get(f"/api/sessions/{session.pk}/").json()
    assert detail["confirmed_count"] == 1
    # confirming again is harmless
    assert as_user(learner).post(f"/api/bookings/{booking.pk}/confirm/").status_code == 200


def test_decline_after_confirm(as_user, mentor, learner, django_capture_on_commit_callbacks):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    services.confirm_booking(booking_id=booking.pk, learner=learner)
    messages = listen(f"session_{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(learner).post(f"/api/bookings/{booking.pk}/decline/")
    assert response.status_code == 200
    assert (response.json()["confirmed"], response.json()["declined"]) == (False, True)
    booking.refresh_from_db()
    assert (booking.confirmed, booking.declined) == (False, True)
    assert messages() == [
        {
            "type": "booking.declined",
            "booking_id": booking.pk,
            "learner_id": learner.pk,
            "learner_name": learner.name,
            "confirmed_count": 0,
        }
    ]


@pytest.mark.parametrize("action", ["confirm", "decline", "cancel", "feedback"])
def test_learner_action_permission_matrix(api_client, as_user, mentor, learner, action):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    body = {"rating": 5, "comment": "Great"} if action == "feedback" else {}
    if action == "feedback":
        move_start(session, to=timezone.now() - timedelta(hours=3))
        services.complete_session(session_id=session.pk)
    before = db_snapshot()
    url = f"/api/bookings/{booking.pk}/{action}/"
    assert api_client.post(url, body, format="json").status_code == 401
    assert as_user(make_learner()).post(url, body, format="json").status_code == 403
    assert as_user(mentor).post(url, body, format="json").status_code == 403
    assert as_user(make_mentor()).post(url, body, format="json").status_code == 403
    unknown = f"/api/bookings/{UNKNOWN}/{action}/"
    assert as_user(learner).post(unknown, body, format="json").status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_confirm_or_decline_on_closed_session_is_409(as_user, mentor, learner, action):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    services.cancel_session(session_id=session.pk, mentor=mentor)
    before = db_snapshot()
    assert as_user(learner).post(f"/api/bookings/{booking.pk}/{action}/").status_code == 409
    assert db_snapshot() == before


@pytest.mark.parametrize("action", ["confirm", "decline", "cancel"])
def test_actions_on_a_cancelled_booking_are_409(as_user, mentor, learner, action):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    services.cancel_booking(booking_id=booking.pk, learner=learner)
    before = db_snapshot()
    assert as_user(learner).post(f"/api/bookings/{booking.pk}/{action}/").status_code == 409
    assert db_snapshot() == before


# --- POST /api/bookings/{id}/cancel/ ---------------------------------------------------------


def test_cancel_booking_frees_the_seat_and_tells_the_mentor(as_user, mentor, learner):
    session = make_session(mentor=mentor, max_participants=1)
    booking = make_booking(session, learner)
    Notification.objects.all().delete()
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/cancel/")
    assert response.status_code == 200
    data = response.json()
    assert data["cancelled"] is True and data["cancelled_at"] is not None
    assert LiveSession.objects.get(pk=session.pk).booked_count == 0
    assert kinds(mentor) == ["booking.cancelled"]
    # the seat is bookable again
    assert as_user(make_learner()).post(f"/api/sessions/{session.pk}/book/").status_code == 201


def test_cancel_booking_after_the_start_is_409(as_user, learner):
    session = make_session()
    booking = make_booking(session, learner)
    move_start(session, to=timezone.now() - timedelta(minutes=1))
    before = db_snapshot()
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/cancel/")
    assert response.status_code == 409
    assert db_snapshot() == before


@pytest.mark.parametrize("status", [SessionStatus.LIVE, SessionStatus.COMPLETED])
def test_cancel_booking_of_started_session_is_409(as_user, learner, status):
    session = make_session()
    booking = make_booking(session, learner)
    set_status(session, status)
    before = db_snapshot()
    assert as_user(learner).post(f"/api/bookings/{booking.pk}/cancel/").status_code == 409
    assert db_snapshot() == before


# --- POST /api/bookings/{id}/attend/ ---------------------------------------------------------


def test_mentor_marks_attendance(as_user, mentor, learner, django_capture_on_commit_callbacks):
    session = make_session(mentor=mentor, starts_at=future(minutes=5))  # its room is open
    booking = make_booking(session, learner)
    services.start_session(session_id=session.pk, mentor=mentor)
    messages = listen(f"session_{session.pk}")
    client = as_user(mentor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/bookings/{booking.pk}/attend/")  # default true
    assert response.status_code == 200
    assert set(response.json()) == BOOKING_KEYS and response.json()["attended"] is True
    assert Booking.objects.get(pk=booking.pk).attended is True
    assert client.get(f"/api/sessions/{session.pk}/").json()["attended_count"] == 1
    assert messages() == [
        {
            "type": "booking.attended",
            "booking_id": booking.pk,
            "attended": True,
            "attended_count": 1,
        }
    ]

    response = client.post(
        f"/api/bookings/{booking.pk}/attend/", {"attended": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["attended"] is False
    assert client.get(f"/api/sessions/{session.pk}/").json()["attended_count"] == 0


def test_attend_bad_body_is_400(as_user, mentor):
    booking = make_booking(make_session(mentor=mentor))
    before = db_snapshot()
    response = as_user(mentor).post(
        f"/api/bookings/{booking.pk}/attend/", {"attended": "perhaps"}, format="json"
    )
    assert response.status_code == 400 and "attended" in response.json()
    assert db_snapshot() == before


def test_attend_permission_matrix(api_client, as_user, mentor, learner):
    booking = make_booking(make_session(mentor=mentor), learner)
    before = db_snapshot()
    url = f"/api/bookings/{booking.pk}/attend/"
    assert api_client.post(url).status_code == 401
    assert as_user(learner).post(url).status_code == 403
    assert as_user(make_learner()).post(url).status_code == 403
    assert as_user(make_mentor()).post(url).status_code == 403
    assert as_user(mentor).post(f"/api/bookings/{UNKNOWN}/attend/").status_code == 404
    assert db_snapshot() == before


def test_attend_on_cancelled_session_or_booking_is_409(as_user, mentor, learner):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    other = make_learner()
    dropped = make_booking(session, other)
    services.cancel_booking(booking_id=dropped.pk, learner=other)
    before = db_snapshot()
    assert as_user(mentor).post(f"/api/bookings/{dropped.pk}/attend/").status_code == 409
    assert db_snapshot() == before
    services.cancel_session(session_id=session.pk, mentor=mentor)
    before = db_snapshot()
    assert as_user(mentor).post(f"/api/bookings/{booking.pk}/attend/").status_code == 409
    assert db_snapshot() == before


# --- POST /api/bookings/{id}/feedback/ -------------------------------------------------------


def test_feedback_after_the_session(as_user, learner):
    _session, [booking] = make_completed_session(learners=[learner])
    response = as_user(learner).post(
        f"/api/bookings/{booking.pk}/feedback/", {"rating": 4, "comment": "Clear"}, format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    feedback = Feedback.objects.get()
    assert at(data["created_at"]) == feedback.created_at
    assert data == {
        "id": feedback.pk,
        "rating": 4,
        "comment": "Clear",
        "created_at": data["created_at"],
    }
    assert feedback.booking_id == booking.pk
    [listed] = as_user(learner).get("/api/bookings/").json()
    assert listed["has_feedback"] is True
    assert listed["feedback"] == {"rating": data["rating"], "comment": "Clear"}
    # a second rating replaces the first
    again = as_user(learner).post(
        f"/api/bookings/{booking.pk}/feedback/", {"rating": 5}, format="json"
    )
    assert again.status_code == 201
    assert Feedback.objects.count() == 1 and Feedback.objects.get().rating == 5


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": -1},
        {"rating": "five"},
        {"rating": 4.5},
        {},
        {"rating": 3, "comment": "x" * 2001},
        {"rating": 3, "comment": 0},
        {"rating": 3, "comment": ["Clear"]},
    ],
)
def test_feedback_bad_input_is_400_and_writes_nothing(as_user, learner, body):
    _session, [booking] = make_completed_session(learners=[learner])
    before = db_snapshot()
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/feedback/", body, format="json")
    assert response.status_code == 400
    field = "comment" if "comment" in body else "rating"
    assert field in response.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("status", [SessionStatus.SCHEDULED, SessionStatus.LIVE, "cancelled"])
def test_feedback_before_completion_is_409(as_user, learner, status):
    session = make_session()
    booking = make_booking(session, learner)
    set_status(session, status)
    before = db_snapshot()
    response = as_user(learner).post(
        f"/api/bookings/{booking.pk}/feedback/", {"rating": 5}, format="json"
    )
    assert response.status_code == 409
    assert db_snapshot() == before
