"""What makes a shared push to 500 sockets cheap on Daphne, proved on the real parts: the push is
framed once and handed to the kernel at once (no Twisted writer registered per socket), and the
per-learner work of the same commit waits until the push has been written; a push is fanned out
by the process that sent it and carried by Redis to the others only (bench/fanout.py measures the effect; these tests hold the mechanism)."""

import asyncio
import contextlib
import functools
import json
import socket
import time

import pytest
from channels.sessions import InstanceSessionWrapper
from channels_redis.core import RedisChannelLayer
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet import protocol as twisted_protocol
from twisted.internet import reactor, tcp

from peerlearn_core.realtime import group_event, relay_event
from peerlearn_core.realtime import shared as shared_module
from peerlearn_core.realtime.consumers import GroupRelayConsumer
from peerlearn_core.realtime.shared import fan_outs_done, send_to_group, shared_groups
from peerlearn_core.realtime.wire import SharedFrame, _send_now, daphne_protocol, spread_keepalive

from .conftest import run_async


def daphne_send(protocol):
    """The ASGI send Daphne gives an application instance (daphne.server.create_application)."""
    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    return functools.partial(server.handle_reply, protocol)


def test_the_wire_is_found_behind_channels_session_wrapper():
    protocol = WebSocketProtocol()
    wrapped = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, daphne_send(protocol))
    assert daphne_protocol(wrapped.send) is protocol
    assert daphne_protocol(daphne_send(protocol)) is protocol


def test_no_wire_for_other_servers_sends():
    async def communicator_send(message):
        return None

    assert daphne_protocol(communicator_send) is None
    assert daphne_protocol(functools.partial(print, WebSocketProtocol())) is None
    assert daphne_protocol(None) is None


@pytest.fixture
def connected_pair():
    """A real Twisted TCP server transport on one end of a socket pair; the test reads the other."""
    ours, peer = socket.socketpair()
    transport = tcp.Server(ours, twisted_protocol.Protocol(), ("127.0.0.1", 1), None, 1, reactor)
    peer.settimeout(2)
    yield transport, peer
    # Unregistered before the descriptor closes: the reactor's selector outlives this test.
    transport.stopReading()
    transport.stopWriting()
    ours.close()
    peer.close()


def test_bytes_reach_the_kernel_at_once_without_a_writer(connected_pair):
    transport, peer = connected_pair
    assert _send_now(transport, b"ready")
    assert peer.recv(64) == b"ready"
    # Nothing was left for the reactor: no writer registered, nothing buffered.
    assert transport not in reactor.getWriters()
    assert transport.dataBuffer == b"" and not transport._tempDataBuffer


def test_bytes_queued_in_twisted_keep_their_order(connected_pair):
    transport, peer = connected_pair
    transport.write(b"first")  # buffered until the reactor's next turn
    assert not _send_now(transport, b"second")
    transport.doWrite()
    assert peer.recv(64) == b"first"


def test_what_the_kernel_does_not_take_is_queued_in_order(connected_pair):
    transport, peer = connected_pair
    transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big = bytes(range(256)) * 4096  # 1 MiB, far more than the socket buffer
    assert _send_now(transport, big)
    assert transport in reactor.getWriters()  # the rest waits for the socket to drain
    received = bytearray()
    while len(received) < len(big):
        transport.doWrite()
        received += peer.recv(65536)
    assert bytes(received) == big


def test_a_shared_frame_is_one_websocket_text_frame(connected_pair):
    transport, peer = connected_pair
    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    factory = WebSocketFactory(server)
    protocol = factory.buildProtocol(("127.0.0.1", 1))
    protocol.makeConnection(transport)
    protocol.state = protocol.STATE_OPEN  # as after the opening handshake
    text = json.dumps({"type": "mentor.ready", "message": "Mentor is ready—please confirm."})
    frame = SharedFrame(text)
    assert frame.write(protocol)
    payload = text.encode()
    # FIN + text opcode, unmasked (server to client), 7-bit length, then the UTF-8 payload.
    assert peer.recv(256) == bytes([0x81, len(payload)]) + payload
    protocol.state = protocol.STATE_CLOSING
    assert not frame.write(protocol)


