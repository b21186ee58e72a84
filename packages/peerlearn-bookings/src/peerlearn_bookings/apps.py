from django.apps import AppConfig

from peerlearn_core.checks import RequiresApps, register_url_check


def browse_groups(user) -> list[str]:
    """Learners' notifications sockets carry Browse's live session changes."""
    from .services import BROWSE_GROUP

    return [BROWSE_GROUP] if getattr(user, "role", None) == "learner" else []


class PeerlearnBookingsConfig(RequiresApps, AppConfig):
    name = "peerlearn_bookings"
    label = "peerlearn_bookings"
    verbose_name = "PeerLearn bookings"
    default_auto_field = "django.db.models.BigAutoField"
    requires = ("peerlearn_core",)

    def ready(self) -> None:
        from peerlearn_core.dashboard import Tab, registry
        from peerlearn_core.demo import register_seeder

        from .app_settings import check_settings
        from .demo import seed_bookings
        from .selectors import pending_request_count, pending_request_counts

        check_settings()
        register_url_check("peerlearn_bookings", name="sessions", path="/api/sessions/")
        registry.register_badge("requests", pending_request_count, many=pending_request_counts)
        registry.register_socket_groups(browse_groups)
        register_seeder(seed_bookings, order=10)

        registry.register_tab(
            Tab(
                key="sessions",
                label="My Sessions",
                roles=("mentor",),
                order=10,
                template="peerlearn_bookings/tabs/mentor_sessions.html",
                icon=(  # a calendar
                    "M8 2v4",
                    "M16 2v4",
                    "M5 4h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
                    "M3 10h18",
                ),
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
                icon=(  # an inbox tray
                    "M22 12h-6l-2 3h-4l-2-3H2",
                    "M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89"
                    "A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z",
                ),
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
                icon=(  # a magnifier
                    "M11 3a8 8 0 1 0 0 16 8 8 0 0 0 0-16z",
                    "m21 21-4.3-4.3",
                ),
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
                icon=(  # a ticket
                    "M2 9a3 3 0 0 1 0 6v2a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-2a3 3 0 0 1 0-6V7"
                    "a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2Z",
                    "M13 5v2",
                    "M13 17v2",
                    "M13 11v2",
                ),
                scripts=("peerlearn_bookings/js/learner-bookings.js",),
            )
        )
