"""The room across two Daphne processes sharing one Redis and one database: the mentor's socket
is on A, the learners' on B, and everything of the room table in CONTRACT.md still holds.

Presence lives in the database and pushes go through the Redis channel layer, so a room works
whichever process each peer landed on: welcome/peer.joined, ready/all_ready/start/call.started,
the addressed relay (channel to channel, across processes), chat, decline, leave and rejoin,
replacement by a socket on the other process, and the mentor's decline cancelling for everyone.
"""

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
import requests

from peerlearn_rtc.testing.live import LiveRoomSocket

from .conftest import SiteServer, run_async, two_daphnes, unique_email

pytestmark = [pytest.mark.redis, pytest.mark.slow]

PASSWORD = "plum-orchard-5521"
FORGED = "forged-peer-id"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_url):
    with two_daphnes(tmp_path_factory.mktemp("room-two"), redis_url) as servers:
        yield servers


class Account:
    def __init__(self, server: SiteServer, *, name: str, role: str):
        self.name = name
        email = unique_email(role)
        body = {"email": email, "password": PASSWORD, "name": name, "role": role}
        created = requests.post(f"{server.url}/api/auth/register/", json=body, timeout=10)
        assert created.status_code == 201, created.text
        self.id = created.json()["id"]
        token = requests.post(
            f"{server.url}/api/auth/token/",
            json={"email": email, "password": PASSWORD},
            timeout=10,
        )
        assert token.status_code == 200, token.text
        self.token = token.json()["access"]

    def call(self, server: SiteServer, method: str, path: str, **kwargs):
        return requests.request(
            method,
            f"{server.url}{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
            **kwargs,
        )


