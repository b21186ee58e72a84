from django.apps import AppConfig

from peerlearn_core.checks import RequiresApps

from .checks import register as register_checks


class PeerlearnPayoutsConfig(RequiresApps, AppConfig):
    name = "peerlearn_payouts"
    label = "peerlearn_payouts"
    verbose_name = "PeerLearn payouts"
    default_auto_field = "django.db.models.BigAutoField"
    requires = ("peerlearn_core", "peerlearn_bookings")

    def ready(self) -> None:
        from peerlearn_bookings.holds import register_seat_hold
        from peerlearn_core.dashboard import Tab, registry
        from peerlearn_core.demo import register_seeder

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .app_settings import check_settings, payout_settings
        from .demo import seed_payouts
        from .selectors import unread_earnings_count, unread_earnings_counts

        check_settings()
        register_checks()
        # The booking JSON's hold_expires_at: an unpaid seat is held this long for its payment.
        register_seat_hold(lambda: payout_settings.SEAT_HOLD_MINUTES)
        registry.register_tab(
            Tab(
                key="earnings",
                label="Earnings",
                roles=("mentor",),
                order=30,
                badge="earnings",
                template="peerlearn_payouts/tabs/earnings.html",
                icon=(  # a wallet
                    "M19 7V4a1 1 0 0 0-1-1H5a2 2 0 0 0 0 4h15a1 1 0 0 1 1 1v4h-3a2 2 0 0 0 0 4h3"
                    "a1 1 0 0 0 1-1v-2a1 1 0 0 0-1-1",
                    "M3 5v14a2 2 0 0 0 2 2h15a1 1 0 0 0 1-1v-4",
                ),
                scripts=("peerlearn_payouts/js/earnings.js",),
            )
        )
        registry.register_badge("earnings", unread_earnings_count, many=unread_earnings_counts)
        register_seeder(seed_payouts, order=20)
