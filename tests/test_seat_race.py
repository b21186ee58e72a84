"""No overbooking, ever: many learners race for few seats through the real API, many times."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from peerlearn_bookings.models import Booking, LiveSession
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE),
]

ATTEMPTS, SEATS, ROUNDS = 50, 10, 20


def race(session_id: int, tokens: list[str]) -> tuple[Counter, list[str]]:
    barrier = threading.Barrier(len(tokens))
    statuses: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def attempt(token: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(f"/api/sessions/{session_id}/book/")
            with lock:
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append(response.content.decode()[:300])
        except Exception as exc:  # a database error would surface here
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


def test_fifty_learners_ten_seats_twenty_rounds():
    mentor = make_mentor()
    learners = [make_learner() for _ in range(ATTEMPTS)]
    tokens = [jwt_for(learner) for learner in learners]
    for round_number in range(ROUNDS):
        session = make_session(mentor=mentor, max_participants=SEATS, title=f"Race {round_number}")
        statuses, errors = race(session.pk, tokens)
        assert errors == [], errors[:3]
        assert statuses == Counter({201: SEATS, 409: ATTEMPTS - SEATS}), (round_number, statuses)
        session.refresh_from_db()
        assert session.booked_count == SEATS
        assert Booking.objects.filter(session=session, cancelled_at__isnull=True).count() == SEATS
    assert LiveSession.objects.filter(booked_count__gt=SEATS).count() == 0


def test_one_learner_double_clicking_gets_one_booking():
    mentor = make_mentor()
    learner = make_learner()
    session = make_session(mentor=mentor, max_participants=5)
    statuses, errors = race(session.pk, [jwt_for(learner)] * 8)
    assert errors == []
    assert statuses == Counter({201: 1, 409: 7})
    session.refresh_from_db()
    assert session.booked_count == 1
    assert Booking.objects.filter(session=session).count() == 1
