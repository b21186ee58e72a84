from datetime import date

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from peerlearn_bookings.api.serializers import PersonSerializer
from peerlearn_core.api.fields import RupeesField
from peerlearn_core.money import CURRENCY

from ..app_settings import analytics_settings
from ..selectors import PERIODS, WEEKLY, bucket_floor, bucket_shift, bucket_span

# Dates outside this window are typos (or attempts to overflow the calendar), not ranges.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _rename(fields: dict, old: str, new: str) -> dict:
    """``from`` is a Python keyword: declare ``from_`` and publish it as ``from``, in place."""
    return {new if name == old else name: field for name, field in fields.items()}


@extend_schema_field({"type": "number", "format": "float", "nullable": True, "example": 4.67})
class RatingField(serializers.Field):
    """An average rating rounded to two places, or null when nobody rated."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value is None else round(float(value), 2)


# --- earnings buckets -------------------------------------------------------------------------


class EarningsQuerySerializer(serializers.Serializer):
    """?period=weekly|monthly&from=YYYY-MM-DD&to=YYYY-MM-DD, dates in the analytics time zone,
    widened to whole buckets."""

    period = serializers.ChoiceField(choices=PERIODS, default=WEEKLY)
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)

    def get_fields(self):
        return _rename(super().get_fields(), "from_", "from")

    def _check_bounds(self, name: str, value: date | None) -> None:
        if value is not None and not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                {name: [f"Use a date between {EARLIEST} and {LATEST}."]}
            )

    def validate(self, attrs):
        period = attrs["period"]
        first, last = attrs.get("from"), attrs.get("to")
        self._check_bounds("from", first)
        self._check_bounds("to", last)
        if last is None:
            last = timezone.localdate(timezone=analytics_settings.zone)
        if first is None:
            default = (
                analytics_settings.DEFAULT_WEEKS
                if period == WEEKLY
                else analytics_settings.DEFAULT_MONTHS
            )
            first = bucket_shift(bucket_floor(last, period), period, 1 - default)
        if first > last:
            raise serializers.ValidationError({"from": [f"Must be on or before to ({last})."]})
        limit, unit = (
            (analytics_settings.MAX_WEEKS, "weeks")
            if period == WEEKLY
            else (analytics_settings.MAX_MONTHS, "months")
        )
        span = bucket_span(first, last, period)
        if span > limit:
            raise serializers.ValidationError(
                {"from": [f"A {period} range covers at most {limit} {unit}; this one is {span}."]}
            )
        return {"period": period, "from": first, "to": last}


class ZonedDateTimeField(serializers.DateTimeField):
    """Rendered in the analytics time zone (the one buckets begin in), whatever is active."""

    def default_timezone(self):
        return analytics_settings.zone


class EarningsBucketSerializer(serializers.Serializer):
    start = ZonedDateTimeField(
        help_text="Local midnight of the bucket's first day (Monday, or the 1st), with offset."
    )
    end = ZonedDateTimeField(help_text="The next bucket's start (exclusive).")
    gross = RupeesField(help_text="Sum of what learners paid, from the ledger.")
    commission = RupeesField(help_text="The ledger's commission, never recomputed.")
    net = RupeesField(help_text="Gross minus commission: what the mentor earned.")
    sessions = serializers.IntegerField(help_text="Sessions with an earning in the bucket.")


class EarningsTotalsSerializer(serializers.Serializer):
    gross = RupeesField()
    commission = RupeesField()
    net = RupeesField()


class EarningsSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS)
    from_ = serializers.DateField(help_text="First day of the first bucket (the range, widened).")
    to = serializers.DateField(help_text="Last day of the last bucket.")
    timezone = serializers.CharField(help_text="Zone in which buckets begin, e.g. Asia/Kolkata.")
    currency = serializers.CharField()
    buckets = EarningsBucketSerializer(many=True)
    totals = EarningsTotalsSerializer()

    def get_fields(self):
        return _rename(super().get_fields(), "from_", "from")

    @staticmethod
    def build(*, period: str, buckets, zone) -> dict:
        first = timezone.localtime(buckets[0].start, zone).date()
        after = timezone.localtime(buckets[-1].end, zone).date()
        return {
            "period": period,
            "from": first,
            "to": date.fromordinal(after.toordinal() - 1),
            "timezone": str(zone),
            "currency": CURRENCY,
            "buckets": buckets,
            "totals": {
                "gross": sum(b.gross for b in buckets),
                "commission": sum(b.commission for b in buckets),
                "net": sum(b.net for b in buckets),
            },
        }


# --- completed sessions -----------------------------------------------------------------------


class SessionEarningsSerializer(serializers.Serializer):
    """A session with what it earned (the ledger's figures; 0.00 when nothing was credited)."""

    id = serializers.IntegerField()
    date = serializers.DateTimeField(source="starts_at", help_text="When the session started.")
    title = serializers.CharField()
    status = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    gross = RupeesField()
    commission = RupeesField()
    net = RupeesField()
    currency = serializers.SerializerMethodField()
    learners = serializers.IntegerField(help_text="Learners holding a seat (active bookings).")
    average_rating = RatingField()
    ratings_count = serializers.IntegerField()

    def get_currency(self, obj) -> str:
        return CURRENCY


class SessionPaymentSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="pk")
    learner = PersonSerializer()
    amount = serializers.SerializerMethodField(
        help_text="What the learner paid: the ledger's gross once credited, else the booking's "
        "price."
    )
    status = serializers.CharField(
        source="payment_status",
        help_text="The booking's payment status: free, pending, paid, refund_pending, refunded "
        "or failed.",
    )
    cancelled = serializers.SerializerMethodField()
    credited = serializers.SerializerMethodField(
        help_text="True when the ledger holds this payment: only these count in earnings."
    )
    commission = serializers.SerializerMethodField()
    net = serializers.SerializerMethodField()
    attended = serializers.BooleanField()
    booked_at = serializers.DateTimeField()

    @staticmethod
    def _entry(booking):
        return getattr(booking, "earning", None)

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_amount(self, booking) -> str:
        entry = self._entry(booking)
        return RupeesField().to_representation(entry.gross_paise if entry else booking.amount_paise)

    def get_cancelled(self, booking) -> bool:
        return booking.cancelled_at is not None

    def get_credited(self, booking) -> bool:
        return self._entry(booking) is not None

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_commission(self, booking):
        entry = self._entry(booking)
        return RupeesField().to_representation(entry.commission_paise) if entry else None

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_net(self, booking):
        entry = self._entry(booking)
        return RupeesField().to_representation(entry.net_paise) if entry else None


