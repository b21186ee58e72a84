from django.apps import AppConfig

from peerlearn_core.checks import RequiresApps, register_url_check


class PeerlearnAnalyticsConfig(RequiresApps, AppConfig):
    name = "peerlearn_analytics"
    label = "peerlearn_analytics"
    verbose_name = "PeerLearn analytics"
    default_auto_field = "django.db.models.BigAutoField"
    requires = ("peerlearn_core", "peerlearn_bookings", "peerlearn_payouts", "peerlearn_rtc")

    def ready(self) -> None:
        from .app_settings import check_settings
        from .dashboard import register_panels

        check_settings()
        register_url_check("peerlearn_analytics", name="earnings", path="/api/analytics/earnings/")
        register_panels()
