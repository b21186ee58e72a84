"""A room-socket client for tests: Channels' ``WebsocketCommunicator`` through the real WebSocket
stack (Origin check, cookie/Bearer auth), with strict receive helpers.

    sock = await RoomSocket(user, session_id).open()      # asserts the welcome
    await sock.send({"type": "ready"})
    await sock.expect("peer.ready", peer_id=sock.peer_id, ready=True)
    assert await sock.close_code() == 4403

Every receive is strict (the next message must be the expected one) so a stray message fails the
test instead of being skipped. ``nothing()`` proves silence with a real timeout; use it after a
positive check elsewhere, so the message had the time to arrive if it was going to.
"""

import contextlib
import json
from functools import cache

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from peerlearn_core.testing.factories import jwt_for

DEFAULT_TIMEOUT = 5.0


@cache
def websocket_application():
    """The bookings and rtc socket routes behind core's real middleware stack (no site needed)."""
    from peerlearn_bookings.routing import websocket_urlpatterns as bookings_ws
    from peerlearn_core.realtime.middleware import websocket_stack

    from ..routing import websocket_urlpatterns as rtc_ws

    return websocket_stack(URLRouter(bookings_ws + rtc_ws))


# The Host a browser on the development site sends; the site's own origin is http://localhost:8000.
SITE_HOST = "localhost:8000"


