"""ASGI entry point: Django for HTTP, Channels for WebSockets (daphne peerlearn.asgi:application)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlearn.settings")
# Django must be set up before any consumer or model import.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from peerlearn_analytics.routing import websocket_urlpatterns as analytics_ws  # noqa: E402
from peerlearn_bookings.routing import websocket_urlpatterns as bookings_ws  # noqa: E402
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

# The cyclic collector's full passes stop the event loop that writes every socket. Measured with
# 500 sockets on one Daphne (docs/benchmarks.md): a full pass took 120–300 ms and came every few
# seconds, because each push promotes its short-lived per-learner objects. So: everything loaded
# so far (Django, the apps) is frozen out of those passes, and a full pass waits for 100
# middle-generation passes instead of 10 (cyclic garbage that reaches the old generation, a few
# hundred objects per request, is freed later; the young generations are untouched).
gc.freeze()
gc.set_threshold(*gc.get_threshold()[:2], 100)
