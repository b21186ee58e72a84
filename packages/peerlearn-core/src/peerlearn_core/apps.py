from django.apps import AppConfig


class PeerlearnCoreConfig(AppConfig):
    name = "peerlearn_core"
    label = "peerlearn_core"
    verbose_name = "PeerLearn core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import dashboard, receivers  # noqa: F401  (receivers connect on import)
        from .app_settings import check_settings
        from .selectors import unread_notification_count

        check_settings()
        dashboard.registry.register_tab(
            dashboard.Tab(
                key="notifications",
                label="Notifications",
                roles=("mentor", "learner"),
                template="peerlearn_core/tabs/notifications.html",
                order=90,
                badge="notifications",
                scripts=("peerlearn_core/js/notifications-tab.js",),
            )
        )
        dashboard.registry.register_badge("notifications", unread_notification_count)
