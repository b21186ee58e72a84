"""Factories for tests of peerlearn_bookings and the packages above it.

Everything is created through the services, so the objects are in states the app can reach.
"""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor

from .. import services
from ..models import Booking, Feedback, LiveSession, SessionRequest, SessionStatus

_seq = itertools.count(1)


def future(**delta) -> datetime:
    """A time ``delta`` from now (default: two days ahead), microseconds dropped."""
    delta = delta or {"days": 2}
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0)


def make_session(*, mentor=None, **overrides) -> LiveSession:
    """A scheduled session starting in the future, created by ``services.create_session``."""
    n = next(_seq)
    fields = {
        "title": f"Session {n}",
        "description": f"About topic {n}",
        "starts_at": future(days=2, hours=n % 24),
        "duration_minutes": 60,
        "max_participants": 5,
        "price_paise": 0,
        **overrides,
    }
    return services.create_session(mentor=mentor or make_mentor(), **fields)


def make_booking(session: LiveSession, learner=None) -> Booking:
    """An active booking of ``learner`` (a new learner by default), made by ``book_session``."""
    return services.book_session(session_id=session.pk, learner=learner or make_learner())


def make_request(*, learner=None, mentor=None, **overrides) -> SessionRequest:
    n = next(_seq)
    fields = {
        "topic": f"Topic {n}",
        "message": f"Please explain topic {n}",
        "preferred_times": [future(days=3)],
        **overrides,
    }
    return services.create_request(
        learner=learner or make_learner(), mentor_id=(mentor or make_mentor()).pk, **fields
    )


def move_start(session: LiveSession, *, to) -> LiveSession:
    """Put a session's start at ``to`` (e.g. in the past) without going through the rules."""
    LiveSession.objects.filter(pk=session.pk).update(starts_at=to)
    session.refresh_from_db()
    return session


def set_status(session: LiveSession, status: str) -> LiveSession:
    """Close or open a session directly (tests of states the clock would reach)."""
    LiveSession.objects.filter(pk=session.pk).update(status=status)
    session.refresh_from_db()
    return session


def make_completed_session(*, mentor=None, learners=(), **overrides):
    """A completed session with active bookings of ``learners``; returns (session, bookings)."""
    session = make_session(mentor=mentor, **overrides)
    bookings = [make_booking(session, learner) for learner in learners]
    move_start(session, to=timezone.now() - timedelta(hours=3))
    session = services.complete_session(session_id=session.pk)
    assert session.status == SessionStatus.COMPLETED
    return session, bookings


def db_snapshot() -> dict:
    """Every row the bookings API can write, as comparable values: assert it did not move."""
    return {
        "sessions": list(
            LiveSession.objects.order_by("pk").values(
                "pk",
                "title",
                "description",
                "starts_at",
                "duration_minutes",
                "max_participants",
                "price_paise",
                "status",
                "booked_count",
                "mentor_ready",
            )
        ),
        "bookings": list(
            Booking.objects.order_by("pk").values(
                "pk",
                "session_id",
                "learner_id",
                "payment_status",
                "amount_paise",
                "confirmed",
                "declined",
                "attended",
                "cancelled_at",
            )
        ),
        "requests": list(
            SessionRequest.objects.order_by("pk").values(
                "pk", "status", "session_id", "decline_reason", "preferred_times"
            )
        ),
        "feedback": list(Feedback.objects.order_by("pk").values("pk", "rating", "comment")),
        "notifications": Notification.objects.count(),
    }
