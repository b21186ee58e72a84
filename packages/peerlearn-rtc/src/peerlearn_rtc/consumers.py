"""``/ws/room/{session_id}/``: presence, the ready state machine, signaling relay and chat.

Thin by design: every state change is a service call (the database is the room's memory, so a
second Daphne or a restarted one sees the same room); what stays in this object is only what
belongs to one socket: its peer id, an address book of peer channels kept in step by the group's
own join/leave events (with the database as fallback), timers and rate limits.
"""

import asyncio
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from peerlearn_core.exceptions import DomainError
from peerlearn_core.realtime import opened_by_login, room_group, user_group
from peerlearn_core.realtime.frames import FrameRefused, decode_frame
from peerlearn_core.realtime.middleware import CLOSE_NOT_ALLOWED, CLOSE_NOT_AUTHENTICATED

from . import services, topology
from .app_settings import rtc_settings
from .models import Role

# Our own socket was dropped from the room (pruned as lost): the client reconnects afresh.
CLOSE_REJOIN = 4000

REFUSAL_DETAILS = {
    "not_found": "This session does not exist.",
    "forbidden": "You do not have a seat in this session.",
    "unpaid": "Pay for your seat to join the room.",
    "closed": "This session has ended.",
    "not_open_yet": "The room opens a few minutes before the session starts.",
}
SIGNALS = {"offer": "sdp", "answer": "sdp", "ice": "candidate"}
# Why our own peer left the room (peer.left about ourselves) -> the code our socket closes with.
LEFT_CLOSE_CODES = {
    "replaced": services.CLOSE_REPLACED,
    "declined": CLOSE_NOT_ALLOWED,
    "cancelled": CLOSE_NOT_ALLOWED,
}


class RateLimit:
    """At most ``count`` events in ``seconds`` (a sliding window, per socket)."""

    def __init__(self, count: int, seconds: float):
        self.count, self.seconds, self.times = count, seconds, deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self.times and now - self.times[0] > self.seconds:
            self.times.popleft()
        if len(self.times) >= self.count:
            return False
        self.times.append(now)
        return True


