from rest_framework.throttling import SimpleRateThrottle

from ..app_settings import core_settings


class AuthRateThrottle(SimpleRateThrottle):
    """Per-address limit on register/token/refresh; the rate is read live from PEERLEARN_CORE."""

    scope = "auth"

    def get_rate(self):
        return core_settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
