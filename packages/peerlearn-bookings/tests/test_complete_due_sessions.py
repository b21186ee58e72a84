"""The clock completes sessions whose end time has passed, once, and tells payouts."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.models import LiveSession
from peerlearn_bookings.signals import session_completed
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.testing.factories import make_learner, make_mentor

pytestmark = pytest.mark.django_db


def test_only_sessions_past_their_end_complete(django_capture_on_commit_callbacks):
    mentor = make_mentor()
    ended = make_session(mentor=mentor, duration_minutes=60)
    running = make_session(mentor=mentor, duration_minutes=120)
    future = make_session(mentor=mentor)
    cancelled = make_session(mentor=mentor)
    services.book_session(session_id=ended.pk, learner=make_learner())
    services.cancel_session(session_id=cancelled.pk, mentor=mentor)
    now = timezone.now()
    LiveSession.objects.filter(pk__in=[ended.pk, cancelled.pk]).update(
        starts_at=now - timedelta(minutes=61)
    )
    LiveSession.objects.filter(pk=running.pk).update(
        starts_at=now - timedelta(minutes=30), status="live"
    )
    heard = []
    session_completed.connect(
        lambda sender, session_id, **kw: heard.append(session_id),
        weak=False,
        dispatch_uid="test-heard",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("complete_due_sessions")
        with django_capture_on_commit_callbacks(execute=True):
            assert services.complete_due_sessions() == []
    finally:
        session_completed.disconnect(dispatch_uid="test-heard")
    statuses = dict(LiveSession.objects.values_list("id", "status"))
    assert statuses == {
        ended.pk: "completed",
        running.pk: "live",
        future.pk: "scheduled",
        cancelled.pk: "cancelled",
    }
    assert heard == [ended.pk]
    assert ended.bookings.get().learner.notifications.filter(kind="session.completed").exists()