class RoomConsumer(AsyncJsonWebsocketConsumer):
    peer_id: str | None = None

    async def dispatch(self, message):
        """Channels' own dispatch without its per-message ``aclose_old_connections()``.

        That call hops to the one shared database thread before every handler, so each relayed
        signal (websocket.receive, then room.signal) queued behind any other socket's database
        work: with SQLite's write lock held elsewhere for 2 s, a signal between two idle peers
        took 2.04 s instead of under 50 ms (docs/benchmarks.md, "Signaling relay"). Every
        database access here goes through ``database_sync_to_async``, which closes stale
        connections itself before and after each call, so the hop bought nothing.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.peer_id = None
        self.left = False
        self.tasks: list[asyncio.Task] = []
        self.peers: dict[str, str] = {}
        self.roles: dict[str, str] = {}
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.group = room_group(self.session_id)
        self.chat_rate = RateLimit(*rtc_settings.CHAT_RATE)
        self.toggle_rate = RateLimit(*rtc_settings.TOGGLE_RATE)
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        # Join the group before the room row exists, so no event after our arrival is missed;
        # events are handled only after this method returns, i.e. after the welcome.
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            peer, welcome = await database_sync_to_async(services.join_room)(
                session_id=self.session_id, user=user, channel_name=self.channel_name
            )
        except services.RoomRefused as refused:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.send_json(
                {"type": "error", "code": refused.code, "detail": REFUSAL_DETAILS[refused.code]}
            )
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.peer_id, self.role, self.user_id = peer.peer_id, peer.role, user.pk
        # Logouts reach the user's sockets through their user group (access_logout).
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        expires_at = self.scope.get("auth_expires_at")
        if expires_at is not None:
            self.tasks.append(asyncio.ensure_future(self._expire(expires_at)))
        self.call_started, self.mode = welcome["call_started"], welcome["mode"]
        self.peers = await database_sync_to_async(services.peer_channels)(self.session_id)
        self.roles = {p["peer_id"]: p["role"] for p in welcome["peers"]}
        await self.send_json(welcome)
        self.tasks.append(asyncio.ensure_future(self._heartbeat()))
        if self.call_started:
            self._watch_attendance()

    async def disconnect(self, code):
        for task in getattr(self, "tasks", []):
            task.cancel()
        if self.peer_id and not self.left:
            self.left = True
            await database_sync_to_async(services.leave_room)(peer_id=self.peer_id)
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "user_id", None):
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    # --- client messages ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.peer_id is None or self.left:
            return
        try:
            content = decode_frame(text_data, max_bytes=rtc_settings.MAX_MESSAGE_BYTES)
        except FrameRefused as refused:
            # The room's protocol: a refused frame leaves the socket open, oversize included.
            await self.error(refused.detail, code=refused.code)
            return
        try:
            await self.receive_json(content)
        except DomainError as problem:
            await self.error(problem.detail, code=problem.code)

    async def receive_json(self, content, **kwargs):
        kind = content["type"]
        if kind in SIGNALS:
            await self.relay(kind, content)
        elif kind in {"ready", "unready"}:
            if await self.limited(self.toggle_rate):
                return
            await database_sync_to_async(services.set_ready)(
                peer_id=self.peer_id, ready=kind == "ready"
            )
        elif kind == "start":
            await database_sync_to_async(services.start_call)(peer_id=self.peer_id)
        elif kind == "chat":
            if await self.limited(self.chat_rate):
                return
            await database_sync_to_async(services.post_chat)(
                peer_id=self.peer_id, text=content.get("text")
            )
        elif kind == "decline":
            await database_sync_to_async(services.decline)(peer_id=self.peer_id)
        elif kind == "hand":
            if await self.limited(self.toggle_rate):
                return
            raised = content.get("raised", True)
            if not isinstance(raised, bool):
                raise DomainError("raised must be true or false.", field="raised")
            await database_sync_to_async(services.set_hand)(peer_id=self.peer_id, raised=raised)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.error(f"Unknown message type {kind[:40]!r}.", code="unknown_type")

    async def relay(self, kind: str, content: dict) -> None:
        target, field = content.get("to"), SIGNALS[kind]
        if not self.call_started:
            await self.error("The call has not started.", code="not_started")
            return
        if not isinstance(target, str) or target == self.peer_id:
            await self.error("Address a peer of this room in 'to'.", code="bad_address")
            return
        if field not in content or not isinstance(content[field], dict | str | None):
            await self.error(f"'{kind}' needs '{field}'.", code="invalid")
            return
        channel = self.peers.get(target)
        if channel is None:
            # Its join event may still be on the way to us; the database knows for sure.
            found = await database_sync_to_async(services.channel_of)(self.session_id, target)
            if found is None:
                await self.error("No such peer in this room.", code="bad_address")
                return
            channel, self.roles[target] = found
            self.peers[target] = channel
        if not topology.may_signal(self.mode, self.role, self.roles.get(target, "")):
            await self.error("In lecture mode learners connect to the mentor only.", code="lecture")
            return
        message = {"type": kind, "from": self.peer_id, field: content[field]}
        try:
            await self.channel_layer.send(channel, {"type": "room.signal", "message": message})
        except ChannelFull:
            # The addressee's process is behind (its inbound queue is at the layer's capacity):
            # tell the sender instead of letting the exception close the sender's own socket.
            await self.error("The peer is busy; this signal was not delivered.", code="busy")

    async def limited(self, rate: RateLimit) -> bool:
        if rate.allow():
            return False
        await self.error("Too many messages; slow down.", code="throttled")
        return True

    async def error(self, detail: str, code: str = "invalid") -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    # --- channel-layer events ----------------------------------------------------------------

    async def room_event(self, event):
        if self.peer_id is None or self.left:
            return  # refused while joining, or already on the way out
        joined, left = event.get("joined"), event.get("left")
        message = event["message"]
        if joined:
            self.peers[joined["peer_id"]] = joined["channel_name"]
            self.roles[joined["peer_id"]] = message.get("role", "")
        if left:
            self.peers.pop(left, None)
            if left == self.peer_id:
                # Taken out of the room: replaced (4409), seat declined or cancelled (4403), or
                # pruned as lost while alive (4000: come back as a new peer). The room.close that
                # follows for the first three finds this socket already closing.
                self.left = True
                await self.close(code=LEFT_CLOSE_CODES.get(message.get("reason"), CLOSE_REJOIN))
                return
        if message.get("type") == "call.started":
            self.call_started, self.mode = True, message.get("mode", self.mode)
            self._watch_attendance()
        if event.get("exclude") != self.channel_name:
            await self.send_json(message)
        if event.get("close"):
            self.left = True
            await self.close(code=CLOSE_NOT_ALLOWED)

    async def room_signal(self, event):
        if self.peer_id is None or self.left:
            return
        await self.send_json(event["message"])

    async def room_close(self, event):
        if self.left:
            return  # already closed (e.g. by our own peer.left, which comes first)
        self.left = True
        if event.get("message"):
            await self.send_json(event["message"])
        await self.close(code=event["code"])

    # --- timers ------------------------------------------------------------------------------

    async def _expire(self, expires_at: float):
        """A socket opened with a bearer token lives no longer than the token."""
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def access_logout(self, event):
        if opened_by_login(self.scope, event.get("session_key")):
            await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def access_recheck(self, event):
        # Seats lost in the room are revoked by this package's own receivers (room.revoke).
        return

    async def _heartbeat(self):
        while True:
            await asyncio.sleep(rtc_settings.HEARTBEAT_SECONDS)
            alive = await database_sync_to_async(services.heartbeat)(peer_id=self.peer_id)
            if not alive and not self.left:
                self.left = True
                await self.close(code=CLOSE_REJOIN)
                return

    def _watch_attendance(self) -> None:
        if self.role == Role.LEARNER:
            self.tasks.append(asyncio.ensure_future(self._attendance()))

    async def _attendance(self):
        """Credit presence once this learner has been here long enough after the start."""
        while True:
            remaining = await database_sync_to_async(services.seconds_until_attended)(
                session_id=self.session_id, user_id=self.user_id
            )
            if remaining is None:
                return
            await asyncio.sleep(max(remaining, 0.2))
            if await database_sync_to_async(services.credit_presence)(
                session_id=self.session_id, user_id=self.user_id
            ):
                return
