"""Shared groups: a group many sockets of one process watch (a session's channel, Browse) is
joined ONCE per process, by the process's own channel, and each message sent to it is fanned out
here to the local sockets: encoded once and written to each socket directly.

Why: with a group member per socket, a push to a 500-seat session is 500 channel-layer messages,
each woken, dispatched and encoded by its own consumer (and, on ``RedisChannelLayer``, fetched
from Redis one by one), so the last socket waited about 0.5 s. Here it is one message per process.

A push this process sends to a group it watches is fanned out here at once, not after a trip
through the layer (on Redis that trip, a group read, a push and the pop on this process's
channel, was about a fifth of the time to the first learner's frame); the layer carries it to
the other processes' channels only (``_group_send_except``).

Ordering: the pushes one process sends to a group reach every process in the order they were
sent (the layer keeps them in order, and the sender's own go through its inbox in order), and
each process fans its inbox out in order, one event at a time. A revocation (``access.revoke``)
travels the same way as the pushes it must stop, so a learner whose booking was cancelled is
dropped from the group before the next push that process sends to it is fanned out. Between
processes the order is that of arrival: a push sent just after another process's revocation
(within the milliseconds it takes that revocation to come through Redis) may reach the socket
first, as a push sent just before it would. Events other than relays and revocations are handed
to each member's own channel, so a consumer still handles them one at a time.
"""

import asyncio
import contextlib
import itertools
import logging
import weakref

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

from . import ACCESS_REVOKE, RELAY, redis_batch
from .collector import note_activity
from .wire import SharedFrame

logger = logging.getLogger(__name__)

# Redis keeps a group for ``group_expiry`` (a day by default) after the last group_add: a process
# that watched a group all along says so again well before that.
REFRESH_FRACTION = 0.25
# Frames written between two turns of the event loop during a fan-out. Each turn is a chance for
# the request threads to take the GIL, and with 10 a 500-frame fan-out took 27 ms on the server
# instead of 16 with 100 (docs/benchmarks.md, issue 11 part 8); 100 frames are about 3 ms, all a
# concurrent request waits.
YIELD_EVERY = 100
# Turns of the event loop after the last write: one to be polled writable, one to write.
FLUSH_TURNS = 2
# The key of a push this process sent to a shared group it watches (see ``send_to_group``).
EXPECTED = "fanout_token"
# How long background work waits for such a push to come back through the layer before it
# gives up waiting (the push was lost, say Redis restarted): it never stalls behind it.
EXPECT_SECONDS = 2.0


class SharedGroups:
    """The shared groups of one channel layer on one event loop (one per Daphne process)."""

    def __init__(self, layer):
        self.layer = layer
        self.members: dict[str, set] = {}
        self.channel: str | None = None
        self.busy = 0  # fan-outs in progress
        # Pushes this process sent to a group it watches, not yet back through the layer.
        self.expected: set[str] = set()
        self._sequence = itertools.count()
        self._tasks: list[asyncio.Task] = []
        # What the layer delivered to ``channel`` and what this process sent to a group it
        # watches, in arrival order: fanned out one at a time.
        self.inbox: asyncio.Queue = asyncio.Queue()

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self._tasks = [
                asyncio.ensure_future(self._read()),
                asyncio.ensure_future(self._handle()),
                asyncio.ensure_future(self._refresh()),
            ]
        return self.channel

    async def join(self, group: str, consumer) -> None:
        channel = await self._channel()
        members = self.members.setdefault(group, set())
        first = not members
        members.add(consumer)
        if first:
            await self.layer.group_add(group, channel)

    async def leave(self, group: str, consumer) -> None:
        members = self.members.get(group)
        if members is None or consumer not in members:
            return
        members.discard(consumer)
        if not members:
            del self.members[group]
            if self.channel is not None:
                await self.layer.group_discard(group, self.channel)

    def _drop(self, group: str, consumer) -> None:
        """Leave at once, without yielding: nothing sent to ``group`` after this reaches it."""
        members = self.members.get(group)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.members[group]
                leaving = asyncio.ensure_future(self.layer.group_discard(group, self.channel))
                self._tasks.append(leaving)
                leaving.add_done_callback(self._tasks.remove)

    async def _read(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: keep serving once it is back
                logger.exception("receiving on the shared channel %s failed", self.channel)
                await asyncio.sleep(1)
                continue
            self.inbox.put_nowait(event)

    async def _handle(self) -> None:
        while True:
            event = await self.inbox.get()
            try:
                await self._fan_out(event)
            except Exception:
                logger.exception("fanning out %s failed", event.get("type"))

    def expect(self, group: str) -> str | None:
        """A token for a push about to be sent to ``group``, when this process watches it (so
        the push comes back here to be fanned out); None when it does not."""
        if self.channel is None or group not in self.members:
            return None
        token = f"{self.channel}#{next(self._sequence)}"
        self.expected.add(token)
        _idle_event().clear()
        return token

    def settle(self, token: str | None) -> None:
        self.expected.discard(token)
        _update_idle()

    async def _fan_out(self, event: dict) -> None:
        self.busy += 1
        _idle_event().clear()
        try:
            await self._deliver(event)
        finally:
            self.busy -= 1
            self.settle(event.get(EXPECTED))
            note_activity()

    async def _deliver(self, event: dict) -> None:
        group = event.get("group")
        members = list(self.members.get(group, ()))
        if not members:
            return
        kind = event.get("type")
        if kind == RELAY:
            frame = SharedFrame(await members[0].encode_json(event["message"]))
            for index, consumer in enumerate(members, 1):
                if not consumer.write_shared(frame):
                    await consumer.send_shared(frame.text)
                if index % YIELD_EVERY == 0:
                    # Let the loop breathe: the mentor's own response (and other requests)
                    # must not wait for the 500th learner's frame.
                    await asyncio.sleep(0)
            # Frames a transport had to queue (its kernel buffer was full, or it is not
            # Daphne's plain TCP) leave when the loop's writers fire on its next turns: only
            # then is the push on the wire and the fan-out done (background work of the same
            # commit must not take the GIL from those writes).
            for _ in range(FLUSH_TURNS):
                await asyncio.sleep(0)
        elif kind == ACCESS_REVOKE:
            for consumer in members:
                if consumer.user_id == event.get("user_id"):
                    self._drop(group, consumer)
                    consumer.revoked(group)
        else:
            for consumer in members:
                await self.layer.send(consumer.channel_name, event)

    async def _refresh(self) -> None:
        period = max(60.0, getattr(self.layer, "group_expiry", 86400) * REFRESH_FRACTION)
        while True:
            await asyncio.sleep(period)
            for group in list(self.members):
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    logger.exception("refreshing the shared group %s failed", group)


# One SharedGroups per (event loop, layer): tests run consumers on many short-lived loops.
_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


_idle: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event]" = (
    weakref.WeakKeyDictionary()
)


