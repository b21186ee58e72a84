"""Base consumer: refuses with 4401/4403, joins its groups, relays broadcasts verbatim, and
follows its user's access: it re-checks its groups when told access changed, closes on logout
(cookie sockets) and when the bearer token that opened it expires. Client frames go through
``decode_frame`` (size and depth limits): an error frame, and a 1009 close when oversize."""

import asyncio
import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ..app_settings import core_settings
from . import opened_by_login, user_group
from .collector import note_activity
from .frames import CLOSE_TOO_BIG, FrameRefused, FrameTooLarge, decode_frame
from .middleware import CLOSE_NOT_ALLOWED, CLOSE_NOT_AUTHENTICATED
from .shared import shared_groups
from .wire import daphne_protocol, spread_keepalive


class GroupRelayConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses implement ``get_groups`` (None means not allowed) and may override hooks.

    Groups many sockets watch are joined through the process's shared fan-out (``shared``);
    ``is_shared`` says which."""

    groups_joined: list[str]
    user_id: int | None = None
    _wire = None  # Daphne's protocol for this socket, when the shared fan-out can write to it

    async def get_groups(self, user) -> list[str] | None:
        raise NotImplementedError

    def is_shared(self, group: str) -> bool:
        """Whether ``group`` is watched by many users' sockets (joined once per process)."""
        return False

    async def on_joined(self) -> None:
        """Called after accept; send initial state here."""

    async def connect(self):
        self.groups_joined = []
        self._expiry = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        groups = await self.get_groups(user)
        if groups is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.user_id = user.pk
        joined = [*groups, user_group(user.pk)]
        own = [group for group in joined if not self.is_shared(group)]
        for group in own:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = own
        # The shared fan-out writes straight to the socket, so only once it is accepted.
        await self.accept()
        self._wire = daphne_protocol(self.base_send)
        if self._wire is not None:
            spread_keepalive(self._wire)
        hub = shared_groups(self.channel_layer)
        for group in joined:
            if self.is_shared(group):
                await hub.join(group, self)
                self.groups_joined.append(group)
        expires_at = self.scope.get("auth_expires_at")
        if expires_at is not None:
            delay = max(0.0, expires_at - time.time())
            self._expiry = asyncio.get_running_loop().call_later(
                delay, lambda: asyncio.ensure_future(self._close(CLOSE_NOT_AUTHENTICATED))
            )
        await self.on_joined()

    async def _close(self, code: int) -> None:
        await self._leave_groups()
        await self.close(code=code)

    async def _leave_groups(self) -> None:
        joined, self.groups_joined = getattr(self, "groups_joined", []), []
        for group in joined:
            if self.is_shared(group):
                await shared_groups(self.channel_layer).leave(group, self)
            else:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code):
        if getattr(self, "_expiry", None) is not None:
            self._expiry.cancel()
        await self._leave_groups()

    async def relay(self, event):
        note_activity()
        await self.send_json(event["message"])

    async def relay_batch(self, event):
        note_activity()
        for message in event["messages"]:
            await self.send_json(message)

    def write_shared(self, frame) -> bool:
        """A shared group's push, framed once for every local socket, written straight to the
        socket when it has a wire (Daphne); False when it needs ``send_shared`` instead."""
        if not self.groups_joined:
            return True
        if self._wire is None:
            return False
        frame.write(self._wire)  # a closing socket drops it, as its ASGI send would
        return True

    async def send_shared(self, text: str) -> None:
        """A shared group's push through the ASGI send (servers other than Daphne)."""
        if self.groups_joined:
            await self.send(text_data=text)

    def revoked(self, group: str) -> None:
        """The shared fan-out dropped this socket from ``group`` (its user lost access)."""
        if group in self.groups_joined:
            self.groups_joined.remove(group)
            self._closing = asyncio.ensure_future(self._close(CLOSE_NOT_ALLOWED))

    async def access_revoke(self, event):
        """A revocation that reached this socket's own channel (the group is not shared)."""
        if event.get("user_id") == self.user_id and event.get("group") in self.groups_joined:
            await self._close(CLOSE_NOT_ALLOWED)

    async def access_recheck(self, event):
        """A write took access away from this socket's user (maybe): keep the socket only if
        every group it joined is still one its user may see."""
        user = self.scope["user"]
        allowed = await self.get_groups(user)
        kept = {*(allowed or []), user_group(user.pk)}
        if allowed is None or not set(self.groups_joined) <= kept:
            await self._close(CLOSE_NOT_ALLOWED)

    async def access_logout(self, event):
        if opened_by_login(self.scope, event.get("session_key")):
            await self._close(CLOSE_NOT_AUTHENTICATED)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "detail": "This socket takes no messages."})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = decode_frame(text_data, max_bytes=core_settings.SOCKET_MAX_MESSAGE_BYTES)
        except FrameRefused as refused:
            await self.send_json({"type": "error", "code": refused.code, "detail": refused.detail})
            if isinstance(refused, FrameTooLarge):
                await self._close(CLOSE_TOO_BIG)
            return
        await self.receive_json(content, **kwargs)
