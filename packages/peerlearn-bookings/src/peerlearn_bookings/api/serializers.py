from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from peerlearn_core.api.fields import RupeesField, StrictCharField
from peerlearn_core.money import CURRENCY

from ..holds import hold_expires_at
from ..limits import (
    MAX_DAYS_AHEAD,
    MAX_DURATION_MINUTES,
    MAX_PRICE_PAISE,
    MAX_SEATS,
    MIN_DURATION_MINUTES,
    MIN_SEATS,
)
from ..models import Booking, Feedback, LiveSession, SessionRequest


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer):
    mentor = PersonSerializer(read_only=True)
    price = RupeesField(source="price_paise", read_only=True)
    currency = serializers.SerializerMethodField()
    confirmed_count = serializers.IntegerField(read_only=True, default=0)
    attended_count = serializers.IntegerField(read_only=True, default=0)
    ends_at = serializers.DateTimeField(read_only=True)
    room_opens_at = serializers.DateTimeField(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    room_url = serializers.CharField(read_only=True)
    reconfirm_pending_count = serializers.IntegerField(read_only=True, default=0)
    reconfirmed_count = serializers.SerializerMethodField()
    waitlist_count = serializers.IntegerField(read_only=True, default=0)
    waitlist_position = serializers.SerializerMethodField()

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "title",
            "description",
            "mentor",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "max_participants",
            "price",
            "currency",
            "status",
            "booked_count",
            "confirmed_count",
            "attended_count",
            "seats_left",
            "mentor_ready",
            "room_url",
            "room_opens_at",
            "cancel_reason",
            "rescheduled_at",
            "reconfirmed_count",
            "reconfirm_pending_count",
            "waitlist_count",
            "waitlist_position",
        ]
        read_only_fields = fields

    def get_currency(self, obj) -> str:
        return CURRENCY

    def get_reconfirmed_count(self, obj) -> int:
        """Active bookings not waiting to re-confirm a new time (the mentor's "x/y")."""
        return obj.booked_count - getattr(obj, "reconfirm_pending_count", 0)

    def get_waitlist_position(self, obj) -> int | None:
        """The asking learner's 1-based place in this session's waitlist, or null."""
        return self.context.get("waitlist_positions", {}).get(obj.pk)


class SessionWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES
    )
    max_participants = serializers.IntegerField(min_value=MIN_SEATS, max_value=MAX_SEATS)
    price = RupeesField(
        required=False,
        default=0,
        max_paise=MAX_PRICE_PAISE,
        error_messages={"too_large": "That price is too high."},
    )

    def validate_starts_at(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError("The start time must be in the future.")
        if value > timezone.now() + timedelta(days=MAX_DAYS_AHEAD):
            raise serializers.ValidationError("Sessions can be scheduled up to a year ahead.")
        return value

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "price" in data:
            data["price_paise"] = data.pop("price")
        return data


class CancelSessionSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class LearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class BookingSerializer(serializers.ModelSerializer):
    """A booking as its learner (or the session's mentor) sees it."""

    session = SessionSerializer(read_only=True)
    learner = LearnerSerializer(read_only=True)
    amount = RupeesField(source="amount_paise", read_only=True)
    cancelled = serializers.SerializerMethodField()
    has_feedback = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    hold_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "session",
            "learner",
            "booked_at",
            "payment_status",
            "amount",
            "confirmed",
            "declined",
            "attended",
            "cancelled",
            "cancelled_at",
            "cancel_reason",
            "reconfirm_pending",
            "reconfirm_requested_at",
            "reconfirmed_at",
            "has_feedback",
            "feedback",
            "hold_expires_at",
        ]
        read_only_fields = fields

    def get_cancelled(self, obj) -> bool:
        return obj.cancelled_at is not None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_hold_expires_at(self, obj):
        """While a priced seat waits for its payment: when its hold runs out (null otherwise)."""
        expires = hold_expires_at(obj)
        return serializers.DateTimeField().to_representation(expires) if expires else None

    def get_has_feedback(self, obj) -> bool:
        return hasattr(obj, "feedback")

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"rating": {"type": "integer"}, "comment": {"type": "string"}},
        }
    )
    def get_feedback(self, obj):
        feedback = getattr(obj, "feedback", None)
        return {"rating": feedback.rating, "comment": feedback.comment} if feedback else None


class BookingStateSerializer(BookingSerializer):
    """The short form returned by actions: the session as an id."""

    session = serializers.IntegerField(source="session_id", read_only=True)


class PastSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.id")
    title = serializers.CharField(source="session.title")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    attended = serializers.BooleanField()


class LearnerDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    bio = serializers.CharField()
    avatar_url = serializers.SerializerMethodField()
    past_sessions = serializers.SerializerMethodField()

    def get_avatar_url(self, user) -> str:
        return user.avatar.url if user.avatar else ""

    def get_past_sessions(self, user) -> list[dict]:
        return PastSessionSerializer(getattr(user, "past_bookings_with_mentor", []), many=True).data


class SessionLearnerSerializer(BookingStateSerializer):
    learner = LearnerDetailSerializer(read_only=True)


class RequiredBooleanField(serializers.BooleanField):
    """Required in form bodies too (DRF reads a missing HTML checkbox as false: here, a missing
    answer must never decline a seat)."""

    default_empty_html = empty


class ReconfirmSerializer(serializers.Serializer):
    accept = RequiredBooleanField(
        required=True, help_text="true: keep the seat at the new time; false: decline it."
    )


class WaitlistSerializer(serializers.Serializer):
    session_id = serializers.IntegerField()
    position = serializers.IntegerField(allow_null=True)
    waitlist_count = serializers.IntegerField()
    joined_at = serializers.DateTimeField(allow_null=True)


class AttendSerializer(serializers.Serializer):
    attended = serializers.BooleanField(default=True)


class FeedbackSerializer(serializers.ModelSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")

    class Meta:
        model = Feedback
        fields = ["id", "rating", "comment", "created_at"]
        read_only_fields = ["id", "created_at"]


class SessionRequestSerializer(serializers.ModelSerializer):
    learner = PersonSerializer(read_only=True)
    mentor_detail = PersonSerializer(source="mentor", read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True, allow_null=True)

    class Meta:
        model = SessionRequest
        fields = [
            "id",
            "learner",
            "mentor",
            "mentor_detail",
            "topic",
            "message",
            "preferred_times",
            "status",
            "decline_reason",
            "session",
            "created_at",
            "responded_at",
        ]
        read_only_fields = fields


class SessionRequestCreateSerializer(serializers.Serializer):
    mentor = serializers.IntegerField(min_value=1)
    topic = StrictCharField(max_length=200)
    message = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    preferred_times = serializers.ListField(
        child=serializers.DateTimeField(), required=False, max_length=5, default=list
    )

    def validate_preferred_times(self, value):
        now = timezone.now()
        if any(when <= now for when in value):
            raise serializers.ValidationError("Preferred times must be in the future.")
        return value


class AcceptRequestSerializer(SessionWriteSerializer):
    title = StrictCharField(max_length=200, required=False)


class DeclineRequestSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class MentorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    bio = serializers.CharField()
