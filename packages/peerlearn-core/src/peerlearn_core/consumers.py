from channels.db import database_sync_to_async

from .realtime import notifications_group, user_group
from .realtime.consumers import GroupRelayConsumer
from .selectors import badge_counts


class NotificationConsumer(GroupRelayConsumer):
    """``/ws/notifications/``: the user's own alerts and badge counts, plus the platform-wide
    channels apps register for the user (``registry.register_socket_groups``)."""

    async def get_groups(self, user):
        from .dashboard import registry

        return [notifications_group(user.pk), *registry.socket_groups(user)]

    def is_shared(self, group):
        # The platform-wide channels (Browse) are watched by every learner; the rest are own.
        return group not in {notifications_group(self.user_id), user_group(self.user_id)}

    async def on_joined(self):
        # Start in sync: counts may have moved while the socket was down.
        counts = await database_sync_to_async(badge_counts)(self.scope["user"])
        await self.send_json({"type": "badges", **counts})
