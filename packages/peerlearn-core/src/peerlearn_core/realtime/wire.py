"""A shared push written straight to Daphne's WebSocket protocols, framed once.

Why: on Daphne a consumer's ``send`` passes, for every socket, through Channels' session wrapper,
Daphne's ``handle_reply`` (a coroutine), its ``serverSend`` and autobahn's framing. A shared push
(one session's Ready to 500 learners) is the same frame 500 times, so it is framed once with
autobahn's ``PreparedMessage`` and handed to each open protocol. What the bypassed layers do for
a ``websocket.send`` is nothing this needs: the session wrapper saves sessions only on
``http.response.start``, and Daphne's check (is the connection still there) is the protocol's
own state here.

Anything that is not Daphne behind known wrappers (another ASGI server, the test communicator,
an unknown middleware) has no wire and keeps the plain ASGI ``send``.
"""

import functools
import random

# How far to follow wrappers of an ASGI send before giving up (ours plus Channels' session).
_MAX_WRAPPERS = 8


def daphne_protocol(send):
    """The Daphne ``WebSocketProtocol`` an ASGI ``send`` ends in, or None.

    Daphne builds ``send`` as ``partial(server.handle_reply, protocol)``; Channels'
    ``InstanceSessionWrapper`` keeps the send it wraps as ``real_send``."""
    for _ in range(_MAX_WRAPPERS):
        if isinstance(send, functools.partial):
            func, args = send.func, send.args
            if (
                getattr(func, "__name__", None) == "handle_reply"
                and type(getattr(func, "__self__", None)).__module__ == "daphne.server"
                and len(args) == 1
                and hasattr(args[0], "sendPreparedMessage")
            ):
                return args[0]
            return None
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            return None
    return None


class SharedFrame:
    """One push for many sockets: its text, and its WebSocket frame prepared once per factory."""

    __slots__ = ("_payload", "_prepared", "text")

    def __init__(self, text: str):
        self.text = text
        self._payload = text.encode("utf-8")
        self._prepared: dict[int, object] = {}

    def write(self, protocol) -> bool:
        """Write to ``protocol`` if it is open; False when it is not (closing or gone)."""
        if protocol.state != protocol.STATE_OPEN or protocol.transport is None:
            return False
        factory = protocol.factory
        prepared = self._prepared.get(id(factory))
        if prepared is None:
            prepared = self._prepared[id(factory)] = factory.prepareMessage(self._payload)
        if (
            protocol._perMessageCompress is not None
            or protocol.send_queue
            or not _send_now(protocol.transport, prepared.payloadHybi)
        ):
            protocol.sendPreparedMessage(prepared)
        return True


def spread_keepalive(protocol) -> None:
    """Move this socket's first keepalive ping to a random point of Daphne's ping interval.

    Why: Daphne pings a socket that sent nothing for ``ping_interval`` seconds (20), checking all
    sockets every 2 s, so sockets opened together (a class joining as its session starts, a
    reconnect after a restart) are pinged together, and so are they every interval after. With
    500 sockets the pings and their pongs held the event loop about 50 ms, delaying any push of
    that moment. Spread, each 2 s check pings a tenth of them. A socket is pinged no later than
    it would have been."""
    interval = getattr(getattr(protocol, "server", None), "ping_interval", None)
    last_ping = getattr(protocol, "last_ping", None)
    if isinstance(interval, int | float) and interval > 0 and isinstance(last_ping, float):
        protocol.last_ping = last_ping - random.uniform(0, interval)


def _send_now(transport, data: bytes) -> bool:
    """Hand ``data`` to the kernel now when Twisted holds nothing else for this socket.

    Why: Twisted's ``write`` only buffers and registers a writer; the bytes leave on the loop's
    next turn, after an epoll registration, a dispatch and an unregistration, which for 500
    sockets is most of a fan-out's time. ``websockets`` (asyncio) sends at once the same way.
    False means "not done": a TLS or unknown transport, queued bytes (order), a closing socket.
    What the kernel does not take now is queued through Twisted as usual."""
    if type(transport) is not _TCP_SERVER:
        return False
    if (
        not transport.connected
        or transport.disconnecting
        or getattr(transport, "_writeDisconnected", True)
        or getattr(transport, "_tempDataLen", 1)
        or len(transport.dataBuffer) != transport.offset
    ):
        return False
    try:
        sent = transport.socket.send(data)
    except BlockingIOError:
        sent = 0
    except OSError:
        return False  # Twisted's own write path notices the broken connection and closes it
    if sent < len(data):
        transport.write(data[sent:])
    return True


try:
    from twisted.internet.tcp import Server as _TCP_SERVER
except ImportError:  # no Twisted: no Daphne, no wire
    _TCP_SERVER = None
