from django.apps import AppConfig

from peerlearn_core.checks import RequiresApps, register_url_check


class PeerlearnRtcConfig(RequiresApps, AppConfig):
    name = "peerlearn_rtc"
    label = "peerlearn_rtc"
    verbose_name = "PeerLearn rtc"
    default_auto_field = "django.db.models.BigAutoField"
    requires = ("peerlearn_core", "peerlearn_bookings")

    def ready(self) -> None:
        from peerlearn_core.demo import register_seeder

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .app_settings import check_settings
        from .demo import seed_chat

        register_url_check("peerlearn_rtc", name="room", path="/room/1", kwargs={"session_id": 1})
        check_settings()
        register_seeder(seed_chat, order=30)
