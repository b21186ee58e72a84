from django.apps import AppConfig


class PeerlearnPayoutsConfig(AppConfig):
    name = "peerlearn_payouts"
    label = "peerlearn_payouts"
    verbose_name = "PeerLearn payouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from peerlearn_core.dashboard import Tab, registry
        from peerlearn_core.demo import register_seeder

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .app_settings import check_settings
        from .demo import seed_payouts
        from .selectors import unread_earnings_count, unread_earnings_counts

        check_settings()
        registry.register_tab(
            Tab(
                key="earnings",
                label="Earnings",
                roles=("mentor",),
                order=30,
                badge="earnings",
                template="peerlearn_payouts/tabs/earnings.html",
                scripts=("peerlearn_payouts/js/earnings.js",),
            )
        )
        registry.register_badge("earnings", unread_earnings_count, many=unread_earnings_counts)
        register_seeder(seed_payouts, order=20)
