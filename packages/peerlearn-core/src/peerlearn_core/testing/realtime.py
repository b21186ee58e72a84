"""Test helper: watch a group on the in-memory channel layer without a socket."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ..realtime import RELAY, RELAY_BATCH


def listen(group: str):
    """Join ``group`` on the in-memory channel layer; returns a function draining its messages."""
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)

    def messages() -> list[dict]:
        # Read the queue without awaiting: each async_to_sync call runs on its own event loop.
        queue = layer.channels.get(channel)
        out = []
        while queue is not None and not queue.empty():
            _expires, event = queue.get_nowait()
            # Pushes, batched or not; access events are the sockets' business.
            if event["type"] == RELAY:
                out.append(event["message"])
            elif event["type"] == RELAY_BATCH:
                out.extend(event["messages"])
        return out

    return messages
