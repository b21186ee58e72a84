"""Earnings accrue exactly once per paid booking, with exact half-up commission."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking, PaymentStatus
from peerlearn_bookings.signals import session_completed
from peerlearn_bookings.testing.factories import make_session, move_start
from peerlearn_core.money import percent_of
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import EarningEntry, MentorWallet
from peerlearn_payouts.selectors import balance, wallet_available
from peerlearn_payouts.services import accrue_missing_earnings, accrue_session_earnings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("paise", "commission"),
    [
        (33333, 3333),
        (5, 1),
        (4, 0),
        (15, 2),
        (25, 3),
        (49900, 4990),
        (99995, 10000),
        (1, 0),
        (0, 0),
    ],
)
def test_commission_is_ten_percent_half_up(paise, commission):
    assert percent_of(paise, 10) == commission


def paid_session(mentor, prices_paise):
    session = make_session(mentor=mentor, max_participants=len(prices_paise) + 1, price_paise=0)
    booking_ids = []
    for price in prices_paise:
        learner = make_learner()
        booking = bookings.book_session(session_id=session.pk, learner=learner)
        # Each booking carries the price it was bought at (the session price may differ per seat
        # only through edits; here we set it directly to test awkward amounts).
        type(booking).objects.filter(pk=booking.pk).update(
            amount_paise=price, payment_status=PaymentStatus.PAID
        )
        booking_ids.append(booking.pk)
    return session, booking_ids


def ended(session):
    """Time passes until the session is over (it may complete now; earlier it may not): its
    start moves three hours into the past, and its bookings' cancellations with it, so each
    happened as long before the start as it did."""
    shift = timezone.now() - timedelta(hours=3) - session.starts_at
    Booking.objects.filter(session=session, cancelled_at__isnull=False).update(
        cancelled_at=F("cancelled_at") + shift
    )
    return move_start(session, to=session.starts_at + shift)


def test_awkward_prices_accrue_exactly(django_capture_on_commit_callbacks):
    mentor = make_mentor()
    session, _ = paid_session(mentor, [33333, 5, 99995])
    ended(session)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.complete_session(session_id=session.pk, mentor=mentor)
    entries = {e.gross_paise: e for e in EarningEntry.objects.filter(session=session)}
    assert (entries[33333].commission_paise, entries[33333].net_paise) == (3333, 30000)
    assert (entries[5].commission_paise, entries[5].net_paise) == (1, 4)
    assert (entries[99995].commission_paise, entries[99995].net_paise) == (10000, 89995)
    assert balance(mentor) == {"earned": 119999, "withdrawn": 0, "pending": 0, "available": 119999}
    assert wallet_available(mentor) == 119999


def test_accrual_happens_once_even_when_the_signal_fires_twice(django_capture_on_commit_callbacks):
    mentor = make_mentor()
    session, _ = paid_session(mentor, [49900, 49900])
    ended(session)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.complete_session(session_id=session.pk, mentor=mentor)
    session_completed.send(sender="test", session_id=session.pk, mentor_id=mentor.pk)
    session_completed.send(sender="test", session_id=session.pk, mentor_id=mentor.pk)
    assert accrue_session_earnings(session_id=session.pk) == 0
    assert accrue_missing_earnings() == 0
    assert EarningEntry.objects.filter(session=session).count() == 2
    assert MentorWallet.objects.get(mentor=mentor).earned_paise == 2 * 44910
    assert mentor.notifications.filter(kind="earnings.accrued").count() == 1


def test_free_unpaid_and_cancelled_bookings_earn_nothing(django_capture_on_commit_callbacks):
    mentor = make_mentor()
    session = make_session(mentor=mentor, max_participants=5, price_paise=10000)
    paid = bookings.book_session(session_id=session.pk, learner=make_learner())
    bookings.record_payment(booking_id=paid.pk, payment_status=PaymentStatus.PAID)
    bookings.book_session(session_id=session.pk, learner=make_learner())  # stays pending
    cancelled = bookings.book_session(session_id=session.pk, learner=make_learner())
    bookings.record_payment(booking_id=cancelled.pk, payment_status=PaymentStatus.PAID)
    bookings.cancel_booking(booking_id=cancelled.pk, learner=cancelled.learner)
    ended(session)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.complete_session(session_id=session.pk, mentor=mentor)
    assert list(EarningEntry.objects.values_list("booking_id", flat=True)) == [paid.pk]
    assert balance(mentor)["earned"] == 9000


def test_repair_command_accrues_a_missed_session():
    mentor = make_mentor()
    session, _ = paid_session(mentor, [20000])
    # Completed without its receiver running (no on-commit execution here): nothing accrued yet.
    ended(session)
    bookings.complete_session(session_id=session.pk, mentor=mentor)
    assert EarningEntry.objects.count() == 0
    assert accrue_missing_earnings() == 18000
    assert accrue_missing_earnings() == 0
    assert balance(mentor)["available"] == 18000


def test_a_late_cancel_forfeits_the_seat_to_the_mentor(django_capture_on_commit_callbacks):
    """Cancelled after the refund cutoff: no refund, so the mentor earns the seat once the session
    is over; every paid booking ends accrued or refunded."""
    mentor = make_mentor()
    session = make_session(mentor=mentor, max_participants=3, price_paise=10000)
    late = bookings.book_session(session_id=session.pk, learner=make_learner())
    bookings.record_payment(booking_id=late.pk, payment_status=PaymentStatus.PAID)
    move_start(session, to=timezone.now() + timedelta(hours=5))  # inside the 24 h cutoff
    bookings.cancel_booking(booking_id=late.pk, learner=late.learner)
    ended(session)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.complete_session(session_id=session.pk, mentor=mentor)
    assert list(EarningEntry.objects.values_list("booking_id", flat=True)) == [late.pk]
    assert balance(mentor)["earned"] == 9000
