"""The session lifecycle keeps time: live only from the room's opening (a few minutes before the
start), complete only once live or past its end (the clock's path), attendance only once live."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import SessionStatus
from peerlearn_bookings.testing.factories import (
    db_snapshot,
    future,
    make_booking,
    make_session,
    move_start,
)

pytestmark = pytest.mark.django_db


def test_too_early_to_start_complete_or_attend_is_409_and_changes_nothing(as_user, mentor, learner):
    session = make_session(mentor=mentor, starts_at=future(days=2))
    booking = make_booking(session, learner)
    client = as_user(mentor)
    before = db_snapshot()
    for path, code in (
        (f"/api/sessions/{session.pk}/start/", "too_early"),
        (f"/api/sessions/{session.pk}/complete/", "not_started"),
        (f"/api/bookings/{booking.pk}/attend/", "not_live"),
    ):
        response = client.post(path)
        assert response.status_code == 409, (path, response.content)
        assert response.json()["code"] == code
        assert db_snapshot() == before


def test_the_start_opens_with_the_room(as_user, mentor, learner, settings):
    settings.PEERLEARN_BOOKINGS = {"ROOM_OPENS_MINUTES_BEFORE": 10}
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    client = as_user(mentor)
    move_start(session, to=timezone.now() + timedelta(minutes=11))
    assert client.post(f"/api/sessions/{session.pk}/start/").json()["code"] == "too_early"
    move_start(session, to=timezone.now() + timedelta(minutes=9))
    response = client.post(f"/api/sessions/{session.pk}/start/")
    assert response.status_code == 200 and response.json()["status"] == "live"
    # Live: attendance opens, and the mentor may end it before its end time.
    assert client.post(f"/api/bookings/{booking.pk}/attend/").json()["attended"] is True
    response = client.post(f"/api/sessions/{session.pk}/complete/")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    # Completed: attendance can still be corrected.
    response = client.post(
        f"/api/bookings/{booking.pk}/attend/", {"attended": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["attended"] is False


def test_a_session_whose_time_is_over_does_not_start_but_completes(as_user, mentor, learner):
    session = make_session(mentor=mentor)
    booking = make_booking(session, learner)
    move_start(session, to=timezone.now() - timedelta(hours=2))  # 60 minutes long: over
    client = as_user(mentor)
    assert client.post(f"/api/sessions/{session.pk}/start/").json()["code"] == "session_over"
    assert client.post(f"/api/bookings/{booking.pk}/attend/").json()["code"] == "not_live"
    response = client.post(f"/api/sessions/{session.pk}/complete/")
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_the_clock_completes_only_sessions_past_their_end(mentor):
    running = make_session(mentor=mentor)
    over = make_session(mentor=mentor)
    move_start(running, to=timezone.now() - timedelta(minutes=30))  # ends in 30 minutes
    move_start(over, to=timezone.now() - timedelta(minutes=61))
    assert services.complete_due_sessions() == [over.pk]
    running.refresh_from_db()
    assert running.status == SessionStatus.SCHEDULED
    with pytest.raises(services.Conflict) as refused:
        services.complete_session(session_id=running.pk)
    assert refused.value.code == "not_started"


def test_can_start_and_can_complete_say_what_the_services_do(mentor):
    session = make_session(mentor=mentor, starts_at=future(minutes=30))
    now = timezone.now()
    assert not services.can_start(session, now)
    assert services.can_start(session, session.starts_at - timedelta(minutes=10))
    assert not services.can_start(session, session.ends_at)
    assert not services.can_complete(session, now)
    assert services.can_complete(session, session.ends_at)
