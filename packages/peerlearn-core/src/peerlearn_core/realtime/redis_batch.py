"""Many group sends on channels-redis' list layer in a few round trips.

Why: ``RedisChannelLayer.group_send`` costs four round trips (expire the group, read it, expire
the channels, push), so a fan-out's per-learner pushes (a notification and badges for each of
500 learners, one group each) were 2,000 round trips on the event loop, and with the Redis
server they took the CPU the sockets' readers needed right after a Ready. Here every group is
expired and read in one pipeline per Redis connection, and every message is pushed by one
script per connection: the same keys, capacities, expiries and message shape as
``group_send`` (``__asgi_channel__`` names the local channels), so receivers cannot tell.

Messages pushed in one call share one timestamp, and a channel's messages are popped lowest
score first, so one call's messages to one channel may be received in any order: a call is for
messages to different groups (one per user), never for a sequence to the same group.
"""

import collections
import time

# Same as channels-redis' group_send script, for many keys (a key may repeat: several groups
# with members on one process share that process's key, and the capacity is checked each time).
_PUSH_ALL = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


def batches(layer) -> bool:
    """Whether ``group_send_many`` can batch for this layer (channels-redis' list layer)."""
    try:
        from channels_redis.core import RedisChannelLayer
    except ImportError:
        return False
    return isinstance(layer, RedisChannelLayer)


async def group_send_many(
    layer, events: list[tuple[str, dict]], *, exclude: str | None = None
) -> int:
    """Send each ``(group, message)`` to every member channel but ``exclude``; returns how many
    messages found a channel full."""
    by_connection = collections.defaultdict(list)
    for group, message in events:
        assert layer.require_valid_group_name(group), "Group name not valid"
        by_connection[layer.consistent_hash(group)].append((group, message))

    # Every group's current members: one pipeline per connection holding group keys.
    deliveries = []  # (channel names, message)
    for index, pairs in by_connection.items():
        pipe = layer.connection(index).pipeline(transaction=False)
        cutoff = int(time.time()) - layer.group_expiry
        for group, _message in pairs:
            key = layer._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=cutoff)
            pipe.zrange(key, 0, -1)
        replies = await pipe.execute()
        for (_group, message), names in zip(pairs, replies[1::2], strict=True):
            channel_names = [name.decode("utf8") for name in names]
            channel_names = [name for name in channel_names if name != exclude]
            if channel_names:
                deliveries.append((channel_names, message))

    # Every message to every channel key, grouped by the connection that holds the key.
    keys = collections.defaultdict(list)
    messages = collections.defaultdict(list)
    capacities = collections.defaultdict(list)
    for channel_names, message in deliveries:
        per_connection, key_to_message, key_to_capacity = layer._map_channel_keys_to_connection(
            channel_names, message
        )
        for index, channel_keys in per_connection.items():
            for key in channel_keys:
                keys[index].append(key)
                messages[index].append(key_to_message[key])
                capacities[index].append(key_to_capacity[key])

    over_capacity = 0
    for index, channel_keys in keys.items():
        connection = layer.connection(index)
        pipe = connection.pipeline(transaction=False)
        cutoff = int(time.time()) - int(layer.expiry)
        for key in dict.fromkeys(channel_keys):
            pipe.zremrangebyscore(key, min=0, max=cutoff)
        await pipe.execute()
        over_capacity += await connection.eval(
            _PUSH_ALL,
            len(channel_keys),
            *channel_keys,
            *messages[index],
            *capacities[index],
            time.time(),
            layer.expiry,
        )
    return over_capacity
