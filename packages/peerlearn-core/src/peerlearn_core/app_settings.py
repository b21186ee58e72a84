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
    # Rate for register/token/refresh, per client address (DRF rate syntax).
    "AUTH_THROTTLE_RATE": "30/min",
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
