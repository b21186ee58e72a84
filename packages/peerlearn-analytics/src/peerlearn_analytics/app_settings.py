"""PEERLEARN_ANALYTICS settings with defaults; read through ``analytics_settings`` so overrides
apply live (tests use ``override_settings``)."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Zone in which weeks (Monday 00:00) and months (the 1st, 00:00) begin. None: TIME_ZONE.
    "TIME_ZONE": None,
    # Buckets shown when the request names no range: the last N weeks / months up to today.
    "DEFAULT_WEEKS": 12,
    "DEFAULT_MONTHS": 12,
    # The longest range one request may ask for (more is a 400, not a slow query).
    "MAX_WEEKS": 104,
    "MAX_MONTHS": 60,
    # Completed-sessions list: page size, and the most a client may ask for with ?page_size=.
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # The CSV export reads this many sessions per query while it streams.
    "CSV_CHUNK_SIZE": 1000,
}

_POSITIVE = (
    "DEFAULT_WEEKS",
    "DEFAULT_MONTHS",
    "MAX_WEEKS",
    "MAX_MONTHS",
    "PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CSV_CHUNK_SIZE",
)


class AnalyticsSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, "PEERLEARN_ANALYTICS", {}).get(name, DEFAULTS[name])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.TIME_ZONE or settings.TIME_ZONE)


analytics_settings = AnalyticsSettings()


def check_settings() -> None:
    unknown = set(getattr(settings, "PEERLEARN_ANALYTICS", {})) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown PEERLEARN_ANALYTICS keys: {sorted(unknown)}")
    for name in _POSITIVE:
        value = getattr(analytics_settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ImproperlyConfigured(f"PEERLEARN_ANALYTICS['{name}'] must be an integer >= 1.")
    if analytics_settings.DEFAULT_WEEKS > analytics_settings.MAX_WEEKS:
        raise ImproperlyConfigured("PEERLEARN_ANALYTICS: DEFAULT_WEEKS is above MAX_WEEKS.")
    if analytics_settings.DEFAULT_MONTHS > analytics_settings.MAX_MONTHS:
        raise ImproperlyConfigured("PEERLEARN_ANALYTICS: DEFAULT_MONTHS is above MAX_MONTHS.")
    try:
        analytics_settings.zone  # noqa: B018  (a bad zone name fails at start, not per request)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as problem:
        raise ImproperlyConfigured(f"PEERLEARN_ANALYTICS['TIME_ZONE']: {problem}") from problem
