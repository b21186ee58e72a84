from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peerlearn_bookings.models import PaymentStatus
from peerlearn_core.exceptions import DomainError

from . import services


@csrf_exempt  # Razorpay Checkout posts here from its own origin; the HMAC is the authentication
@require_POST
def checkout_callback(request):
    try:
        booking = services.verify_checkout(
            learner=None,
            order_id=request.POST.get("razorpay_order_id", ""),
            payment_id=request.POST.get("razorpay_payment_id", ""),
            signature=request.POST.get("razorpay_signature", ""),
        )
    except DomainError:
        return redirect("/learner/dashboard?payment=failed#bookings")
    if booking.payment_status in (PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED):
        # The money came after the seat was let go: it is on its way back.
        return redirect("/learner/dashboard?payment=refunded#bookings")
    return redirect("/learner/dashboard?payment=paid#bookings")
