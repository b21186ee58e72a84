from django.apps import AppConfig


class PeerlearnAnalyticsConfig(AppConfig):
    name = "peerlearn_analytics"
    label = "peerlearn_analytics"
    verbose_name = "PeerLearn analytics"
    default_auto_field = "django.db.models.BigAutoField"
