import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from peerlearn_core.compat import check_constraint


class Payment(models.Model):
    """A Razorpay order for one booking, and the payment that settled it.

    The row is written before Razorpay is asked for the order (``razorpay_order_id`` is empty
    until it answers): at most one ``created`` row per booking, a database constraint, is what
    makes concurrent Pay clicks share one order."""

    class Status(models.TextChoices):
        CREATED = "created", "Created"  # an open order (or one being created)
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"  # Razorpay refused or never answered the order
        EXPIRED = "expired", "Expired"  # the booking was cancelled or released first
        REFUNDED = "refunded", "Refunded"  # its refund was processed

    booking = models.ForeignKey(
        "peerlearn_bookings.Booking", on_delete=models.PROTECT, related_name="payments"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    razorpay_order_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    razorpay_payment_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    amount_paise = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status="created"),
                name="one_open_order_per_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.razorpay_order_id or 'order pending'} ({self.status})"


class RefundStatus(models.TextChoices):
    # Ours: written with its idempotency key, not yet acknowledged by Razorpay.
    CREATED = "created", "Created"
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


OPEN_REFUND_STATUSES = {RefundStatus.CREATED, RefundStatus.PENDING}


class LateCancellation(models.Model):
    """The policy's answer, kept from the moment a learner cancelled a paid seat after the refund
    cutoff: no refund, the mentor earns it. Kept so that a later reschedule, which moves the
    cutoff, can never turn that answer into a refund the learner was told they would not get."""

    booking = models.OneToOneField(
        "peerlearn_bookings.Booking", on_delete=models.PROTECT, related_name="late_cancellation"
    )
    cutoff_at = models.DateTimeField()
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"No refund for booking {self.booking_id} (cancelled after {self.cutoff_at})"


class Refund(models.Model):
    """Money going back to a learner: at most one refund per payment (the one-to-one is the
    database's guarantee that a double click, a repeated webhook or a repair job never refunds a
    payment twice). Written first with its idempotency key, then sent to Razorpay."""

    class Reason(models.TextChoices):
        LEARNER_CANCELLED = "learner_cancelled", "Learner cancelled before the cutoff"
        SESSION_CANCELLED = "session_cancelled", "Mentor cancelled the session"
        LATE_PAYMENT = "late_payment", "Paid after the booking was cancelled or released"
        DUPLICATE_PAYMENT = "duplicate_payment", "A second payment for a paid booking"
        RESCHEDULE_DECLINED = "reschedule_declined", "Learner declined the mentor's new time"

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    booking = models.ForeignKey(
        "peerlearn_bookings.Booking", on_delete=models.PROTECT, related_name="refunds"
    )
    amount_paise = models.PositiveIntegerField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.CREATED, db_index=True
    )
    # Sent as X-Refund-Idempotency on every attempt: a retry can never refund twice.
    idempotency_key = models.CharField(max_length=36, unique=True, default=uuid.uuid4)
    razorpay_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            check_constraint(Q(amount_paise__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of {self.amount_paise} paise ({self.status})"

    @property
    def settles_booking(self) -> bool:
        """False for a duplicate payment's refund: the booking stays paid by its other payment."""
        return self.reason != self.Reason.DUPLICATE_PAYMENT


class EarningEntry(models.Model):
    """What one paid booking of a completed session earned its mentor. One row per booking:
    the unique booking is what makes accrual happen exactly once."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="earnings"
    )
    booking = models.OneToOneField(
        "peerlearn_bookings.Booking", on_delete=models.PROTECT, related_name="earning"
    )
    session = models.ForeignKey(
        "peerlearn_bookings.LiveSession", on_delete=models.PROTECT, related_name="earnings"
    )
    gross_paise = models.PositiveIntegerField()
    commission_paise = models.PositiveIntegerField()
    net_paise = models.PositiveIntegerField()
    earned_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-earned_at", "-id"]
        indexes = [
            # Analytics sums one mentor's entries over a time range (weekly/monthly buckets).
            # The summed columns trail the key so the index covers the query: no table reads.
            models.Index(
                fields=[
                    "mentor",
                    "earned_at",
                    "session",
                    "gross_paise",
                    "commission_paise",
                    "net_paise",
                ],
                name="earning_mentor_time_idx",
            )
        ]
        constraints = [
            check_constraint(
                Q(net_paise=F("gross_paise") - F("commission_paise")),
                name="earning_net_is_gross_minus_commission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.net_paise} paise for booking {self.booking_id}"


class MentorWallet(models.Model):
    """The row every withdrawal updates conditionally: available = earned − reserved never goes
    below zero, on SQLite and PostgreSQL alike, without a table lock."""

    mentor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet"
    )
    earned_paise = models.BigIntegerField(default=0)
    reserved_paise = models.BigIntegerField(default=0)  # payouts not failed/reversed/...
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            check_constraint(
                Q(reserved_paise__lte=F("earned_paise")), name="wallet_never_negative"
            ),
            check_constraint(Q(reserved_paise__gte=0), name="wallet_reserved_non_negative"),
        ]

    def __str__(self) -> str:
        return f"wallet of {self.mentor_id}"

    @property
    def available_paise(self) -> int:
        return self.earned_paise - self.reserved_paise


class PayoutStatus(models.TextChoices):
    # Ours: written with its idempotency key, not yet acknowledged by Razorpay.
    CREATED = "created", "Created"
    QUEUED = "queued", "Queued"
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    REVERSED = "reversed", "Reversed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"


# Statuses whose amount is back in the mentor's available balance.
RETURNED_STATUSES = {
    PayoutStatus.FAILED,
    PayoutStatus.REVERSED,
    PayoutStatus.REJECTED,
    PayoutStatus.CANCELLED,
}
# Statuses that may still change (polled by reconciliation). processed may still turn reversed,
# but Razorpay tells that by webhook; polling stops at processed.
OPEN_PAYOUT_STATUSES = {
    PayoutStatus.CREATED,
    PayoutStatus.QUEUED,
    PayoutStatus.PENDING,
    PayoutStatus.PROCESSING,
}


class Payout(models.Model):
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    amount_paise = models.PositiveIntegerField()
    upi_id = models.CharField(max_length=100)
    status = models.CharField(
        max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.CREATED, db_index=True
    )
    # Sent as X-Payout-Idempotency on every attempt: a retry can never create a second payout.
    idempotency_key = models.CharField(max_length=36, unique=True, default=uuid.uuid4)
    # The client's Idempotency-Key header, so a double click returns the first payout.
    client_key = models.CharField(max_length=64, blank=True, default="")
    razorpay_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    contact_id = models.CharField(max_length=64, blank=True)
    fund_account_id = models.CharField(max_length=64, blank=True)
    utr = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "client_key"],
                condition=~Q(client_key=""),
                name="one_payout_per_client_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk} {self.amount_paise} paise ({self.status})"


class WebhookEvent(models.Model):
    """Every verified delivery, keyed by X-Razorpay-Event-Id: a redelivery is recognised."""

    event_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
