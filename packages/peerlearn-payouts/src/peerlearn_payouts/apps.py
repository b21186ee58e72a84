from django.apps import AppConfig


class PeerlearnPayoutsConfig(AppConfig):
    name = "peerlearn_payouts"
    label = "peerlearn_payouts"
    verbose_name = "PeerLearn payouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from peerlearn_core.dashboard import Tab, registry

        registry.register_tab(
            Tab(
                key="earnings",
                label="Earnings",
                roles=("mentor",),
                order=30,
                badge="earnings",
                template="peerlearn_payouts/tabs/earnings.html",
            )
        )
