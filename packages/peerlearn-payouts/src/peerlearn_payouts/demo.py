"""Demo money for the sessions the bookings seeder made: every paid seat was paid through
Razorpay Checkout two minutes after it was booked (a Payment row), refunded seats have their
processed refund, completed sessions are credited through the ledger when they ended, and the
demo mentor has withdrawn a few times: a payout in each state the story needs.

Writes only this package's models (and calls the services of the packages below). Idempotent:
payments are keyed by booking, accrual credits a booking once, payouts are written once.
"""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from peerlearn_bookings.models import Booking, LiveSession, PaymentStatus, SessionStatus
from peerlearn_core.demo import date_notifications

from .models import (
    RETURNED_STATUSES,
    EarningEntry,
    MentorWallet,
    Payment,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
)
from .services import accrue_session_earnings

# Minutes between taking the seat and Checkout reporting the payment captured.
PAY_AFTER_MINUTES = 2

# (days ago, amount in paise, UPI id, status, Razorpay id, UTR, failure reason), oldest first.
PAYOUTS = [
    (150, 600000, "asha.mentor@okhdfcbank", PayoutStatus.PROCESSED, "pout_DemoProcessed01", "523223155921", ""),
    (90, 450000, "asha.mentor@okhdfcbank", PayoutStatus.PROCESSED, "pout_DemoProcessed02", "523223187340", ""),
    (60, 200000, "asha.mentor@okhdfcbank", PayoutStatus.REVERSED, "pout_DemoReversed001", "", "Beneficiary bank was offline"),
    (35, 150000, "asha@oksbi", PayoutStatus.FAILED, "pout_DemoFailed00001", "", "Invalid VPA: the UPI id does not exist"),
    (20, 300000, "asha.mentor@okhdfcbank", PayoutStatus.PROCESSED, "pout_DemoProcessed03", "523223199102", ""),
    # Sent this morning and still with the bank.
    (0.2, 250000, "asha.mentor@okhdfcbank", PayoutStatus.PROCESSING, "pout_DemoProcessing1", "", ""),
    # Not yet sent: the reconciler of `make run` submits it to the sandbox and it goes live.
    (0, 15000, "asha.mentor@okicici", PayoutStatus.CREATED, None, "", ""),
]  # fmt: skip


def _demo_bookings(people):
    return Booking.objects.filter(
        session__mentor__in=[people.mentor, people.other_mentor], amount_paise__gt=0
    ).select_related("session")


def _pay(booking) -> None:
    """The order and captured payment behind a paid (or since refunded) seat, and its refund."""
    if booking.payments.exists():
        return
    refunded = booking.payment_status == PaymentStatus.REFUNDED
    payment = Payment.objects.create(
        booking=booking,
        learner_id=booking.learner_id,
        razorpay_order_id=f"order_Demo{booking.pk:010d}",
        razorpay_payment_id=f"pay_Demo{booking.pk:010d}",
        amount_paise=booking.amount_paise,
        status=Payment.Status.REFUNDED if refunded else Payment.Status.PAID,
        created_at=booking.booked_at,
        paid_at=booking.booked_at + timedelta(minutes=PAY_AFTER_MINUTES),
    )
    if not refunded:
        return
    session = booking.session
    by_mentor = session.status == SessionStatus.CANCELLED
    asked_at = session.cancelled_at if by_mentor else booking.cancelled_at
    refund = Refund.objects.create(
        payment=payment,
        booking=booking,
        amount_paise=booking.amount_paise,
        reason=Refund.Reason.SESSION_CANCELLED if by_mentor else Refund.Reason.LEARNER_CANCELLED,
        status=RefundStatus.PROCESSED,
        razorpay_id=f"rfnd_Demo{booking.pk:010d}",
        attempts=1,
        created_at=asked_at,
        processed_at=asked_at + timedelta(hours=2),
    )
    Refund.objects.filter(pk=refund.pk).update(updated_at=refund.processed_at)


def _accrue(mentor) -> None:
    """Credit the completed sessions, dated when each ended; the "Earnings added" news of those
    days is old news."""
    completed = dict(
        LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED).values_list(
            "pk", "completed_at"
        )
    )
    for session_id in completed:
        accrue_session_earnings(session_id=session_id)
    for session_id, completed_at in completed.items():
        EarningEntry.objects.filter(session_id=session_id).exclude(earned_at=completed_at).update(
            earned_at=completed_at
        )
    date_notifications(user=mentor, kind="earnings.accrued", key="session_id", dated=completed)


def _withdraw(mentor, now) -> None:
    if Payout.objects.filter(mentor=mentor).exists():
        return
    for days_ago, amount, upi, status, razorpay_id, utr, reason in PAYOUTS:
        created_at = now - timedelta(days=days_ago)
        payout = Payout.objects.create(
            mentor=mentor,
            amount_paise=amount,
            upi_id=upi,
            status=status,
            razorpay_id=razorpay_id,
            contact_id="cont_DemoAshaMentor1" if razorpay_id else "",
            fund_account_id=f"fa_Demo{upi.split('@')[0][:10]}" if razorpay_id else "",
            utr=utr,
            failure_reason=reason,
            attempts=1 if razorpay_id else 0,
            created_at=created_at,
            released_at=created_at + timedelta(hours=1) if status in RETURNED_STATUSES else None,
        )
        # The last word from Razorpay came soon after the request (the history's processed
        # payouts are old enough that reconciliation no longer polls them).
        settled = created_at + timedelta(minutes=40) if days_ago >= 1 else created_at
        Payout.objects.filter(pk=payout.pk).update(updated_at=settled)
    wallet, _ = MentorWallet.objects.get_or_create(mentor=mentor)
    reserved = (
        Payout.objects.filter(mentor=mentor)
        .exclude(status__in=RETURNED_STATUSES)
        .aggregate(total=Sum("amount_paise"))["total"]
    )
    MentorWallet.objects.filter(pk=wallet.pk).update(reserved_paise=reserved or 0)


def seed_payouts(people) -> None:
    for booking in _demo_bookings(people).filter(
        payment_status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED]
    ):
        _pay(booking)
    _accrue(people.mentor)
    _withdraw(people.mentor, timezone.now())
