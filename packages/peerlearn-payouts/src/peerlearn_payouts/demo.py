"""Demo money: paid bookings of completed sessions accrue; a history of payouts in several states."""

from datetime import timedelta

from django.utils import timezone

from peerlearn_bookings.models import Booking, PaymentStatus, SessionStatus

from .models import MentorWallet, Payout, PayoutStatus
from .services import accrue_session_earnings


def seed_payouts(people) -> None:
    mentor = people.mentor
    for booking in Booking.objects.filter(
        session__mentor=mentor, session__status=SessionStatus.COMPLETED, cancelled_at__isnull=True
    ).select_related("session"):
        if booking.payment_status != PaymentStatus.PAID and booking.amount_paise:
            Booking.objects.filter(pk=booking.pk).update(payment_status=PaymentStatus.PAID)
    for session_id in (
        Booking.objects.filter(session__mentor=mentor, session__status=SessionStatus.COMPLETED)
        .values_list("session_id", flat=True)
        .distinct()
    ):
        accrue_session_earnings(session_id=session_id)
    if Payout.objects.filter(mentor=mentor).exists():
        return
    history = [
        (50000, "asha.mentor@okhdfcbank", PayoutStatus.PROCESSED, "pout_DemoProcessed01", ""),
        (
            20000,
            "asha.mentor@okhdfcbank",
            PayoutStatus.REVERSED,
            "pout_DemoReversed001",
            "Beneficiary bank was offline",
        ),
        # Not yet sent: the reconciler of `make run` submits it to the sandbox and it goes live.
        (15000, "asha.mentor@okicici", PayoutStatus.CREATED, None, ""),
    ]
    wallet, _ = MentorWallet.objects.get_or_create(mentor=mentor)
    for age_days, (amount, upi, status, razorpay_id, reason) in zip(
        (30, 20, 0), history, strict=True
    ):
        payout = Payout.objects.create(
            mentor=mentor,
            amount_paise=amount,
            upi_id=upi,
            status=status,
            razorpay_id=razorpay_id,
            failure_reason=reason,
            utr="523223155921" if status == PayoutStatus.PROCESSED else "",
        )
        if age_days:
            # History from before the sandbox existed: old enough that nobody polls it.
            then = timezone.now() - timedelta(days=age_days)
            Payout.objects.filter(pk=payout.pk).update(created_at=then, updated_at=then)
        if status != PayoutStatus.REVERSED:
            wallet.reserved_paise += amount
    wallet.save(update_fields=["reserved_paise"])
