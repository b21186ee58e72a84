from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from peerlearn_core.compat import check_constraint

from .limits import MAX_DURATION_MINUTES, MAX_SEATS, MIN_DURATION_MINUTES, MIN_SEATS


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.LIVE)
CLOSED_STATUSES = (SessionStatus.COMPLETED, SessionStatus.CANCELLED)


class LiveSession(models.Model):
    """A seat-limited live group session a mentor runs (not Django's HTTP session)."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_sessions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    starts_at = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField(
        validators=[
            MinValueValidator(MIN_DURATION_MINUTES),
            MaxValueValidator(MAX_DURATION_MINUTES),
        ]
    )
    max_participants = models.PositiveIntegerField(
        validators=[MinValueValidator(MIN_SEATS), MaxValueValidator(MAX_SEATS)]
    )
    price_paise = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED, db_index=True
    )
    # Seats taken by active bookings; moved only by services with conditional updates, so
    # the seat limit holds under concurrency without locking the table.
    booked_count = models.PositiveIntegerField(default=0)
    mentor_ready = models.BooleanField(default=False)
    mentor_ready_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    # When the mentor last moved the start; booked learners then re-confirm the new time.
    rescheduled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["mentor", "status", "starts_at"], name="session_mentor_idx")
        ]
        constraints = [
            check_constraint(
                Q(booked_count__lte=models.F("max_participants")), name="session_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def room_opens_at(self):
        from .app_settings import bookings_settings

        return self.starts_at - timedelta(minutes=bookings_settings.ROOM_OPENS_MINUTES_BEFORE)

    def room_is_open(self, now=None) -> bool:
        """The room's window: from a few minutes before the start until the end, while open."""
        now = now or timezone.now()
        return self.status in OPEN_STATUSES and self.room_opens_at <= now < self.ends_at

    @property
    def seats_left(self) -> int:
        return max(self.max_participants - self.booked_count, 0)

    @property
    def room_url(self) -> str:
        return f"/room/{self.pk}"


class PaymentStatus(models.TextChoices):
    FREE = "free", "Free"
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    # A refund was asked of Razorpay and is not processed yet (a failed one returns to paid).
    REFUND_PENDING = "refund_pending", "Refund pending"
    REFUNDED = "refunded", "Refunded"
    FAILED = "failed", "Failed"


class CancelReason(models.TextChoices):
    NONE = "", "Not cancelled"
    LEARNER = "learner", "The learner cancelled"
    HOLD_RELEASED = "hold_released", "Unpaid hold released"
    # The learner declined the mentor's new time: refunded in full whatever the cutoff.
    RESCHEDULE_DECLINED = "reschedule_declined", "Declined the new time"


class Booking(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="bookings")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    amount_paise = models.PositiveIntegerField(default=0)
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.FREE
    )
    confirmed = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined = models.BooleanField(default=False)
    declined_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(
        max_length=24, choices=CancelReason.choices, default=CancelReason.NONE, blank=True
    )
    # The mentor moved the start: the learner keeps the seat only by re-confirming the new time.
    reconfirm_pending = models.BooleanField(default=False)
    reconfirm_requested_at = models.DateTimeField(null=True, blank=True)
    reconfirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["booked_at", "id"]
        constraints = [
            # One active booking per learner and session; cancelled ones may be re-booked.
            models.UniqueConstraint(
                fields=["session", "learner"],
                condition=Q(cancelled_at__isnull=True),
                name="one_active_booking_per_learner",
            ),
        ]
        indexes = [models.Index(fields=["learner", "cancelled_at"], name="booking_learner_idx")]

    def __str__(self) -> str:
        return f"Booking {self.pk} of {self.learner_id} for {self.session_id}"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None


class WaitlistEntry(models.Model):
    """A learner waiting for a seat of a full session, first come first served. The row lives
    while they wait: leaving deletes it, and so does being promoted into a booking."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="waitlist")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="one_waitlist_entry"),
        ]
        indexes = [models.Index(fields=["session", "joined_at", "id"], name="waitlist_order_idx")]

    def __str__(self) -> str:
        return f"{self.learner_id} waiting for {self.session_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class SessionRequest(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_requests_made"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_requests_received"
    )
    topic = models.CharField(max_length=200)
    message = models.TextField(blank=True, max_length=2000)
    preferred_times = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    decline_reason = models.CharField(max_length=500, blank=True)
    session = models.ForeignKey(
        LiveSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mentor", "status"], name="request_mentor_idx")]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.topic}"


class Feedback(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            check_constraint(Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_5")
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ for booking {self.booking_id}"
