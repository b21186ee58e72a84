"""Two aiortc peers make a real WebRTC call through the site's own signaling socket.

A mentor and a booked learner (accounts, session and booking made over the HTTP API of a Daphne
subprocess) go through ``welcome`` → ``ready`` → ``all_ready`` → ``start`` → ``call.started``,
then exchange offer, answer and trickled ICE candidates through ``/ws/room/{id}/`` and pass a
message each way over an RTCDataChannel:

1. directly (host candidates, no ICE servers: the site without TURN hands out none);
2. through a ``turnserver`` (coturn) started on loopback, with credentials minted by the site's
   ice-servers endpoint and only ``typ relay`` candidates signalled (aiortc has no
   iceTransportPolicy), so the selected pair is relay on both sides;
3. with credentials that expired already (a site run with a negative TURN_TTL_SECONDS): coturn
   refuses the allocation, no relay candidate is gathered and the call does not connect.

A fourth test (plain websockets clients) checks that a relayed signal does not wait behind
another peer's database write (SQLite's write lock held from outside).

Each scenario runs on its own event loop in a worker thread, like tests/test_redis_fanout.py.
"""

import asyncio
import json
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import websockets
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from .conftest import (
    SiteServer,
    free_port,
    port_open,
    require,
    run_async,
    site_env,
    unique_email,
)

pytestmark = [pytest.mark.slow]

PASSWORD = "plum-orchard-5521"
TURN_SECRET = f"turn-test-{uuid.uuid4().hex}"
SIGNALS = {"offer", "answer", "ice"}
CONNECT_SECONDS = 15  # a connection that works takes well under a second here
FAIL_SECONDS = 6  # how long a call with no usable candidate is given to connect anyway


# --- services --------------------------------------------------------------------------------


