from django.core.validators import RegexValidator
from rest_framework import serializers

from peerlearn_core.api.fields import RupeesField, StrictCharField

from ..app_settings import payout_settings
from ..gateway import VPA_MAX_LENGTH, VPA_MIN_LENGTH, VPA_RE
from ..models import Payout


class BalanceSerializer(serializers.Serializer):
    earned = RupeesField()
    withdrawn = RupeesField()
    pending = RupeesField()
    available = RupeesField()
    currency = serializers.CharField(default="INR")


class PayoutRequestSerializer(serializers.Serializer):
    # The settings' limits, read at each request and each schema build: the schema states them
    # (pattern and integer bounds), with the service's messages (it checks them again).
    amount = RupeesField(
        min_paise=lambda: payout_settings.MIN_PAYOUT_PAISE,
        max_paise=lambda: payout_settings.MAX_PAYOUT_PAISE,
        error_messages={
            "too_small": "The smallest withdrawal is {minimum}.",
            "too_large": "The largest withdrawal is {maximum}.",
        },
    )
    # The gateway's VPA rule as a schema pattern too, so what the schema allows is what passes.
    upi_id = StrictCharField(
        min_length=VPA_MIN_LENGTH,
        max_length=VPA_MAX_LENGTH,
        trim_whitespace=False,
        validators=[
            RegexValidator(
                rf"^(?:{VPA_RE.pattern})$", message="Enter a valid UPI ID, like name@bank."
            )
        ],
    )


class PayoutSerializer(serializers.ModelSerializer):
    amount = RupeesField(source="amount_paise", read_only=True)
    method = serializers.SerializerMethodField()
    razorpay_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "created_at",
            "updated_at",
            "amount",
            "method",
            "upi_id",
            "status",
            "razorpay_id",
            "utr",
            "failure_reason",
        ]
        read_only_fields = fields

    def get_method(self, obj) -> str:
        return "UPI"


class OrderSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    amount = RupeesField()
    amount_paise = serializers.IntegerField()
    currency = serializers.CharField()
    key_id = serializers.CharField()
    checkout_url = serializers.CharField(allow_blank=True)
    # Razorpay's Checkout script (the sandbox's stand-in in the demo and tests): the page opens
    # Checkout over itself with it, so the learner never leaves the dashboard to pay.
    checkout_js_url = serializers.CharField()
    # When the seat stops being held for this payment (Checkout closes then).
    hold_expires_at = serializers.DateTimeField(allow_null=True)


class VerifyPaymentSerializer(serializers.Serializer):
    razorpay_order_id = StrictCharField(max_length=64)
    razorpay_payment_id = StrictCharField(max_length=64)
    razorpay_signature = StrictCharField(max_length=128)


class RefundQuoteSerializer(serializers.Serializer):
    """What cancelling this booking now would refund (shown before the learner confirms)."""

    booking_id = serializers.IntegerField()
    payment_status = serializers.CharField()
    paid = RupeesField(help_text="What the learner paid for this seat.")
    refund = RupeesField(help_text="What cancelling now gives back: all of it, or nothing.")
    full_refund = serializers.BooleanField()
    cutoff_at = serializers.DateTimeField(
        help_text="Cancelling before this moment refunds in full; after it, nothing."
    )
    cutoff_hours = serializers.FloatField()
    currency = serializers.CharField(default="INR")
