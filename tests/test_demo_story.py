"""`seed_demo` tells one coherent story across the packages, through the real database: seats
booked before their sessions and paid at booking time, completed sessions rated and chatted in
over several months, pending requests, a payout in each state, the live session open to all
three demo learners, and seeding twice is the same as seeding once."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F, Q, Sum
from django.utils import timezone

from peerlearn_bookings.demo import LIVE_TITLE
from peerlearn_bookings.models import (
    Booking,
    Feedback,
    LiveSession,
    PaymentStatus,
    SessionRequest,
    SessionStatus,
)
from peerlearn_core.demo import seed_demo
from peerlearn_payouts.demo import PAY_AFTER_MINUTES
from peerlearn_payouts.models import (
    RETURNED_STATUSES,
    EarningEntry,
    MentorWallet,
    Payment,
    Payout,
    PayoutStatus,
    Refund,
)
from peerlearn_rtc.models import ChatMessage

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def people():
    return seed_demo()


def demo_bookings(people):
    return Booking.objects.filter(session__mentor__in=[people.mentor, people.other_mentor])


def test_every_seat_is_booked_before_its_session_starts_and_not_in_the_future(people):
    bookings = demo_bookings(people)
    assert bookings.count() >= 100
    assert not bookings.filter(booked_at__gte=F("session__starts_at")).exists()
    assert not bookings.filter(booked_at__gt=timezone.now()).exists()
    assert not bookings.filter(booked_at__lt=F("session__created_at")).exists()
    assert not bookings.filter(confirmed_at__gte=F("session__starts_at")).exists()
    assert not bookings.filter(cancelled_at__lt=F("booked_at")).exists()


def test_every_paid_seat_was_paid_minutes_after_booking_and_before_the_session(people):
    paid = demo_bookings(people).filter(
        amount_paise__gt=0, payment_status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED]
    )
    assert paid.count() >= 60
    payments = Payment.objects.filter(booking__in=paid).select_related("booking__session")
    assert sorted(p.booking_id for p in payments) == sorted(paid.values_list("pk", flat=True))
    for payment in payments:
        booking = payment.booking
        assert payment.created_at == booking.booked_at
        assert booking.booked_at < payment.paid_at <= booking.booked_at + timedelta(minutes=10)
        assert payment.paid_at < booking.session.starts_at
        assert payment.amount_paise == booking.amount_paise
    # An unpaid seat has no captured payment (the learner pays when they click Pay).
    pending = demo_bookings(people).filter(payment_status=PaymentStatus.PENDING)
    assert pending.exists()
    assert not Payment.objects.filter(booking__in=pending, paid_at__isnull=False).exists()
    # Refunded seats: a learner's early cancel and the mentor's cancelled session.
    refunds = Refund.objects.filter(booking__in=paid)
    assert set(refunds.values_list("reason", flat=True)) == {
        Refund.Reason.LEARNER_CANCELLED,
        Refund.Reason.SESSION_CANCELLED,
    }
    assert refunds.count() == paid.filter(payment_status=PaymentStatus.REFUNDED).count()
    assert not refunds.filter(created_at__lt=F("payment__paid_at")).exists()
    assert PAY_AFTER_MINUTES <= 10


def test_completed_sessions_span_months_with_ratings_chat_and_earnings(people):
    completed = LiveSession.objects.filter(mentor=people.mentor, status=SessionStatus.COMPLETED)
    zone = timezone.get_default_timezone()
    months = {timezone.localtime(s.starts_at, zone).strftime("%Y-%m") for s in completed}
    assert len(months) >= 3
    assert completed.count() >= 20
    for session in completed:
        assert session.started_at == session.starts_at
        assert session.completed_at == session.ends_at < timezone.now()
        feedback = Feedback.objects.filter(booking__session=session)
        assert feedback.exists(), session.title
        assert not feedback.filter(booking__attended=False).exists()
        assert not feedback.filter(created_at__lt=session.completed_at).exists()
        assert not feedback.filter(created_at__gt=timezone.now()).exists()
        chat = ChatMessage.objects.filter(session=session)
        assert not chat.exclude(created_at__range=(session.starts_at, session.ends_at)).exists()
        speakers = set(chat.values_list("user_id", flat=True))
        attendees = set(
            Booking.objects.filter(session=session, attended=True).values_list(
                "learner_id", flat=True
            )
        )
        assert speakers <= attendees | {session.mentor_id}
    chatted = completed.filter(chat_messages__isnull=False).distinct().count()
    assert completed.count() > chatted >= completed.count() // 2
    # Earnings were credited when each session ended, for exactly its paid seats.
    entries = EarningEntry.objects.filter(mentor=people.mentor)
    assert entries.exists()
    assert not entries.exclude(earned_at=F("session__completed_at")).exists()
    assert not entries.exclude(booking__payment_status=PaymentStatus.PAID).exists()
    accruable = Booking.objects.filter(
        session__in=completed, payment_status=PaymentStatus.PAID, cancelled_at__isnull=True
    )
    assert entries.count() == accruable.count()


def test_a_pending_request_and_an_answered_one(people):
    requests = SessionRequest.objects.filter(mentor=people.mentor)
    pending = requests.filter(status="pending")
    assert pending.count() >= 1
    assert not pending.filter(created_at__gt=timezone.now()).exists()
    answered = requests.exclude(status="pending")
    assert answered.filter(status="accepted", session__isnull=False).exists()
    assert answered.filter(status="declined").exists()
    assert not answered.filter(Q(responded_at__isnull=True) | Q(responded_at__lt=F("created_at")))


def test_a_payout_in_each_state_and_a_balance_that_was_never_overdrawn(people, as_user):
    payouts = Payout.objects.filter(mentor=people.mentor)
    assert set(payouts.values_list("status", flat=True)) == {
        PayoutStatus.CREATED,
        PayoutStatus.PROCESSING,
        PayoutStatus.PROCESSED,
        PayoutStatus.FAILED,
        PayoutStatus.REVERSED,
    }
    assert not payouts.filter(status=PayoutStatus.PROCESSED, utr="").exists()
    assert not payouts.filter(status__in=RETURNED_STATUSES, failure_reason="").exists()
    assert not payouts.filter(updated_at__lt=F("created_at")).exists()
    # At every withdrawal, what had been earned by then covered what was held by then.
    earned = EarningEntry.objects.filter(mentor=people.mentor)
    for payout in payouts:
        held = (
            payouts.filter(created_at__lte=payout.created_at)
            .exclude(status__in=RETURNED_STATUSES)
            .aggregate(s=Sum("amount_paise"))["s"]
        )
        by_then = earned.filter(earned_at__lte=payout.created_at).aggregate(s=Sum("net_paise"))
        assert (by_then["s"] or 0) >= (held or 0), payout
    wallet = MentorWallet.objects.get(mentor=people.mentor)
    assert wallet.earned_paise == earned.aggregate(s=Sum("net_paise"))["s"]
    assert (
        wallet.reserved_paise
        == (payouts.exclude(status__in=RETURNED_STATUSES).aggregate(s=Sum("amount_paise"))["s"])
    )
    balance = as_user(people.mentor).get("/api/payouts/balance/").json()
    assert Decimal(balance["available"]) * 100 == wallet.available_paise > 0


def test_the_live_session_seats_all_three_demo_learners(people, as_user):
    live = LiveSession.objects.get(mentor=people.mentor, title=LIVE_TITLE)
    assert live.status == SessionStatus.LIVE
    assert live.room_is_open()
    seats = Booking.objects.filter(session=live, cancelled_at__isnull=True, confirmed=True)
    assert set(seats.values_list("learner_id", flat=True)) == {u.pk for u in people.learners}
    assert live.booked_count == seats.count() == 3
    for learner in people.learners:
        listed = as_user(learner).get("/api/bookings/").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert live.pk in {row["session"]["id"] for row in rows}


def test_booked_counts_match_the_active_seats(people):
    for session in LiveSession.objects.filter(mentor__in=[people.mentor, people.other_mentor]):
        active = Booking.objects.filter(session=session, cancelled_at__isnull=True).count()
        assert session.booked_count == active, session.title


def snapshot() -> dict:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label.startswith("peerlearn_")
    }


def test_seeding_twice_is_seeding_once(people):
    before = snapshot()
    assert before["peerlearn_bookings.Booking"] > 0
    assert before["peerlearn_rtc.ChatMessage"] > 0
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before