@pytest.fixture
def world(two_servers):
    """A mentor (registered on A) with a free session starting in 3 minutes, booked on B by
    three learners."""
    a, b = two_servers
    mentor = Account(a, name="Mentor Maya", role="mentor")
    learners = [Account(b, name=f"Learner {n}", role="learner") for n in ("Lina", "Omar", "Ravi")]
    starts_at = (datetime.now(UTC) + timedelta(minutes=3)).replace(microsecond=0)
    created = mentor.call(
        a,
        "POST",
        "/api/sessions/",
        json={
            "title": "Two processes, one room",
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 60,
            "max_participants": 5,
            "price": "0.00",
        },
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    bookings = {}
    for learner in learners:
        booked = learner.call(b, "POST", f"/api/sessions/{session_id}/book/")
        assert booked.status_code == 201, booked.text
        bookings[learner.id] = booked.json()["id"]
    return dict(
        a=a, b=b, mentor=mentor, learners=learners, session_id=session_id, bookings=bookings
    )


def room_socket(stack: AsyncExitStack, server: SiteServer, account: Account, session_id: int):
    return stack.enter_async_context(
        LiveRoomSocket.connect(
            f"ws://127.0.0.1:{server.port}",
            session_id,
            token=account.token,
            origin=f"http://127.0.0.1:{server.port}",  # the site's own origin: same host and port
        )
    )


async def joined(stack, server, account, session_id, *present) -> LiveRoomSocket:
    sock = await (await room_socket(stack, server, account, session_id)).open()
    for other in present:
        await other.expect(
            "peer.joined", peer_id=sock.peer_id, user_id=account.id, name=account.name
        )
    return sock


async def everyone(socks, kind, **fields):
    return [await sock.expect(kind, **fields) for sock in socks]


def test_the_room_works_across_two_processes(world):
    a, b, mentor = world["a"], world["b"], world["mentor"]
    lina, omar, ravi = world["learners"]
    sid = world["session_id"]

    async def scenario():
        async with AsyncExitStack() as stack:
            # welcome / peer.joined: the mentor on A, the learners on B.
            m = await joined(stack, a, mentor, sid)
            assert m.welcome["role"] == "mentor" and m.welcome["peers"] == []
            l1 = await joined(stack, b, lina, sid, m)
            assert [(p["peer_id"], p["role"]) for p in l1.welcome["peers"]] == [
                (m.peer_id, "mentor")
            ]
            l2 = await joined(stack, b, omar, sid, m, l1)
            assert {p["peer_id"] for p in l2.welcome["peers"]} == {m.peer_id, l1.peer_id}
            room = [m, l1, l2]

            # ready -> all_ready -> start (refused before all_ready and from a learner).
            await m.send({"type": "start"})
            await m.expect_error("not_all_ready")
            for sock in (l1, l2):
                await sock.ready()
                await everyone(room, "peer.ready", peer_id=sock.peer_id, ready=True)
            await m.ready()
            await everyone(room, "peer.ready", peer_id=m.peer_id, ready=True, all_ready=True)
            await everyone(room, "all_ready")
            await l1.send({"type": "start"})
            await l1.expect_error("permission_denied")
            await m.send({"type": "start"})
            await everyone(room, "call.started")

            # The relay: addressed, across processes, `from` set by the server.
            await l1.send({"type": "offer", "to": m.peer_id, "sdp": "v=0 l1", "from": FORGED})
            await m.expect("offer", sdp="v=0 l1", **{"from": l1.peer_id})
            await m.send({"type": "answer", "to": l2.peer_id, "sdp": "v=0 m", "from": FORGED})
            await l2.expect("answer", sdp="v=0 m", **{"from": m.peer_id})
            candidate = {"candidate": "candidate:1 1 udp 1 10.0.0.2 9 typ host", "sdpMid": "0"}
            await l2.send({"type": "ice", "to": l1.peer_id, "candidate": candidate})
            await l1.expect("ice", candidate=candidate, **{"from": l2.peer_id})
            await l1.send({"type": "offer", "to": "no-such-peer", "sdp": "v=0"})
            await l1.expect_error("bad_address")
            for sock in room:  # nothing went anywhere else
                await sock.nothing(0.3)

            # Chat: everyone, stored for the transcript (read through A).
            await l2.chat("hello from B <3")
            for sock in room:
                got = await sock.expect("chat", text="hello from B <3", name=omar.name)
                assert got["from"] == l2.peer_id
            transcript = mentor.call(a, "GET", f"/api/sessions/{sid}/transcript/")
            assert transcript.status_code == 200
            assert f"] {omar.name}: hello from B <3\n" in transcript.text

            # Disconnect and rejoin with a fresh peer id.
            old_l1 = l1.peer_id
            await l1.ws.close()
            await everyone([m, l2], "peer.left", peer_id=old_l1, reason="disconnected")
            l1 = await joined(stack, b, lina, sid, m, l2)
            assert l1.peer_id != old_l1 and l1.welcome["call_started"] is True
            await l1.send({"type": "offer", "to": m.peer_id, "sdp": "v=0 again"})
            await m.expect("offer", sdp="v=0 again", **{"from": l1.peer_id})

            # A second socket of the same learner, on the other process, replaces the first.
            l1_on_a = await (await room_socket(stack, a, lina, sid)).open()
            assert await l1.close_code() == 4409
            await m.expect("peer.left", peer_id=l1.peer_id, reason="replaced")
            await m.expect("peer.joined", peer_id=l1_on_a.peer_id, user_id=lina.id)
            await l2.expect("peer.left", peer_id=l1.peer_id, reason="replaced")
            await l2.expect("peer.joined", peer_id=l1_on_a.peer_id)
            await l1_on_a.expect("peer.left", peer_id=l1.peer_id, reason="replaced")
            l1 = l1_on_a

            # A learner declines: booking declined, the others told, that socket closed 4403.
            await l2.send({"type": "decline"})
            await everyone([m, l1], "peer.left", peer_id=l2.peer_id, reason="declined")
            assert await l2.close_code() == 4403

            # A learner joins late on B; then the mentor (on A) declines: all get cancelled.
            l3 = await joined(stack, b, ravi, sid, m, l1)
            await m.send({"type": "decline"})
            for sock in (m, l1, l3):
                await sock.expect("session.cancelled", by="mentor")
                assert await sock.close_code() == 4403

    run_async(scenario())

    booking = omar.call(b, "GET", "/api/bookings/").json()
    rows = booking if isinstance(booking, list) else booking["results"]
    declined = next(row for row in rows if row["id"] == world["bookings"][omar.id])
    assert declined["declined"] is True and declined["confirmed"] is False
    session = mentor.call(a, "GET", f"/api/sessions/{sid}/").json()
    assert session["status"] == "cancelled"


def test_refusals_over_real_daphne(world):
    a, b, mentor = world["a"], world["b"], world["mentor"]
    lina = world["learners"][0]
    sid = world["session_id"]
    outsider = Account(a, name="Outsider Otto", role="learner")

    async def refused(server, account, *, origin=None, token=None) -> int:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        headers = {"Authorization": f"Bearer {token or account.token}"} if account else {}
        async with connect(
            f"ws://127.0.0.1:{server.port}/ws/room/{sid}/",
            additional_headers=headers,
            origin=origin,
        ) as ws:
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed as closed:
                return closed.rcvd.code

    async def scenario():
        return [
            await refused(b, None),
            await refused(b, lina, token="not-a-jwt"),
            await refused(b, lina, origin="https://evil.example.com"),
            await refused(a, outsider),
        ]

    assert run_async(scenario()) == [4401, 4401, 4403, 4403]
    # A declined learner is refused on either process.
    booking_id = world["bookings"][lina.id]
    assert lina.call(a, "POST", f"/api/bookings/{booking_id}/decline/").status_code == 200
    assert run_async(refused(b, lina)) == 4403
    # The mentor still gets in.

    async def mentor_in():
        async with AsyncExitStack() as stack:
            sock = await (await room_socket(stack, a, mentor, sid)).open()
            return sock.welcome["role"]

    assert run_async(mentor_in()) == "mentor"
