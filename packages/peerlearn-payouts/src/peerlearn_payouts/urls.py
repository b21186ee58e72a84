from django.urls import include, path

app_name = "peerlearn_payouts"

urlpatterns = [
    path("api/", include("peerlearn_payouts.api.urls")),
]
