"""PEERLEARN_CORE settings with defaults; read through ``core_settings`` so overrides apply live."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Stylesheets (static paths) the base layout links; the site points this at its Tailwind build.
    "STYLESHEETS": [],
    # The /ui-kit/ showcase page: on in development and tests only.
    "UI_KIT_ENABLED": False,
    "SITE_NAME": "PeerLearn",
    # Avatars: accepted Pillow formats and the largest upload in bytes.
    "AVATAR_FORMATS": ("JPEG", "PNG", "WEBP", "GIF"),
    "AVATAR_MAX_BYTES": 2 * 1024 * 1024,
    # The one auth throttle (peerlearn_core.throttling) of the API's register/token/refresh, the
    # log-in and sign-up pages and the admin login. Per client address, every attempt counts:
    "AUTH_THROTTLE_RATE": "30/min",
    # Per account (the email tried), from any address, attempts since its last success.
    # DRF's rate syntax, plus a window length ("10/15min").
    "AUTH_ACCOUNT_THROTTLE_RATE": "10/15min",
    # Proxies in front of the site whose X-Forwarded-For the auth throttle believes (it takes the
    # hop the nearest of them wrote). 0: none, the socket's address counts; a forged header
    # cannot dodge the throttle.
    "NUM_PROXIES": 0,
    # Browser origins ("https://app.example.com", "https://*.example.com") allowed to open a
    # WebSocket besides the site's own origin and CSRF_TRUSTED_ORIGINS.
    "WEBSOCKET_ALLOWED_ORIGINS": [],
    # JSON from clients (API bodies, socket frames) nesting deeper than this is refused with a 400
    # or an error frame; no message of ours nests more than a few levels.
    "JSON_MAX_DEPTH": 20,
    # Largest frame the notification and session sockets take (they take no messages):
    # a larger one gets an error frame and the socket closes with 1009.
    "SOCKET_MAX_MESSAGE_BYTES": 16 * 1024,
}


class CoreSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, "PEERLEARN_CORE", {}).get(name, DEFAULTS[name])


core_settings = CoreSettings()


def check_settings() -> None:
    user_settings = getattr(settings, "PEERLEARN_CORE", {})
    unknown = set(user_settings) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown PEERLEARN_CORE keys: {sorted(unknown)}")
    if not isinstance(core_settings.STYLESHEETS, list | tuple):
        raise ImproperlyConfigured("PEERLEARN_CORE['STYLESHEETS'] must be a list of static paths.")
    for name in ("JSON_MAX_DEPTH", "SOCKET_MAX_MESSAGE_BYTES"):
        value = getattr(core_settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ImproperlyConfigured(f"PEERLEARN_CORE['{name}'] must be a positive integer.")
    proxies = core_settings.NUM_PROXIES
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise ImproperlyConfigured("PEERLEARN_CORE['NUM_PROXIES'] must be an integer >= 0.")
    from .throttling import parse_rate

    parse_rate(core_settings.AUTH_THROTTLE_RATE)
    parse_rate(core_settings.AUTH_ACCOUNT_THROTTLE_RATE)
    origins = core_settings.WEBSOCKET_ALLOWED_ORIGINS
    if isinstance(origins, str) or not all("://" in str(o) for o in origins):
        raise ImproperlyConfigured(
            "PEERLEARN_CORE['WEBSOCKET_ALLOWED_ORIGINS'] must be a list of origins like"
            " 'https://app.example.com' (scheme, host and any port)."
        )
