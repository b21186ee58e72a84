"""PEERLEARN_BOOKINGS settings with defaults; read through ``bookings_settings`` so overrides apply live."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from peerlearn_core.throttling import check_user_rate

DEFAULTS = {
    # The room (and the dashboards' "Join room") opens this many minutes before a session starts
    # and closes when it ends.
    "ROOM_OPENS_MINUTES_BEFORE": 10,
    # Per user and per action kind (ready/cancel_ready, book, cancel, request): each toggle or
    # booking pushes to many sockets, so a script must not be able to loop them.
    "ACTION_THROTTLE_RATE": "30/min",
}


class BookingsSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, "PEERLEARN_BOOKINGS", {}).get(name, DEFAULTS[name])


bookings_settings = BookingsSettings()


def check_settings() -> None:
    unknown = set(getattr(settings, "PEERLEARN_BOOKINGS", {})) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown PEERLEARN_BOOKINGS keys: {sorted(unknown)}")
    minutes = bookings_settings.ROOM_OPENS_MINUTES_BEFORE
    if not isinstance(minutes, int) or minutes < 0:
        raise ImproperlyConfigured("PEERLEARN_BOOKINGS['ROOM_OPENS_MINUTES_BEFORE'] must be >= 0.")
    check_user_rate(
        bookings_settings.ACTION_THROTTLE_RATE, "PEERLEARN_BOOKINGS['ACTION_THROTTLE_RATE']"
    )
