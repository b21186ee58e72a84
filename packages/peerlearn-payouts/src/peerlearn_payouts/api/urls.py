from django.urls import path

from . import views

urlpatterns = [
    path("payouts/", views.PayoutListView.as_view(), name="payouts"),
    path("payouts/balance/", views.BalanceView.as_view(), name="payout-balance"),
    path("payouts/razorpay/", views.PayoutRequestView.as_view(), name="payout-request"),
    path("payouts/razorpay/webhook/", views.WebhookView.as_view(), name="razorpay-webhook"),
    path("bookings/<int:pk>/pay/", views.PayBookingView.as_view(), name="booking-pay"),
    path(
        "bookings/<int:pk>/refund_quote/",
        views.RefundQuoteView.as_view(),
        name="booking-refund-quote",
    ),
    path("payments/verify/", views.VerifyPaymentView.as_view(), name="payment-verify"),
]