def _idle_event() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    event = _idle.get(loop)
    if event is None:
        event = _idle[loop] = asyncio.Event()
        event.set()
    return event


def _update_idle() -> None:
    hubs = _by_loop.get(asyncio.get_running_loop(), {}).values()
    if not any(hub.busy or hub.expected for hub in hubs):
        _idle_event().set()


async def fan_outs_done() -> None:
    """Wait until every shared push this process sent has come back through the layer and been
    written, and no other fan-out is writing: background work started by the same commit (500
    learners' notification rows) must not compete with the push it follows. A push that does
    not come back within EXPECT_SECONDS is given up on."""
    await asyncio.sleep(0)
    try:
        await asyncio.wait_for(_idle_event().wait(), EXPECT_SECONDS)
    except TimeoutError:
        hubs = list(_by_loop.get(asyncio.get_running_loop(), {}).values())
        lost = sum(len(hub.expected) for hub in hubs)
        if lost:
            logger.warning("%d shared pushes did not come back within %ss", lost, EXPECT_SECONDS)
        for hub in hubs:
            hub.expected.clear()
        _update_idle()


async def send_to_group(layer, group: str, event: dict) -> None:
    """``layer.group_send``; a push to a group this process watches is fanned out here from the
    process's own inbox and sent through the layer to the other members only, and noted so
    that background work waits for its fan-out (``fan_outs_done``)."""
    hub = _by_loop.get(asyncio.get_running_loop(), {}).get(id(layer))
    token = hub.expect(group) if hub is not None and hub.layer is layer else None
    if token is None:
        await layer.group_send(group, event)
        return
    event = {**event, EXPECTED: token}
    if not _can_leave_out(layer):  # its copy comes back through the layer, as before
        try:
            await layer.group_send(group, event)
        except BaseException:
            hub.settle(token)
            raise
        return
    # This process's sockets first, from here; then the layer, for the other processes (a
    # failure there leaves this process's delivery done, and is the caller's to log). The other
    # order (theirs first) put two Daphnes' fan-outs on this machine's cores at the same moment,
    # and their p99 went from 1.4-1.6x the bare relay to 2.0-3.1x (docs/benchmarks.md, part 8).
    hub.inbox.put_nowait(event)
    await _group_send_except(layer, group, event, hub.channel)


def _can_leave_out(layer) -> bool:
    """Whether ``_group_send_except`` can send through ``layer`` (channels-redis' list layer,
    Channels' in-memory layer)."""
    return redis_batch.batches(layer) or isinstance(layer, InMemoryChannelLayer)


async def _group_send_except(layer, group: str, event: dict, channel: str) -> None:
    """``group_send`` to every member of ``group`` but ``channel``."""
    if redis_batch.batches(layer):
        await redis_batch.group_send_many(layer, [(group, event)], exclude=channel)
        return
    layer.require_valid_group_name(group)
    for member in [m for m in layer.groups.get(group, {}) if m != channel]:
        with contextlib.suppress(ChannelFull):
            await layer.send(member, event)


def shared_groups(layer) -> SharedGroups:
    per_layer = _by_loop.setdefault(asyncio.get_running_loop(), {})
    hub = per_layer.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_layer[id(layer)] = SharedGroups(layer)
    return hub
