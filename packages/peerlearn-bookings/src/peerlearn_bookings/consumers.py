from channels.db import database_sync_to_async

from peerlearn_core.realtime import session_group
from peerlearn_core.realtime.consumers import GroupRelayConsumer

from .selectors import can_join_session_channel


class SessionConsumer(GroupRelayConsumer):
    """``/ws/sessions/{id}/``: booking and enrollment pushes for the mentor and booked learners."""

    async def get_groups(self, user):
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        allowed = await database_sync_to_async(can_join_session_channel)(user, session_id)
        return [session_group(session_id)] if allowed else None

    def is_shared(self, group):
        # Up to 500 learners and their mentor watch one session's channel.
        return group.startswith(session_group(""))
