"""Per-user limits on the chatty actions: each one writes and pushes to many sockets."""

from rest_framework.throttling import UserRateThrottle

from ..app_settings import bookings_settings


class ActionRateThrottle(UserRateThrottle):
    """``ACTION_THROTTLE_RATE`` per user and per ``scope`` (each subclass its own budget); the
    rate is read live, so a deployment (or a benchmark) can change it in settings."""

    scope = "bookings_action"

    def get_rate(self):
        return bookings_settings.ACTION_THROTTLE_RATE


class ReadyThrottle(ActionRateThrottle):
    scope = "session_ready"  # ready and cancel_ready share one budget: a toggle loop is the abuse


class BookThrottle(ActionRateThrottle):
    scope = "booking_book"


class CancelThrottle(ActionRateThrottle):
    scope = "booking_cancel"


class RequestThrottle(ActionRateThrottle):
    scope = "request_create"
