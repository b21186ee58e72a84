from django.urls import include, path

app_name = "peerlearn_analytics"

urlpatterns = [
    path("api/", include("peerlearn_analytics.api.urls")),
]
