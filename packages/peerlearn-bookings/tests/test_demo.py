"""The bookings seeder alone: only bookings' tables, a coherent timeline, the live session
seating every demo learner, and seeding twice is seeding once."""

import pytest
from django.db.models import F
from django.utils import timezone

from peerlearn_bookings.demo import HISTORY, LIVE_TITLE, seed_bookings
from peerlearn_bookings.models import (
    Booking,
    Feedback,
    LiveSession,
    RequestStatus,
    SessionRequest,
    SessionStatus,
)
from peerlearn_core.demo import demo_people
from peerlearn_core.testing.demo import changed_apps, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    people = demo_people()
    before = row_counts()
    seed_bookings(people)
    assert changed_apps(before) == {"peerlearn_bookings"}
    return people


def test_the_timeline_is_coherent(people):
    now = timezone.now()
    bookings = Booking.objects.all()
    assert not bookings.filter(booked_at__gte=F("session__starts_at")).exists()
    assert not bookings.filter(booked_at__gt=now).exists()
    assert not bookings.filter(booked_at__lt=F("session__created_at")).exists()
    assert not bookings.filter(confirmed_at__gte=F("session__starts_at")).exists()
    assert not bookings.filter(declined_at__gte=F("session__starts_at")).exists()
    assert not bookings.filter(attended=True, attended_at__lt=F("session__starts_at")).exists()
    assert not bookings.filter(attended=False, attended_at__isnull=False).exists()
    completed = LiveSession.objects.filter(status=SessionStatus.COMPLETED)
    assert completed.count() >= len(HISTORY)
    assert not completed.exclude(started_at=F("starts_at")).exists()
    assert not completed.filter(completed_at__gt=now).exists()
    for session in completed:
        assert session.completed_at == session.ends_at
        assert not Booking.objects.filter(session=session, attended_at__gt=session.ends_at)
        rated = Feedback.objects.filter(booking__session=session)
        assert rated.exists(), session.title
        assert not rated.filter(created_at__lte=session.ends_at).exists()
        assert not rated.filter(created_at__gt=now).exists()
    zone = timezone.get_default_timezone()
    assert len({timezone.localtime(s.starts_at, zone).month for s in completed}) >= 3
    for session in LiveSession.objects.filter(status=SessionStatus.SCHEDULED):
        assert session.starts_at > now
        assert session.created_at < now


def test_the_live_session_seats_all_three_demo_learners(people):
    live = LiveSession.objects.get(title=LIVE_TITLE, mentor=people.mentor)
    assert live.status == SessionStatus.LIVE
    assert live.room_is_open()
    assert live.started_at < timezone.now() < live.ends_at
    seated = Booking.objects.filter(session=live, cancelled_at__isnull=True, confirmed=True)
    assert sorted(seated.values_list("learner_id", flat=True)) == sorted(
        u.pk for u in people.learners
    )


def test_requests_pending_and_answered(people):
    requests = SessionRequest.objects.filter(mentor=people.mentor)
    assert requests.filter(status=RequestStatus.PENDING).count() >= 2
    assert requests.filter(status=RequestStatus.ACCEPTED, session__isnull=False).exists()
    assert not requests.exclude(status=RequestStatus.PENDING).filter(
        responded_at__lte=F("created_at")
    )


def test_booked_counts_and_seeding_twice(people):
    for session in LiveSession.objects.all():
        assert session.booked_count == session.bookings.filter(cancelled_at__isnull=True).count()
    before = row_counts()
    seed_bookings(demo_people())
    assert row_counts() == before
