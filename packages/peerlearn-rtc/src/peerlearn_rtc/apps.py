from django.apps import AppConfig


class PeerlearnRtcConfig(AppConfig):
    name = "peerlearn_rtc"
    label = "peerlearn_rtc"
    verbose_name = "PeerLearn rtc"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .app_settings import check_settings

        check_settings()