class Recorded:
    """A consumer whose ASGI send (the server's part) records what it was given."""

    def __init__(self, group: str):
        self.consumer = GroupRelayConsumer()
        self.consumer.groups_joined = [group]
        self.consumer.user_id = 1
        self.sent: list[dict] = []
        self._arrived = asyncio.Event()

        async def base_send(message):
            self.sent.append(message)
            self._arrived.set()

        self.consumer.base_send = base_send

    async def until_sent(self, count: int, timeout: float = 5.0) -> None:
        """Until ``count`` messages were sent to this socket (woken by each send, no polling)."""
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self._arrived.clear()
                await self._arrived.wait()


@contextlib.asynccontextmanager
async def watched(redis_url):
    """A Redis layer, and this process watching one shared group with one socket."""
    layer = RedisChannelLayer(hosts=[redis_url], prefix="wire-test")
    group = "session_wire_test"
    socket_a = Recorded(group)
    hub = shared_groups(layer)
    await hub.join(group, socket_a.consumer)
    try:
        yield layer, group, hub, socket_a
    finally:
        await hub.leave(group, socket_a.consumer)
        for task in hub._tasks:
            task.cancel()
        await layer.flush()


# The scenarios run on their own loop (run_async): browser tests earlier in the session may own
# the main thread's loop.


def _frames(recorded: Recorded) -> list[dict]:
    return [json.loads(message["text"]) for message in recorded.sent]


@pytest.mark.redis
def test_a_push_is_fanned_out_here_at_once_and_through_redis_to_other_processes_only(redis_url):
    """Two processes (two layers, two hubs) watch one group. A push sent from A reaches A's
    socket from A itself, before background work may start, and B's through Redis; Redis never
    brings it back to A (B's later push, behind it in A's queue, arrives alone)."""

    async def scenario():
        async with watched(redis_url) as (layer_a, group, hub_a, socket_a):
            layer_b = RedisChannelLayer(hosts=[redis_url], prefix="wire-test")
            socket_b = Recorded(group)
            hub_b = shared_groups(layer_b)
            await hub_b.join(group, socket_b.consumer)
            try:
                push = relay_event("mentor.ready", {"session_id": 1})
                await send_to_group(layer_a, group, group_event(group, push))
                await fan_outs_done()  # what background work of the same commit waits for
                assert not hub_a.expected
                assert _frames(socket_a) == [{"type": "mentor.ready", "session_id": 1}]
                await socket_b.until_sent(1)
                marker = relay_event("mentor.cancel_ready", {"session_id": 1})
                await send_to_group(layer_b, group, group_event(group, marker))
                await socket_a.until_sent(2)
                return _frames(socket_a), _frames(socket_b)
            finally:
                await hub_b.leave(group, socket_b.consumer)
                for task in hub_b._tasks:
                    task.cancel()

    frames_a, frames_b = run_async(scenario())
    expected = [
        {"type": "mentor.ready", "session_id": 1},
        {"type": "mentor.cancel_ready", "session_id": 1},
    ]
    assert frames_a == expected
    assert frames_b == expected


@pytest.mark.redis
def test_a_process_fans_out_its_own_push_without_the_layer(redis_url):
    """The mechanism: with this process's channel struck from the group in Redis behind its
    back, its socket still gets its push (through Redis it could not)."""

    async def scenario():
        async with watched(redis_url) as (layer, group, hub, socket_a):
            await layer.group_discard(group, hub.channel)
            push = relay_event("mentor.ready", {"session_id": 1})
            await send_to_group(layer, group, group_event(group, push))
            await fan_outs_done()
            assert not hub.expected
            return _frames(socket_a)

    assert run_async(scenario()) == [{"type": "mentor.ready", "session_id": 1}]


def test_in_memory_the_hub_fans_out_its_own_push_and_the_layer_serves_other_members():
    from peerlearn_core.realtime.layers import InMemoryChannelLayer

    async def scenario():
        layer = InMemoryChannelLayer()
        group = "session_wire_memory"
        socket_a = Recorded(group)
        hub = shared_groups(layer)
        await hub.join(group, socket_a.consumer)
        plain = await layer.new_channel()  # a socket that joined the group by its own channel
        await layer.group_add(group, plain)
        # Struck from the group in the layer: the hub's socket can only get its own process's
        # pushes from the process itself.
        await layer.group_discard(group, hub.channel)
        try:
            for n in (1, 2):
                push = relay_event("mentor.ready", {"n": n})
                await send_to_group(layer, group, group_event(group, push))
            await fan_outs_done()
            got_plain = [await asyncio.wait_for(layer.receive(plain), 2) for _ in range(2)]
            return _frames(socket_a), [event["message"]["n"] for event in got_plain]
        finally:
            for task in hub._tasks:
                task.cancel()

    frames, plain = run_async(scenario())
    assert frames == [{"type": "mentor.ready", "n": 1}, {"type": "mentor.ready", "n": 2}]
    assert plain == [1, 2]


