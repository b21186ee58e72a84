from django.apps import AppConfig


class PeerlearnThemeConfig(AppConfig):
    """The Tailwind build of the composed site (django-tailwind, npm mode)."""

    name = "peerlearn_theme"
    label = "peerlearn_theme"