def auth_headers(user=None, *, token: str | None = None, origin: str | None = None) -> list:
    headers = [(b"host", SITE_HOST.encode())]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    elif user is not None:
        headers.append((b"authorization", f"Bearer {jwt_for(user)}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return headers


class SocketClosed(AssertionError):
    pass


class Socket:
    """Any PeerLearn socket: strict JSON receive, close code, silence."""

    path = ""

    def __init__(self, user=None, path: str = "", *, token=None, origin=None, application=None):
        self.user = user
        self.path = path or self.path
        self.comm = WebsocketCommunicator(
            application or websocket_application(),
            self.path,
            headers=auth_headers(user, token=token, origin=origin),
        )
        self.closed_code: int | None = None
        self.finished = False

    async def connect(self) -> "Socket":
        connected, _ = await self.comm.connect(timeout=DEFAULT_TIMEOUT)
        # Refusals accept first and then close with an application code (4401/4403).
        assert connected, "the socket was refused at the handshake"
        return self

    async def output(self, timeout: float = DEFAULT_TIMEOUT) -> dict:
        return await self.comm.receive_output(timeout)

    async def recv(self, timeout: float = DEFAULT_TIMEOUT) -> dict:
        """The next message; fails if the socket closes instead."""
        output = await self.output(timeout)
        if output["type"] == "websocket.close":
            self.closed_code = output.get("code", 1000)
            raise SocketClosed(f"socket closed with {self.closed_code} instead of sending")
        assert output["type"] == "websocket.send", output
        assert "text" in output, f"binary frame from the server: {output!r}"
        message = json.loads(output["text"])
        assert isinstance(message, dict) and isinstance(message.get("type"), str), message
        return message

    async def expect(self, kind: str, timeout: float = DEFAULT_TIMEOUT, **fields) -> dict:
        """The next message must be of type ``kind`` and carry ``fields`` with these values."""
        message = await self.recv(timeout)
        assert message["type"] == kind, f"expected {kind!r}, got {message!r}"
        for key, value in fields.items():
            assert key in message, f"{kind} has no {key!r}: {message!r}"
            assert message[key] == value, f"{kind}.{key} is {message[key]!r}, not {value!r}"
        return message

    async def expect_skipping(
        self, kind: str, skip: tuple[str, ...], timeout: float = DEFAULT_TIMEOUT, **fields
    ) -> dict:
        """Like ``expect`` but messages whose type is in ``skip`` may come first (and only
        those): for sockets that also carry pushes the test is not about."""
        while True:
            message = await self.recv(timeout)
            if message["type"] in skip and message["type"] != kind:
                continue
            assert message["type"] == kind, f"expected {kind!r}, got {message!r}"
            for key, value in fields.items():
                assert message.get(key) == value, f"{kind}.{key}: {message!r}"
            return message

    async def expect_error(self, code: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict:
        message = await self.expect("error", timeout)
        assert isinstance(message.get("detail"), str) and message["detail"], message
        if code is not None:
            assert message.get("code") == code, f"error code {message.get('code')!r} != {code!r}"
        return message

    async def close_code(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """The next output must be the close; returns its code."""
        output = await self.output(timeout)
        assert output["type"] == "websocket.close", f"expected a close, got {output!r}"
        self.closed_code = output.get("code", 1000)
        return self.closed_code

    async def nothing(self, timeout: float = 0.3) -> None:
        """Nothing arrives within ``timeout`` seconds."""
        if not await self.comm.receive_nothing(timeout=timeout):
            unexpected = await self.comm.receive_output(0.1)
            raise AssertionError(f"expected silence, got {unexpected!r}")

    async def send(self, message) -> None:
        await self.comm.send_json_to(message)

    async def send_text(self, text: str) -> None:
        await self.comm.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.comm.send_to(bytes_data=data)

    async def leave(self) -> None:
        """The client goes away (runs the consumer's disconnect)."""
        if self.finished:
            return
        self.finished = True
        if self.comm.future.done():
            return  # stopped already, or cancelled by a receive that timed out
        with contextlib.suppress(Exception):
            await self.comm.disconnect(timeout=DEFAULT_TIMEOUT)


class RoomSocket(Socket):
    """``/ws/room/{session_id}/``."""

    def __init__(self, user, session_id: int, **kwargs):
        super().__init__(user, f"/ws/room/{session_id}/", **kwargs)
        self.session_id = session_id
        self.welcome: dict | None = None

    @property
    def peer_id(self) -> str:
        assert self.welcome is not None, "not in the room"
        return self.welcome["peer_id"]

    async def open(self) -> "RoomSocket":
        """Connect and receive the welcome."""
        await self.connect()
        self.welcome = await self.expect("welcome")
        return self

    async def refused(self) -> int:
        """Connect and expect a refusal: returns the close code (an ``error`` may come first)."""
        await self.connect()
        output = await self.output()
        if output["type"] == "websocket.send":
            self.refusal = json.loads(output["text"])
            assert self.refusal["type"] == "error", self.refusal
            output = await self.output()
        assert output["type"] == "websocket.close", output
        self.closed_code = output.get("code", 1000)
        await self.leave()
        return self.closed_code

    async def ready(self, ready: bool = True) -> None:
        await self.send({"type": "ready" if ready else "unready"})

    async def chat(self, text) -> None:
        await self.send({"type": "chat", "text": text})


class SessionSocket(Socket):
    """bookings' ``/ws/sessions/{session_id}/`` (where ``booking.attended`` is pushed)."""

    def __init__(self, user, session_id: int, **kwargs):
        super().__init__(user, f"/ws/sessions/{session_id}/", **kwargs)


class Sockets:
    """Opens sockets and closes every one of them at the end of a test."""

    def __init__(self):
        self.opened: list[Socket] = []

    def track(self, socket: Socket) -> Socket:
        self.opened.append(socket)
        return socket

    async def room(self, user, session_id: int, **kwargs) -> RoomSocket:
        """An open room socket (welcome received)."""
        return await self.track(RoomSocket(user, session_id, **kwargs)).open()

    async def refused(self, user, session_id: int, **kwargs) -> int:
        return await self.track(RoomSocket(user, session_id, **kwargs)).refused()

    async def session(self, user, session_id: int, **kwargs) -> SessionSocket:
        return await self.track(SessionSocket(user, session_id, **kwargs)).connect()

    async def close_all(self) -> None:
        for socket in reversed(self.opened):
            await socket.leave()
        self.opened.clear()