@pytest.mark.redis
def test_a_push_that_never_comes_back_does_not_stall_background_work(
    redis_url, monkeypatch, caplog
):
    monkeypatch.setattr(shared_module, "EXPECT_SECONDS", 0.2)

    async def scenario():
        async with watched(redis_url) as (_layer, group, hub, _socket):
            hub.expect(group)  # noted as sent, but the message never reaches Redis
            waited = asyncio.get_running_loop().time()
            await fan_outs_done()
            assert not hub.expected
            return asyncio.get_running_loop().time() - waited

    assert run_async(scenario()) >= 0.2
    assert "1 shared pushes did not come back" in caplog.text


@pytest.mark.redis
def test_many_group_sends_in_a_few_round_trips_reach_exactly_their_members(redis_url):
    """The per-learner pushes of a Ready (one group per learner) go out batched; each member
    channel, process-local or not, gets its own group's message and nothing else."""
    run_async(_many_group_sends(redis_url))


async def _many_group_sends(redis_url):
    from peerlearn_core.realtime import redis_batch

    layer = RedisChannelLayer(hosts=[redis_url], prefix="wire-batch", capacity=3)
    try:
        local = [await layer.new_channel() for _ in range(3)]  # one process's sockets
        plain = "plain.channel"
        for user, channel in enumerate(local):
            await layer.group_add(f"notifications_{user}", channel)
        await layer.group_add("notifications_0", plain)
        await layer.group_add("notifications_9", plain)
        events = [
            (f"notifications_{user}", {"type": "relay", "message": {"user": user}})
            for user in [0, 1, 2, 5, 9]  # nobody watches 5
        ]
        assert redis_batch.batches(layer)
        assert await redis_batch.group_send_many(layer, events) == 0
        for user, channel in enumerate(local):
            got = await asyncio.wait_for(layer.receive(channel), 2)
            assert got == {"type": "relay", "message": {"user": user}}
        got_plain = [await asyncio.wait_for(layer.receive(plain), 2) for _ in range(2)]
        assert sorted(m["message"]["user"] for m in got_plain) == [0, 9]
        # Nothing else is queued for anyone.
        for channel in [*local, plain]:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), 0.2)
        # A full channel refuses, as group_send does (capacity 3 here).
        many = [("notifications_9", {"type": "relay", "message": {"n": n}}) for n in range(4)]
        assert await redis_batch.group_send_many(layer, many) == 1
    finally:
        await layer.flush()


def test_sockets_opened_together_are_pinged_spread_over_daphnes_interval():
    """Daphne pings a socket that sent nothing for ping_interval seconds, checking every 2 s:
    500 sockets opened in the same second would all be pinged in the same check."""
    server = Server(
        application=None, endpoints=["tcp:port=0:interface=127.0.0.1"], ping_interval=20
    )
    opened_at = time.time()
    protocols = []
    for _ in range(500):
        protocol = WebSocketProtocol()
        protocol.server = server
        protocol.last_ping = opened_at
        spread_keepalive(protocol)
        protocols.append(protocol)
    waits = [p.last_ping + server.ping_interval - opened_at for p in protocols]
    # No ping later than Daphne's own schedule, none before the socket opened.
    assert all(0 <= wait <= 20 for wait in waits)
    # Daphne's 2 s checks each ping about a tenth of them (50), never most of them at once.
    per_check = [sum(1 for wait in waits if k * 2 <= wait < (k + 1) * 2) for k in range(10)]
    assert max(per_check) < 100, per_check
    assert min(per_check) > 15, per_check


def test_a_server_without_keepalive_pings_is_left_alone():
    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"], ping_interval=0)
    protocol = WebSocketProtocol()
    protocol.server = server
    protocol.last_ping = 1000.0
    spread_keepalive(protocol)
    assert protocol.last_ping == 1000.0
