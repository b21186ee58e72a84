from django.apps import AppConfig


class PeerlearnRtcConfig(AppConfig):
    name = "peerlearn_rtc"
    label = "peerlearn_rtc"
    verbose_name = "PeerLearn rtc"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from peerlearn_core.demo import register_seeder

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .app_settings import check_settings
        from .demo import seed_chat

        check_settings()
        register_seeder(seed_chat, order=30)