@dataclass
class Turn:
    port: int
    log: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.log_text())
            if found or time.monotonic() > deadline:
                return found.group(0) if found else None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def turnserver(tmp_path_factory):
    binary = shutil.which("turnserver")
    require(binary is not None, "coturn's turnserver is not installed (scripts/test-deps.sh)")
    tmp = tmp_path_factory.mktemp("coturn")
    port, low = free_port(), 49152 + (free_port() % 8000)
    log = tmp / "turn.log"
    proc = subprocess.Popen(
        [
            binary,
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--use-auth-secret",
            f"--static-auth-secret={TURN_SECRET}",
            "--realm=peerlearn.test",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--fingerprint",
            "--allow-loopback-peers",
            f"--min-port={low}",
            f"--max-port={low + 200}",
            f"--log-file={log}",
            "--simple-log",
            "--verbose",  # logs each ALLOCATE with its username, which the relay test checks
            f"--pidfile={tmp / 'turnserver.pid'}",
            f"--userdb={tmp / 'turndb.sqlite3'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    turn = Turn(port, log, proc)
    deadline = time.monotonic() + 10
    while not (port_open("127.0.0.1", port) and "UDP listener opened" in turn.log_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"turnserver did not start: {turn.log_text()[-2000:]}")
        time.sleep(0.1)
    yield turn
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def site_env_base(tmp_path_factory):
    """One migrated SQLite file shared by the Daphne processes of this module. Each scenario
    keeps all its sockets on one process (the in-memory channel layer is per process)."""
    tmp = tmp_path_factory.mktemp("rtc-site")
    env = site_env(tmp)
    SiteServer(env, 0).manage("migrate", "--noinput", "-v0")
    return env


def _serve(env: dict):
    server = SiteServer(env, free_port()).start()
    try:
        yield server
    finally:
        # A room disconnect still in flight when Daphne gets SIGTERM keeps the process alive until
        # SIGKILL: leave_room's after-commit push (async_to_sync in the database thread) waits for
        # an event loop that has stopped. Give the last disconnects a moment to finish first.
        time.sleep(0.5)
        server.stop()


@pytest.fixture(scope="module")
def plain_site(site_env_base):
    yield from _serve({**site_env_base, "TURN_URLS": "", "TURN_SECRET": ""})


@pytest.fixture(scope="module")
def turn_site(site_env_base, turnserver):
    yield from _serve(
        {
            **site_env_base,
            "TURN_URLS": turnserver.url,
            "TURN_SECRET": TURN_SECRET,
            "TURN_TTL_SECONDS": "600",
        }
    )


@pytest.fixture(scope="module")
def expired_turn_site(site_env_base, turnserver):
    yield from _serve(
        {
            **site_env_base,
            "TURN_URLS": turnserver.url,
            "TURN_SECRET": TURN_SECRET,
            "TURN_TTL_SECONDS": "-60",
        }
    )


# --- accounts and a booked session, over the HTTP API ----------------------------------------


@dataclass
class Room:
    site: SiteServer
    session_id: int
    mentor: dict
    learner: dict
    others: list[dict] = field(default_factory=list)  # more booked learners, when asked for

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.site.port}/ws/room/{self.session_id}/"

    def ice_servers(self, who: dict) -> list[dict]:
        response = requests.get(
            f"{self.site.url}/api/rtc/sessions/{self.session_id}/ice-servers/",
            headers={"Authorization": f"Bearer {who['access']}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["ice_servers"]


def _account(site: SiteServer, role: str, name: str) -> dict:
    body = {"email": unique_email(role), "password": PASSWORD, "name": name, "role": role}
    created = requests.post(f"{site.url}/api/auth/register/", json=body, timeout=10)
    assert created.status_code == 201, created.text
    token = requests.post(
        f"{site.url}/api/auth/token/",
        json={"email": body["email"], "password": PASSWORD},
        timeout=10,
    )
    assert token.status_code == 200, token.text
    return {**body, "id": created.json()["id"], "access": token.json()["access"]}


def booked_room(site: SiteServer, *, learners: int = 1) -> Room:
    mentor = _account(site, "mentor", "Mira Mentor")
    booked_learners = [_account(site, "learner", f"Lalit Learner {i}") for i in range(learners)]
    # The room opens 10 minutes before the start; booking needs a start still ahead.
    starts_at = datetime.now(UTC) + timedelta(minutes=2)
    created = requests.post(
        f"{site.url}/api/sessions/",
        json={
            "title": "WebRTC over aiortc",
            "description": "Signaling through the room socket.",
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 30,
            "max_participants": 4,
            "price": "0.00",
        },
        headers={"Authorization": f"Bearer {mentor['access']}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    for learner in booked_learners:
        booked = requests.post(
            f"{site.url}/api/sessions/{session_id}/book/",
            headers={"Authorization": f"Bearer {learner['access']}"},
            timeout=10,
        )
        assert booked.status_code == 201, booked.text
    return Room(site, session_id, mentor, booked_learners[0], booked_learners[1:])


# --- one aiortc peer driven by the room socket -----------------------------------------------


def _split_candidates(sdp: str) -> tuple[str, list[str]]:
    """The SDP without its candidate lines (they are trickled as ``ice`` messages instead), and
    those candidate lines."""
    kept, candidates = [], []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            candidates.append(line[2:])
        elif line != "a=end-of-candidates":
            kept.append(line)
    return "\r\n".join(kept) + "\r\n", candidates


@dataclass
class Peer:
    label: str
    ice_servers: list[dict]
    relay_only: bool = False
    ws: object = None
    welcome: dict = field(default_factory=dict)
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    received_text: asyncio.Queue = field(default_factory=asyncio.Queue)
    channel_open: asyncio.Event = field(default_factory=asyncio.Event)
    gathered: list[str] = field(default_factory=list)  # every local candidate aiortc found
    sent_candidates: list[str] = field(default_factory=list)  # those signalled to the other
    signals_in: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    channel: object = None

    def __post_init__(self):
        servers = [
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in self.ice_servers
        ]
        # An explicit empty list: otherwise aiortc asks a public STUN server.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.pc.on("datachannel", self._adopt_channel)

    @property
    def peer_id(self) -> str:
        return self.welcome["peer_id"]

    def _adopt_channel(self, channel) -> None:
        self.channel = channel
        channel.on("message", self.received_text.put_nowait)
        if channel.readyState == "open":
            self.channel_open.set()
        channel.on("open", self.channel_open.set)

    async def join(self, url: str, access: str) -> dict:
        self.ws = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {access}"}, open_timeout=10
        )
        self.welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert self.welcome["type"] == "welcome", self.welcome
        self.reader = asyncio.create_task(self._read())
        return self.welcome

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def expect(self, kind: str, timeout: float = 10.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.events.get()
                if message["type"] == kind:
                    return message

    async def _read(self) -> None:
        # Signals are handled in arrival order, so the description is set before its candidates.
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] in SIGNALS:
                self.signals_in.append(message)
                await self._on_signal(message)
            else:
                if message["type"] == "error":
                    self.errors.append(message)
                self.events.put_nowait(message)

    async def _describe_and_trickle(self, to: str, kind: str) -> None:
        """setLocalDescription gathers every candidate (aiortc does not trickle); the description
        goes without them, then each usable candidate as its own ``ice`` message, then null
        (end of candidates), as a browser would send them."""
        if kind == "offer":
            await self.pc.setLocalDescription(await self.pc.createOffer())
        else:
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        sdp, candidates = _split_candidates(self.pc.localDescription.sdp)
        self.gathered = candidates
        await self.send({"type": kind, "to": to, "sdp": {"type": kind, "sdp": sdp}})
        for line in candidates:
            if self.relay_only and " typ relay" not in line:
                continue
            self.sent_candidates.append(line)
            await self.send(
                {
                    "type": "ice",
                    "to": to,
                    "candidate": {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0},
                }
            )
        await self.send({"type": "ice", "to": to, "candidate": None})

    async def call(self, to: str) -> None:
        """The offerer: opens the data channel, then offers."""
        self._adopt_channel(self.pc.createDataChannel("peerlearn"))
        await self._describe_and_trickle(to, "offer")

    async def _on_signal(self, message: dict) -> None:
        if message["type"] in {"offer", "answer"}:
            sdp = message["sdp"]
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp["sdp"], sdp["type"]))
            if message["type"] == "offer":
                await self._describe_and_trickle(message["from"], "answer")
            return
        candidate = message["candidate"]
        if candidate is None:
            await self.pc.addIceCandidate(None)
            return
        parsed = candidate_from_sdp(candidate["candidate"].split(":", 1)[1])
        parsed.sdpMid, parsed.sdpMLineIndex = candidate["sdpMid"], candidate["sdpMLineIndex"]
        await self.pc.addIceCandidate(parsed)

    def selected_pair(self):
        """aioice's nominated pair of the (bundled) transport, or None."""
        ice = self.pc.sctp.transport.transport if self.pc.sctp else None
        nominated = getattr(getattr(ice, "_connection", None), "_nominated", {}) if ice else {}
        return nominated.get(1)

    async def close(self) -> None:
        await self.pc.close()
        if self.ws is not None:
            await self.ws.close()
        if getattr(self, "reader", None):
            self.reader.cancel()


@dataclass
class CallResult:
    connected: bool
    seconds: float
    mentor: Peer
    learner: Peer
    texts: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    pairs: dict = field(default_factory=dict)


async def make_call(
    room: Room,
    *,
    mentor_ice: list[dict],
    learner_ice: list[dict],
    relay_only: bool,
    expect_connection: bool,
) -> CallResult:
    mentor = Peer("mentor", mentor_ice, relay_only)
    learner = Peer("learner", learner_ice, relay_only)
    try:
        # Presence and the ready state machine.
        await mentor.join(room.ws_url(), room.mentor["access"])
        assert mentor.welcome["role"] == "mentor" and mentor.welcome["call_started"] is False
        await learner.join(room.ws_url(), room.learner["access"])
        assert learner.welcome["role"] == "learner"
        assert [p["peer_id"] for p in learner.welcome["peers"]] == [mentor.peer_id]
        joined = await mentor.expect("peer.joined")
        assert joined["peer_id"] == learner.peer_id and joined["user_id"] == room.learner["id"]

        await mentor.send({"type": "ready"})
        await learner.expect("peer.ready")
        await learner.send({"type": "ready"})
        await asyncio.gather(mentor.expect("all_ready"), learner.expect("all_ready"))
        await mentor.send({"type": "start"})
        started = await asyncio.gather(
            mentor.expect("call.started"), learner.expect("call.started")
        )
        assert started[0]["mode"] == started[1]["mode"] == "mesh"

        # Offer, answer and ICE through the socket; then the data channel both ways.
        t0 = time.perf_counter()
        await mentor.call(learner.peer_id)
        result = CallResult(False, 0.0, mentor, learner)
        bound = CONNECT_SECONDS if expect_connection else FAIL_SECONDS
        # Until both channels are open, or both connections have failed, or the bound is up.
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if mentor.channel_open.is_set() and learner.channel_open.is_set():
                result.connected = True
                break
            if {mentor.pc.connectionState, learner.pc.connectionState} == {"failed"}:
                break
            await asyncio.sleep(0.02)
        result.seconds = time.perf_counter() - t0
        result.states = {"mentor": mentor.pc.connectionState, "learner": learner.pc.connectionState}
        result.pairs = {"mentor": mentor.selected_pair(), "learner": learner.selected_pair()}
        if result.connected:
            ping = f"hello from the mentor {uuid.uuid4().hex[:8]} ✓"
            mentor.channel.send(ping)
            result.texts["learner_got"] = await asyncio.wait_for(learner.received_text.get(), 5)
            pong = f"hello back from the learner {uuid.uuid4().hex[:8]} ✓"
            learner.channel.send(pong)
            result.texts["mentor_got"] = await asyncio.wait_for(mentor.received_text.get(), 5)
            result.texts["sent"] = (ping, pong)
        else:
            # Count the relayed signals only once each side has the other's end-of-candidates
            # (the last signal each sends; the relay keeps order).
            async with asyncio.timeout(5):
                while not all(
                    p.signals_in
                    and p.signals_in[-1]["type"] == "ice"
                    and p.signals_in[-1]["candidate"] is None
                    for p in (mentor, learner)
                ):
                    await asyncio.sleep(0.02)
        return result
    finally:
        await mentor.close()
        await learner.close()


def assert_signaling_relayed(result: CallResult) -> None:
    """Every signal arrived once, at the addressed peer, with ``from`` set by the server."""
    mentor, learner = result.mentor, result.learner
    assert not mentor.errors and not learner.errors, (mentor.errors, learner.errors)
    to_learner = [(m["type"], m["from"]) for m in learner.signals_in]
    to_mentor = [(m["type"], m["from"]) for m in mentor.signals_in]
    assert to_learner == [("offer", mentor.peer_id)] + [("ice", mentor.peer_id)] * (
        len(mentor.sent_candidates) + 1
    )
    assert to_mentor == [("answer", learner.peer_id)] + [("ice", learner.peer_id)] * (
        len(learner.sent_candidates) + 1
    )
    assert [m["candidate"]["candidate"] for m in learner.signals_in[1:-1]] == (
        mentor.sent_candidates
    )
    assert learner.signals_in[-1]["candidate"] is None


def assert_messages_both_ways(result: CallResult) -> None:
    ping, pong = result.texts["sent"]
    assert result.texts["learner_got"] == ping
    assert result.texts["mentor_got"] == pong


# --- the tests -------------------------------------------------------------------------------


def test_two_aiortc_peers_call_through_the_room_socket(plain_site):
    room = booked_room(plain_site)
    # No STUN/TURN configured on this site: the endpoint hands out nothing, host candidates do.
    assert room.ice_servers(room.mentor) == []
    assert room.ice_servers(room.learner) == []

    result = run_async(
        make_call(room, mentor_ice=[], learner_ice=[], relay_only=False, expect_connection=True)
    )

    assert result.connected, result.states
    assert result.states == {"mentor": "connected", "learner": "connected"}
    assert_messages_both_ways(result)
    assert_signaling_relayed(result)
    assert result.mentor.sent_candidates, "aiortc gathered no host candidate"
    assert {
        result.pairs["mentor"].local_candidate.type,
        result.pairs["learner"].local_candidate.type,
    } == {"host"}


def test_call_through_coturn_with_credentials_from_the_site(turn_site, turnserver):
    room = booked_room(turn_site)
    mentor_ice, learner_ice = room.ice_servers(room.mentor), room.ice_servers(room.learner)
    for who, servers in ((room.mentor, mentor_ice), (room.learner, learner_ice)):
        assert len(servers) == 1 and servers[0]["urls"] == [turnserver.url]
        expiry, user_id = servers[0]["username"].split(":")
        assert user_id == str(who["id"])
        assert 500 < int(expiry) - time.time() <= 600

    result = run_async(
        make_call(
            room,
            mentor_ice=mentor_ice,
            learner_ice=learner_ice,
            relay_only=True,
            expect_connection=True,
        )
    )

    assert result.connected, (result.states, turnserver.log_text()[-2000:])
    assert_messages_both_ways(result)
    assert_signaling_relayed(result)
    for peer in (result.mentor, result.learner):
        # Only relay candidates went over the socket, and the call runs over one on both ends.
        assert peer.sent_candidates and all(" typ relay" in c for c in peer.sent_candidates)
        pair = result.pairs[peer.label]
        assert (pair.local_candidate.type, pair.remote_candidate.type) == ("relay", "relay")
        assert pair.local_candidate.host == "127.0.0.1"
    # coturn allocated a relay for each user, authenticated with the site's credentials.
    for servers in (mentor_ice, learner_ice):
        username = re.escape(servers[0]["username"])
        assert turnserver.wait_for_log(
            rf"user <{username}>: incoming packet ALLOCATE processed, success"
        ), turnserver.log_text()[-3000:]


def test_expired_turn_credentials_do_not_connect(expired_turn_site, turnserver):
    room = booked_room(expired_turn_site)
    mentor_ice, learner_ice = room.ice_servers(room.mentor), room.ice_servers(room.learner)
    for servers in (mentor_ice, learner_ice):
        expiry = int(servers[0]["username"].split(":")[0])
        assert expiry < time.time() - 50  # TURN_TTL_SECONDS=-60 reached the site

    result = run_async(
        make_call(
            room,
            mentor_ice=mentor_ice,
            learner_ice=learner_ice,
            relay_only=True,
            expect_connection=False,
        )
    )

    assert not result.connected
    assert result.states == {"mentor": "failed", "learner": "failed"}, result.states
    assert result.mentor.channel_open.is_set() is False
    assert result.learner.channel is None
    for peer in (result.mentor, result.learner):
        # aiortc did gather host candidates, but coturn gave no relay: nothing usable to send.
        assert peer.gathered and not any(" typ relay" in c for c in peer.gathered)
        assert peer.sent_candidates == []
        assert result.pairs[peer.label] is None
    # Signaling itself still worked: offer, answer and the end-of-candidates markers arrived.
    assert_signaling_relayed(result)
    for servers in (mentor_ice, learner_ice):
        username = re.escape(servers[0]["username"])
        assert turnserver.wait_for_log(
            rf"check_stun_auth: Cannot find credentials of user <{username}>"
        ), turnserver.log_text()[-3000:]
        assert not re.search(
            rf"user <{username}>: incoming packet ALLOCATE processed, success",
            turnserver.log_text(),
        )


def test_a_signal_does_not_wait_behind_another_peers_database_write(plain_site, site_env_base):
    """Regression: channels' dispatch hopped to the one shared database thread before every
    handler, so a relayed signal waited behind any other socket's database work. Here a third
    peer's chat INSERT waits for SQLite's write lock (held from outside for 3 s) while the mentor
    signals a learner: the signal must arrive at once, the chat once the lock is released."""
    room = booked_room(plain_site, learners=2)
    hold_seconds = 3.0

    async def scenario():
        mentor, learner, other = (Peer(label, []) for label in ("mentor", "learner", "other"))
        try:
            await mentor.join(room.ws_url(), room.mentor["access"])
            await learner.join(room.ws_url(), room.learner["access"])
            await other.join(room.ws_url(), room.others[0]["access"])
            for peer in (mentor, learner, other):
                await peer.send({"type": "ready"})
            await mentor.expect("all_ready")
            await mentor.send({"type": "start"})
            for peer in (mentor, learner, other):
                await peer.expect("call.started")

            locked, release = threading.Event(), threading.Event()

            def hold_write_lock():
                db = sqlite3.connect(site_env_base["SQLITE_PATH"], isolation_level=None)
                try:
                    db.execute("BEGIN IMMEDIATE")
                    locked.set()
                    release.wait(hold_seconds)
                    db.execute("COMMIT")
                finally:
                    db.close()

            holder = threading.Thread(target=hold_write_lock)
            holder.start()
            try:
                await asyncio.to_thread(locked.wait, 5)
                t0 = time.perf_counter()
                await other.send({"type": "chat", "text": "written while the database is locked"})
                await asyncio.sleep(0.2)  # the chat's INSERT is now waiting in the database thread
                await mentor.send({"type": "ice", "to": learner.peer_id, "candidate": None})
                async with asyncio.timeout(hold_seconds):
                    while not learner.signals_in:
                        await asyncio.sleep(0.01)
                signal_at = time.perf_counter() - t0
                chat = await learner.expect("chat", timeout=hold_seconds + 10)
                chat_at = time.perf_counter() - t0
            finally:
                release.set()
                await asyncio.to_thread(holder.join, 10)
            return signal_at, chat_at, chat, learner.signals_in, mentor.peer_id
        finally:
            for peer in (mentor, learner, other):
                await peer.close()

    signal_at, chat_at, chat, signals, mentor_id = run_async(scenario())
    assert signals == [{"type": "ice", "from": mentor_id, "candidate": None}]
    assert signal_at < 1.0, f"the signal waited {signal_at:.2f} s for the database thread"
    assert chat["text"] == "written while the database is locked"
    assert chat_at >= hold_seconds - 0.5  # the chat did wait for the lock, so the test bit
