from django.apps import AppConfig


class PeerlearnBookingsConfig(AppConfig):
    name = "peerlearn_bookings"
    label = "peerlearn_bookings"
    verbose_name = "PeerLearn bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from peerlearn_core.dashboard import Tab, registry
        from peerlearn_core.demo import register_seeder

        from .app_settings import check_settings
        from .demo import seed_bookings
        from .selectors import pending_request_count, pending_request_counts

        check_settings()
        registry.register_badge("requests", pending_request_count, many=pending_request_counts)
        register_seeder(seed_bookings, order=10)

        registry.register_tab(
            Tab(
                key="sessions",
                label="My Sessions",
                roles=("mentor",),
                order=10,
                template="peerlearn_bookings/tabs/mentor_sessions.html",
                scripts=("peerlearn_bookings/js/mentor-sessions.js",),
            )
        )
        registry.register_tab(
            Tab(
                key="requests",
                label="Requests",
                roles=("mentor",),
                order=20,
                badge="requests",
                template="peerlearn_bookings/tabs/mentor_requests.html",
                scripts=("peerlearn_bookings/js/mentor-requests.js",),
            )
        )
        registry.register_tab(
            Tab(
                key="browse",
                label="Browse",
                roles=("learner",),
                order=10,
                template="peerlearn_bookings/tabs/learner_browse.html",
                scripts=("peerlearn_bookings/js/learner-browse.js",),
            )
        )
        registry.register_tab(
            Tab(
                key="bookings",
                label="My Bookings",
                roles=("learner",),
                order=20,
                template="peerlearn_bookings/tabs/learner_bookings.html",
                scripts=("peerlearn_bookings/js/learner-bookings.js",),
            )
        )
