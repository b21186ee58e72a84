"""Reschedule re-confirmation and the waitlist (issue 9, parts 4 and 5), through the API."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import Booking, LiveSession, WaitlistEntry
from peerlearn_bookings.testing.factories import db_snapshot, future, make_booking, make_session
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_core.testing.realtime import listen

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def types(messages) -> list[str]:
    return [m["type"] for m in messages()]


# --- reschedule re-confirmation --------------------------------------------------------------


def test_reschedule_asks_every_learner_to_reconfirm_live(as_user, run):
    mentor = make_mentor()
    session = make_session(mentor=mentor, max_participants=3)
    learners = [make_learner() for _ in range(3)]
    bookings = [make_booking(session, learner) for learner in learners]
    Notification.objects.all().delete()
    messages = listen(f"session_{session.pk}")
    new_start = future(days=5)

    with run():
        response = as_user(mentor).patch(
            f"/api/sessions/{session.pk}/", {"starts_at": new_start.isoformat()}, format="json"
        )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["rescheduled_at"] is not None
    assert (data["reconfirmed_count"], data["reconfirm_pending_count"]) == (0, 3)
    for booking, learner in zip(bookings, learners, strict=True):
        booking.refresh_from_db()
        assert booking.reconfirm_pending and booking.reconfirm_requested_at
        assert kinds(learner) == ["session.rescheduled"]
    [pushed] = [m for m in messages() if m["type"] == "session.rescheduled"]
    assert pushed["session_id"] == session.pk
    assert datetime.fromisoformat(pushed["starts_at"]) == new_start
    assert pushed["starts_at"] == data["starts_at"]  # the session JSON's own format
    assert pushed["reconfirm_pending_count"] == 3 and pushed["reconfirmed_count"] == 0
    assert {b["booking_id"] for b in pushed["bookings"] if b["reconfirm_pending"]} == {
        b.pk for b in bookings
    }

    # The learner's card shows the pending state.
    mine = as_user(learners[0]).get("/api/bookings/").json()
    assert mine[0]["reconfirm_pending"] is True

    # One keeps the seat: the mentor's count moves live ("1/3 re-confirmed").
    with run():
        response = as_user(learners[0]).post(
            f"/api/bookings/{bookings[0].pk}/reconfirm/", {"accept": True}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["reconfirm_pending"] is False
    assert response.json()["reconfirmed_at"]
    last = messages()[-1]
    assert last["type"] == "booking.reconfirmed" and last["accepted"] is True
    assert last["learner_name"] == learners[0].name  # the mentor's toast names who answered
    assert (last["reconfirmed_count"], last["booked_count"]) == (1, 3)

    # Another declines: the seat is freed and the count shows 1/2.
    with run():
        response = as_user(learners[1]).post(
            f"/api/bookings/{bookings[1].pk}/reconfirm/", {"accept": False}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["cancelled"] is True
    assert response.json()["cancel_reason"] == "reschedule_declined"
    session.refresh_from_db()
    assert session.booked_count == 2
    last = messages()[-1]
    assert last["type"] == "booking.reconfirmed" and last["accepted"] is False
    assert last["learner_name"] == learners[1].name
    assert (last["reconfirmed_count"], last["booked_count"]) == (1, 2)
    assert "booking.reschedule_declined" in kinds(mentor)
    mentor_view = as_user(mentor).get(f"/api/sessions/{session.pk}/").json()
    assert (mentor_view["reconfirmed_count"], mentor_view["booked_count"]) == (1, 2)

    # Answering twice, or someone else's booking, is refused without a change.
    again = as_user(learners[0]).post(
        f"/api/bookings/{bookings[0].pk}/reconfirm/", {"accept": False}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "not_pending"
    other = as_user(learners[0]).post(
        f"/api/bookings/{bookings[2].pk}/reconfirm/", {"accept": True}, format="json"
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"accept": "maybe"}, {"accept": None}, {"accept": [1]}, {"accept": {"x": 1}}],
)
def test_reconfirm_bad_input_is_400_with_field_errors(as_user, body):
    session = make_session()
    learner = make_learner()
    booking = make_booking(session, learner)
    services.update_session(session_id=session.pk, mentor=session.mentor, starts_at=future(days=9))
    before = db_snapshot()
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/reconfirm/", body, format="json")
    assert response.status_code == 400, response.content
    assert "accept" in response.json()
    assert db_snapshot() == before


def test_reconfirm_form_body_without_accept_never_declines(as_user):
    session = make_session()
    learner = make_learner()
    booking = make_booking(session, learner)
    services.update_session(session_id=session.pk, mentor=session.mentor, starts_at=future(days=9))
    response = as_user(learner).post(f"/api/bookings/{booking.pk}/reconfirm/", {})
    assert response.status_code == 400 and "accept" in response.json()
    booking.refresh_from_db()
    assert booking.is_active and booking.reconfirm_pending


def test_reconfirm_unknown_booking_is_404_and_mentor_is_403(as_user):
    session = make_session()
    assert (
        as_user(make_learner())
        .post("/api/bookings/987654/reconfirm/", {"accept": True}, format="json")
        .status_code
        == 404
    )
    booking = make_booking(session)
    response = as_user(session.mentor).post(
        f"/api/bookings/{booking.pk}/reconfirm/", {"accept": True}, format="json"
    )
    assert response.status_code == 403


def test_an_edit_that_keeps_the_time_asks_no_reconfirmation():
    session = make_session()
    booking = make_booking(session)
    services.update_session(session_id=session.pk, mentor=session.mentor, title="Renamed")
    booking.refresh_from_db()
    assert not booking.reconfirm_pending


# --- waitlist --------------------------------------------------------------------------------


def full_session(seats=1, **kwargs):
    session = make_session(max_participants=seats, **kwargs)
    booked = [make_booking(session) for _ in range(seats)]
    return session, booked


def test_join_leave_and_positions(as_user, run):
    session, _ = full_session()
    first, second, third = make_learner(), make_learner(), make_learner()

    # Browse lists the full session (with include_full) and each learner's place.
    listed = as_user(first).get("/api/sessions/").json()
    assert session.pk not in [s["id"] for s in listed]
    listed = as_user(first).get("/api/sessions/?include_full=true").json()
    [row] = [s for s in listed if s["id"] == session.pk]
    assert row["seats_left"] == 0 and row["waitlist_position"] is None

    for n, learner in enumerate((first, second, third), start=1):
        response = as_user(learner).post(f"/api/sessions/{session.pk}/waitlist/")
        assert response.status_code == 201, response.content
        assert response.json()["position"] == n and response.json()["waitlist_count"] == n
    # Joining twice keeps the place.
    again = as_user(second).post(f"/api/sessions/{session.pk}/waitlist/")
    assert again.status_code == 200 and again.json()["position"] == 2

    listed = as_user(third).get("/api/sessions/?include_full=1").json()
    [row] = [s for s in listed if s["id"] == session.pk]
    assert row["waitlist_position"] == 3 and row["waitlist_count"] == 3

    assert as_user(first).delete(f"/api/sessions/{session.pk}/waitlist/").status_code == 204
    assert as_user(first).delete(f"/api/sessions/{session.pk}/waitlist/").status_code == 204
    assert as_user(second).get(f"/api/sessions/{session.pk}/waitlist/").json()["position"] == 1
    assert as_user(third).get(f"/api/sessions/{session.pk}/waitlist/").json()["position"] == 2
    assert as_user(first).get(f"/api/sessions/{session.pk}/waitlist/").json()["position"] is None


def test_waitlist_refusals(as_user):
    session = make_session(max_participants=2)
    booked = make_booking(session)
    learner = make_learner()
    # Not full: book instead.
    response = as_user(learner).post(f"/api/sessions/{session.pk}/waitlist/")
    assert response.status_code == 409 and response.json()["code"] == "not_full"
    make_booking(session)
    # Already booked.
    response = as_user(booked.learner).post(f"/api/sessions/{session.pk}/waitlist/")
    assert response.status_code == 409 and response.json()["code"] == "already_booked"
    # Mentors cannot, unknown sessions are 404, bad include_full is a 400.
    assert as_user(session.mentor).post(f"/api/sessions/{session.pk}/waitlist/").status_code == 403
    assert as_user(learner).post("/api/sessions/987654/waitlist/").status_code == 404
    bad = as_user(learner).get("/api/sessions/?include_full=perhaps")
    assert bad.status_code == 400 and "include_full" in bad.json()
    # A cancelled session has no waitlist.
    services.cancel_session(session_id=session.pk, mentor=session.mentor)
    response = as_user(learner).post(f"/api/sessions/{session.pk}/waitlist/")
    assert response.status_code == 409 and response.json()["code"] == "not_bookable"
    assert WaitlistEntry.objects.count() == 0


def test_cancel_promotes_the_first_waitlisted_learner_live(as_user, run):
    session, [booked] = full_session()
    first, second = make_learner(), make_learner()
    for learner in (first, second):
        services.join_waitlist(session_id=session.pk, learner=learner)
    user_messages = listen(f"notifications_{first.pk}")  # one listener at a time (flush)

    with run():
        response = as_user(booked.learner).post(f"/api/bookings/{booked.pk}/cancel/")
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.booked_count == 1
    promoted = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert promoted.learner == first and promoted.payment_status == "free"
    assert "waitlist.promoted" in kinds(first)
    assert any(
        m["type"] == "notification" and m["kind"] == "waitlist.promoted" for m in user_messages()
    )
    assert list(WaitlistEntry.objects.values_list("learner_id", flat=True)) == [second.pk]
    assert as_user(second).get(f"/api/sessions/{session.pk}/waitlist/").json()["position"] == 1
    # The promoted learner sees the booking.
    assert [b["session"]["id"] for b in as_user(first).get("/api/bookings/").json()] == [session.pk]


def test_priced_promotion_is_a_payment_hold_and_decline_promotes_too(run):
    session, [booked] = full_session(price_paise=49900)
    waiting = make_learner()
    services.join_waitlist(session_id=session.pk, learner=waiting)
    services.update_session(session_id=session.pk, mentor=session.mentor, starts_at=future(days=9))
    messages = listen(f"session_{session.pk}")
    with run():
        services.reconfirm_booking(booking_id=booked.pk, learner=booked.learner, accept=False)
    promoted = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert promoted.learner == waiting
    assert promoted.payment_status == "pending"  # the hold runs from the promotion
    assert promoted.booked_at > timezone.now() - timedelta(minutes=1)
    assert not promoted.reconfirm_pending  # booked at the new time
    assert "waitlist.changed" in types(messages)
    [note] = Notification.objects.filter(user=waiting, kind="waitlist.promoted")
    assert note.data["pay"] is True and note.data["booking_id"] == promoted.pk


def test_released_hold_passes_the_seat_to_the_next(run):
    session, [booked] = full_session(price_paise=20000)
    first, second = make_learner(), make_learner()
    for learner in (first, second):
        services.join_waitlist(session_id=session.pk, learner=learner)
    with run():
        services.release_unpaid_booking(booking_id=booked.pk)
    promoted = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert promoted.learner == first
    with run():
        services.release_unpaid_booking(booking_id=promoted.pk)
    now_booked = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert now_booked.learner == second
    assert "booking.released" in kinds(first)
    session.refresh_from_db()
    assert session.booked_count == 1
    assert WaitlistEntry.objects.count() == 0


def test_more_seats_promote_and_a_waitlisted_learner_who_books_leaves_the_queue():
    session, _ = full_session(seats=1)
    waiting = [make_learner() for _ in range(3)]
    for learner in waiting:
        services.join_waitlist(session_id=session.pk, learner=learner)
    services.update_session(session_id=session.pk, mentor=session.mentor, max_participants=3)
    session.refresh_from_db()
    assert session.booked_count == 3
    assert set(Booking.objects.filter(session=session).values_list("learner_id", flat=True)) >= {
        waiting[0].pk,
        waiting[1].pk,
    }
    assert list(WaitlistEntry.objects.values_list("learner_id", flat=True)) == [waiting[2].pk]
    assert LiveSession.objects.get(pk=session.pk).booked_count <= 3


def test_no_promotion_once_the_session_is_cancelled():
    session, _ = full_session()
    services.join_waitlist(session_id=session.pk, learner=make_learner())
    services.cancel_session(session_id=session.pk, mentor=session.mentor)
    assert Booking.objects.filter(session=session, cancelled_at__isnull=True).count() == 1
