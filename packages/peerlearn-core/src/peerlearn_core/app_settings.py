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
