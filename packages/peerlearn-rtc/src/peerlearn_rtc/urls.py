from django.urls import path

from . import views
from .api import views as api_views

app_name = "peerlearn_rtc"

urlpatterns = [
    path("room/<int:session_id>", views.room, name="room"),
    path("room/<int:session_id>/", views.room),
    path(
        "api/sessions/<int:session_id>/transcript/",
        api_views.TranscriptView.as_view(),
        name="transcript",
    ),
    path(
        "api/rtc/sessions/<int:session_id>/ice-servers/",
        api_views.IceServersView.as_view(),
        name="ice-servers",
    ),
]
