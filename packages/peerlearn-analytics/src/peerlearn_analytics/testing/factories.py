"""Factories for analytics tests: sessions paid, completed and accrued through the real services.

Bookings are made by ``book_session``, paid by ``record_payment`` (the service payouts calls
when Razorpay confirms), completed by ``complete_session``; the ledger is written by payouts'
own receiver of ``session_completed``, run here by executing the on-commit callbacks.
"""

from datetime import datetime, timedelta

from django.test import TestCase
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking, LiveSession, PaymentStatus
from peerlearn_bookings.testing.factories import make_session, move_start
from peerlearn_core.testing.factories import make_learner
from peerlearn_payouts.models import EarningEntry


def make_paid_session(
    mentor,
    *,
    price_paise: int,
    paid: int = 1,
    unpaid: int = 0,
    refunded: int = 0,
    refunded_active: int = 0,
    late_cancelled: int = 0,
    learners=None,
    complete: bool = True,
    started: datetime | None = None,
    earned_at: datetime | None = None,
    **session_fields,
) -> tuple[LiveSession, list[Booking]]:
    """A session of ``mentor`` priced ``price_paise`` with ``paid`` paid seats, ``unpaid``
    pending ones, ``refunded`` bookings cancelled and refunded before the start, and
    ``refunded_active`` still-active bookings whose payment was refunded, ``late_cancelled``
    paid bookings cancelled after the refund cutoff (not refunded, so credited); completed (so the
    ledger credits the paid seats) unless ``complete`` is False. A free session (price 0) gets
    ``paid`` free seats instead. ``started`` is when it ran (default three hours ago);
    ``earned_at`` dates the ledger entries (the moment of accrual) for time-bucket tests.
    Returns (session, bookings)."""
    seats = paid + unpaid + refunded + refunded_active + late_cancelled
    session = make_session(
        mentor=mentor,
        price_paise=price_paise,
        max_participants=max(seats, 1) + 1,
        **session_fields,
    )
    pool = list(learners) if learners is not None else []
    made = []

    def book(status: str | None) -> Booking:
        learner = pool.pop() if pool else make_learner()
        booking = bookings.book_session(session_id=session.pk, learner=learner)
        if status:
            booking = bookings.record_payment(booking_id=booking.pk, payment_status=status)
        made.append(booking)
        return booking

    for _ in range(paid):
        book(PaymentStatus.PAID if price_paise else None)
    for _ in range(unpaid):
        book(None)  # stays pending: never paid
    for _ in range(refunded):
        booking = book(PaymentStatus.PAID)
        bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
        bookings.record_payment(booking_id=booking.pk, payment_status=PaymentStatus.REFUNDED)
    for _ in range(refunded_active):
        booking = book(PaymentStatus.PAID)
        bookings.record_payment(booking_id=booking.pk, payment_status=PaymentStatus.REFUNDED)
    if late_cancelled:
        move_start(session, to=timezone.now() + timedelta(hours=1))  # inside the cutoff
        for _ in range(late_cancelled):
            booking = book(PaymentStatus.PAID)
            with TestCase.captureOnCommitCallbacks(execute=True):  # payouts: "not refunded"
                bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
    if complete:
        move_start(session, to=started or timezone.now() - timedelta(hours=3))
        with TestCase.captureOnCommitCallbacks(execute=True):
            bookings.complete_session(session_id=session.pk, mentor=mentor)
        if earned_at is not None:
            set_earned_at(session, earned_at)
    session.refresh_from_db()
    return session, [Booking.objects.get(pk=b.pk) for b in made]


def set_earned_at(session: LiveSession, when: datetime) -> None:
    """Date the session's ledger entries (accrual happened at ``when``)."""
    EarningEntry.objects.filter(session=session).update(earned_at=when)
