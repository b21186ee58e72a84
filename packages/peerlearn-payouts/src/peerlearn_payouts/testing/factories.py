"""Factories for money tests: earnings without running a whole session lifecycle, and paying a
booking through the real gateway and the loopback sandbox."""

import uuid

from django.db.models import F
from django.utils import timezone

from peerlearn_bookings.models import Booking, LiveSession, PaymentStatus, SessionStatus
from peerlearn_core.money import percent_of
from peerlearn_core.testing.factories import make_learner

from ..app_settings import payout_settings
from ..models import EarningEntry, MentorWallet, Payment


def give_earnings(mentor, gross_paise: int) -> EarningEntry:
    """One completed session with one paid booking of ``gross_paise``, accrued to ``mentor``."""
    session = LiveSession.objects.create(
        mentor=mentor,
        title="Completed session",
        starts_at=timezone.now(),
        duration_minutes=60,
        max_participants=5,
        price_paise=gross_paise,
        status=SessionStatus.COMPLETED,
        booked_count=1,
        completed_at=timezone.now(),
    )
    booking = Booking.objects.create(
        session=session,
        # A unique email: callers in other processes (browser tests' manage.py shell) share the DB.
        learner=make_learner(email=f"learner-{uuid.uuid4().hex[:10]}@example.test"),
        amount_paise=gross_paise,
        payment_status=PaymentStatus.PAID,
    )
    commission = percent_of(gross_paise, payout_settings.COMMISSION_PERCENT)
    entry = EarningEntry.objects.create(
        mentor=mentor,
        booking=booking,
        session=session,
        gross_paise=gross_paise,
        commission_paise=commission,
        net_paise=gross_paise - commission,
    )
    MentorWallet.objects.get_or_create(mentor=mentor)
    MentorWallet.objects.filter(mentor=mentor).update(
        earned_paise=F("earned_paise") + entry.net_paise
    )
    return entry


def pay_booking(booking: Booking, sandbox) -> Payment:
    """Pay a pending booking the way a learner does: an order (the real gateway, at the sandbox),
    Checkout's capture at the sandbox, and the signed result verified. Returns the payment."""
    from ..services import create_order, verify_checkout

    payment = create_order(booking_id=booking.pk, learner=booking.learner)
    callback = sandbox.pay_order(payment.razorpay_order_id)
    verify_checkout(
        learner=booking.learner,
        order_id=callback["razorpay_order_id"],
        payment_id=callback["razorpay_payment_id"],
        signature=callback["razorpay_signature"],
    )
    payment.refresh_from_db()
    return payment
