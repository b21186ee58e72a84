"""A room-socket client for a real server (Daphne over TCP), on the ``websockets`` library.

    async with LiveRoomSocket.connect(base_ws_url, session_id, token=access, origin=origin) as ws:
        await ws.expect("peer.joined", peer_id=...)

Same strict receive helpers as ``sockets.RoomSocket`` (the next message must be the expected one);
``nothing()`` waits a real timeout (cancelling ``recv`` is safe in websockets' asyncio client).
"""

import asyncio
import json
from contextlib import asynccontextmanager

DEFAULT_TIMEOUT = 5.0


class LiveRoomSocket:
    def __init__(self, ws):
        self.ws = ws
        self.welcome: dict | None = None

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, base_url: str, session_id: int, *, token: str, origin: str | None = None
    ):
        """Open ``{base_url}/ws/room/{session_id}/`` (base_url like ``ws://127.0.0.1:8001``)."""
        from websockets.asyncio.client import connect

        async with connect(
            f"{base_url}/ws/room/{session_id}/",
            additional_headers={"Authorization": f"Bearer {token}"},
            origin=origin,
            open_timeout=DEFAULT_TIMEOUT,
        ) as ws:
            yield cls(ws)

    async def open(self) -> "LiveRoomSocket":
        self.welcome = await self.expect("welcome")
        return self

    @property
    def peer_id(self) -> str:
        assert self.welcome is not None, "not in the room"
        return self.welcome["peer_id"]

    async def recv(self, timeout: float = DEFAULT_TIMEOUT) -> dict:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(raw, str), f"binary frame from the server: {raw!r}"
        message = json.loads(raw)
        assert isinstance(message, dict) and isinstance(message.get("type"), str), message
        return message

    async def expect(self, kind: str, timeout: float = DEFAULT_TIMEOUT, **fields) -> dict:
        message = await self.recv(timeout)
        assert message["type"] == kind, f"expected {kind!r}, got {message!r}"
        for key, value in fields.items():
            assert key in message, f"{kind} has no {key!r}: {message!r}"
            assert message[key] == value, f"{kind}.{key} is {message[key]!r}, not {value!r}"
        return message

    async def expect_error(self, code: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict:
        message = await self.expect("error", timeout)
        if code is not None:
            assert message.get("code") == code, message
        return message

    async def close_code(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """The server closes the socket next (no message before it); returns the close code."""
        from websockets.exceptions import ConnectionClosed

        try:
            extra = await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame from the server"
            return closed.rcvd.code
        raise AssertionError(f"expected the socket to close, got {extra!r}")

    async def nothing(self, timeout: float = 0.5) -> None:
        try:
            unexpected = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            return
        raise AssertionError(f"expected silence, got {unexpected!r}")

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def ready(self, ready: bool = True) -> None:
        await self.send({"type": "ready" if ready else "unready"})

    async def chat(self, text) -> None:
        await self.send({"type": "chat", "text": text})
