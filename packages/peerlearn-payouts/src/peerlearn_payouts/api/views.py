from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from peerlearn_bookings.api.serializers import BookingSerializer
from peerlearn_bookings.holds import hold_expires_at
from peerlearn_bookings.selectors import learner_bookings
from peerlearn_core.api.defaults import ApiDefaults
from peerlearn_core.api.permissions import LEARNER_ONLY, MENTOR_ONLY

from .. import selectors, services
from ..app_settings import checkout_js_url, payout_settings
from ..gateway import GatewayError, get_gateway
from ..models import Payout
from .serializers import (
    BalanceSerializer,
    OrderSerializer,
    PayoutRequestSerializer,
    PayoutSerializer,
    RefundQuoteSerializer,
    VerifyPaymentSerializer,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
CLIENT_KEY_MAX_LENGTH = Payout._meta.get_field("client_key").max_length


class MoneyRateThrottle(UserRateThrottle):
    """Per user, on every call that moves money (orders, payment checks, withdrawals): the
    ``MONEY_THROTTLE_RATE`` of PEERLEARN_PAYOUTS, read live."""

    scope = "money"

    def get_rate(self):
        return payout_settings.MONEY_THROTTLE_RATE


class BalanceView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(responses=BalanceSerializer)
    def get(self, request):
        return Response(BalanceSerializer(selectors.balance(request.user)).data)


class PayoutListView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY

    @extend_schema(responses=PayoutSerializer(many=True))
    def get(self, request):
        payouts = selectors.payout_history(request.user)[:200]
        return Response(PayoutSerializer(payouts, many=True).data)


class PayoutRequestView(ApiDefaults, APIView):
    permission_classes = MENTOR_ONLY
    throttle_classes = [MoneyRateThrottle]

    @extend_schema(
        request=PayoutRequestSerializer,
        responses={201: PayoutSerializer, 200: PayoutSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "maxLength": CLIENT_KEY_MAX_LENGTH},
                OpenApiParameter.HEADER,
                description="Repeat a request safely: the same key "
                "returns the first payout (200) instead of a new one.",
            )
        ],
    )
    def post(self, request):
        client_key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if len(client_key) > CLIENT_KEY_MAX_LENGTH:
            # Never cut: two keys alike in their first 64 characters are not the same request.
            raise ValidationError(
                {
                    IDEMPOTENCY_HEADER: [
                        f"Ensure this header has no more than {CLIENT_KEY_MAX_LENGTH} characters."
                    ]
                }
            )
        serializer = PayoutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payout, created = services.request_payout(
            mentor=request.user,
            amount_paise=serializer.validated_data["amount"],
            upi_id=serializer.validated_data["upi_id"],
            client_key=client_key,
        )
        return Response(
            PayoutSerializer(payout).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(ApiDefaults, APIView):
    """Razorpay only: the signature over the raw body is the authentication."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=None,
        responses={
            200: {"type": "object", "properties": {"status": {"type": "string"}}},
            400: {
                "type": "object",
                "description": "Bad signature, or a signed body that is not a readable event "
                "(nothing is recorded or changed).",
            },
            503: {"type": "object", "description": "Razorpay did not answer; deliver again."},
        },
    )
    def post(self, request):
        raw = request.body  # read before anything parses it: the HMAC covers these exact bytes
        try:
            outcome = services.handle_webhook(
                body=raw,
                signature=request.headers.get("X-Razorpay-Signature"),
                event_id=request.headers.get("X-Razorpay-Event-Id"),
            )
        except GatewayError:
            # Razorpay retries non-2xx deliveries; the truth is fetched on the next one.
            return Response({"detail": "try again"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": outcome})


class PayBookingView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY
    throttle_classes = [MoneyRateThrottle]

    @extend_schema(request=None, responses={201: OrderSerializer})
    def post(self, request, pk: int):
        payment = services.create_order(booking_id=pk, learner=request.user)
        data = {
            "order_id": payment.razorpay_order_id,
            "amount": payment.amount_paise,
            "amount_paise": payment.amount_paise,
            "currency": "INR",
            "key_id": get_gateway().key_id,
            "checkout_url": payout_settings.CHECKOUT_URL,
            "checkout_js_url": checkout_js_url(),
            "hold_expires_at": hold_expires_at(payment.booking),
        }
        return Response(OrderSerializer(data).data, status=status.HTTP_201_CREATED)


class VerifyPaymentView(ApiDefaults, APIView):
    permission_classes = LEARNER_ONLY
    throttle_classes = [MoneyRateThrottle]

    @extend_schema(request=VerifyPaymentSerializer, responses=BookingSerializer)
    def post(self, request):
        serializer = VerifyPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        booking = services.verify_checkout(
            learner=request.user,
            order_id=data["razorpay_order_id"],
            payment_id=data["razorpay_payment_id"],
            signature=data["razorpay_signature"],
        )
        booking = learner_bookings(request.user, include_cancelled=True).get(pk=booking.pk)
        return Response(BookingSerializer(booking).data)


class RefundQuoteView(ApiDefaults, APIView):
    """GET /api/bookings/{id}/refund_quote/: the refund policy applied to cancelling now."""

    permission_classes = LEARNER_ONLY

    @extend_schema(responses=RefundQuoteSerializer)
    def get(self, request, pk: int):
        quote = services.refund_quote(booking_id=pk, learner=request.user)
        return Response(RefundQuoteSerializer(quote).data)
