from django.urls import include, path

from . import views

app_name = "peerlearn_payouts"

urlpatterns = [
    path("api/", include("peerlearn_payouts.api.urls")),
    path("payments/callback/", views.checkout_callback, name="checkout-callback"),
]
