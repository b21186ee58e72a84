from django.urls import path

from .consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/room/<int:session_id>/", RoomConsumer.as_asgi()),
]
