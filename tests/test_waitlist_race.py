"""Cancels racing promotions never overbook: booked learners cancel through the real API on many
threads while a long waitlist is promoted into each freed seat (SQLite and PostgreSQL)."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from peerlearn_bookings import services
from peerlearn_bookings.models import Booking, LiveSession, WaitlistEntry
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE),
]

SEATS, WAITING, ROUNDS = 6, 10, 4


def race(calls: list[tuple[str, str, str]]) -> tuple[Counter, list[str]]:
    barrier = threading.Barrier(len(calls))
    statuses: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def attempt(token: str, method: str, url: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=30)
            response = getattr(client, method)(url)
            with lock:
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append(response.content.decode()[:300])
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


def test_cancels_racing_promotions_and_waitlist_joins_never_overbook():
    mentor = make_mentor()
    for round_number in range(ROUNDS):
        session = make_session(mentor=mentor, max_participants=SEATS, title=f"Race {round_number}")
        booked = [
            services.book_session(session_id=session.pk, learner=make_learner())
            for _ in range(SEATS)
        ]
        waiting = [make_learner() for _ in range(WAITING)]
        for learner in waiting[: WAITING // 2]:
            services.join_waitlist(session_id=session.pk, learner=learner)
        calls = (
            [(jwt_for(b.learner), "post", f"/api/bookings/{b.pk}/cancel/") for b in booked]
            + [
                # Late joiners race the promotions; some may find a free seat (409 not_full).
                (jwt_for(learner), "post", f"/api/sessions/{session.pk}/waitlist/")
                for learner in waiting[WAITING // 2 :]
            ]
            + [
                # Direct bookings race the promotions too.
                (jwt_for(make_learner()), "post", f"/api/sessions/{session.pk}/book/")
                for _ in range(3)
            ]
        )
        statuses, errors = race(calls)
        assert errors == [], errors[:3]
        session.refresh_from_db()
        active = Booking.objects.filter(session=session, cancelled_at__isnull=True)
        assert session.booked_count == active.count() <= SEATS, (round_number, statuses)
        # Every freed seat went to someone: the first-come waitlisted learners never wait for a
        # seat that stays free.
        if WaitlistEntry.objects.filter(session=session).exists():
            assert session.booked_count == SEATS
        # Nobody is both booked and waiting.
        both = active.filter(learner__waitlist_entries__session=session)
        assert not both.exists()
    assert LiveSession.objects.filter(booked_count__gt=SEATS).count() == 0
