from django.urls import include, path

app_name = "peerlearn_bookings"

urlpatterns = [
    path("api/", include("peerlearn_bookings.api.urls")),
]
