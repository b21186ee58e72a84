from django.apps import AppConfig


class PeerlearnCoreConfig(AppConfig):
    name = "peerlearn_core"
    label = "peerlearn_core"
    verbose_name = "PeerLearn core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import dashboard, receivers  # noqa: F401  (receivers connect on import)
        from .app_settings import check_settings
        from .checks import register as register_checks
        from .selectors import unread_notification_count, unread_notification_counts

        check_settings()
        register_checks()
        dashboard.registry.register_tab(
            dashboard.Tab(
                key="notifications",
                label="Notifications",
                roles=("mentor", "learner"),
                template="peerlearn_core/tabs/notifications.html",
                order=90,
                badge="notifications",
                icon=(  # a bell
                    "M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9",
                    "M10.3 21a1.94 1.94 0 0 0 3.4 0",
                ),
                scripts=("peerlearn_core/js/notifications-tab.js",),
            )
        )
        dashboard.registry.register_badge(
            "notifications", unread_notification_count, many=unread_notification_counts
        )
