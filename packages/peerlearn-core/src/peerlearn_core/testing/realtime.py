"""Test helper: watch a group on the in-memory channel layer without a socket."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


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
            out.append(event["message"])
        return out

    return messages
