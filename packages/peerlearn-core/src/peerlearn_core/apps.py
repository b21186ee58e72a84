from django.apps import AppConfig, apps
from django.core import checks


def check_admin_login_throttled(app_configs, **kwargs):
    """The admin login is an auth surface too: warn when it is not behind the auth throttle."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django.contrib import admin

    from .admin_site import AdminSite

    if isinstance(admin.site, AdminSite):
        return []
    return [
        checks.Warning(
            "The admin login is not throttled.",
            hint="Install 'peerlearn_core.admin_apps.AdminConfig' instead of"
            " 'django.contrib.admin' in INSTALLED_APPS.",
            id="peerlearn_core.W001",
        )
    ]


class PeerlearnCoreConfig(AppConfig):
    name = "peerlearn_core"
    label = "peerlearn_core"
    verbose_name = "PeerLearn core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import dashboard, receivers  # noqa: F401  (receivers connect on import)
        from .app_settings import check_settings
        from .selectors import unread_notification_count, unread_notification_counts

        check_settings()
        checks.register(check_admin_login_throttled, checks.Tags.security)
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
