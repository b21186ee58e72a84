"""The bare host's ASGI application, as the READMEs write it: Django for HTTP, every app's
WebSocket routes behind ``websocket_stack`` (Origin check, session cookie or Bearer token)."""

from importlib import import_module

from django.conf import settings
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from peerlearn_core.realtime.middleware import websocket_stack  # noqa: E402

routes = [
    route
    for app in settings.PEERLEARN_APPS
    for route in import_module(f"{app}.routing").websocket_urlpatterns
]
application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": websocket_stack(URLRouter(routes))}
)
