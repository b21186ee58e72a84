"""ASGI entry point: Django for HTTP, Channels for WebSockets (daphne peerlearn.asgi:application)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlearn.settings")
# Django must be set up before any consumer or model import.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from peerlearn_analytics.routing import websocket_urlpatterns as analytics_ws  # noqa: E402
from peerlearn_bookings.routing import websocket_urlpatterns as bookings_ws  # noqa: E402
from peerlearn_core.realtime.collector import collect_when_idle  # noqa: E402
from peerlearn_core.realtime.middleware import websocket_stack  # noqa: E402
from peerlearn_core.routing import websocket_urlpatterns as core_ws  # noqa: E402
from peerlearn_payouts.routing import websocket_urlpatterns as payouts_ws  # noqa: E402
from peerlearn_rtc.routing import websocket_urlpatterns as rtc_ws  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_stack(
            URLRouter(core_ws + bookings_ws + payouts_ws + rtc_ws + analytics_ws)
        ),
    }
)

# Full passes of the cyclic collector stop the loop that writes every socket (70–310 ms with 500
# sockets, docs/benchmarks.md): they wait for a quiet loop instead of landing on a fan-out, and
# everything loaded so far (Django, the apps) is frozen out of them.
application = collect_when_idle(application)