class SessionRatingSerializer(serializers.Serializer):
    learner = PersonSerializer(source="booking.learner")
    rating = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SessionCommentSerializer(SessionRatingSerializer):
    comment = serializers.CharField()


class SessionDrillDownSerializer(serializers.Serializer):
    session = SessionEarningsSerializer()
    payments = SessionPaymentSerializer(many=True)
    ratings = SessionRatingSerializer(many=True)
    comments = SessionCommentSerializer(many=True)


# --- session report ---------------------------------------------------------------------------


class ReportSessionSerializer(serializers.Serializer):
    """What Re-Schedule pre-fills the Create Session form with."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    max_participants = serializers.IntegerField()
    price = RupeesField(source="price_paise")


class SessionReportSerializer(serializers.Serializer):
    booked = serializers.IntegerField(help_text="Learners holding a seat (active bookings).")
    attended = serializers.IntegerField()
    no_shows = serializers.IntegerField(
        help_text="Booked but not marked attended, once the session is completed; else 0."
    )
    confirmed = serializers.IntegerField()
    declined = serializers.IntegerField()
    average_rating = RatingField()
    ratings_count = serializers.IntegerField()
    comments = SessionCommentSerializer(many=True)
    transcript_url = serializers.CharField(help_text="GET it for the chat as text/plain.")
    chat_messages = serializers.IntegerField(help_text="Messages in the transcript.")
    session = ReportSessionSerializer()
