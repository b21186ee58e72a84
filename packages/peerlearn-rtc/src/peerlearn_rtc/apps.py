from django.apps import AppConfig


class PeerlearnRtcConfig(AppConfig):
    name = "peerlearn_rtc"
    label = "peerlearn_rtc"
    verbose_name = "PeerLearn rtc"
    default_auto_field = "django.db.models.BigAutoField"
