from django.apps import AppConfig


class PeerlearnAnalyticsConfig(AppConfig):
    name = "peerlearn_analytics"
    label = "peerlearn_analytics"
    verbose_name = "PeerLearn analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .app_settings import check_settings
        from .dashboard import register_panels

        check_settings()
        register_panels()
