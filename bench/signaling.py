"""Signaling relay latency of the room socket, against a bare websockets relay in the same run.

    .venv/bin/python bench/signaling.py [--messages 500] [--peers 4] [--burst-rate 200]
                                        [--burst-seconds 5] [--sdp-bytes 4000]
                                        [--layers memory,redis] [--profile]

Starts Daphne on a temporary SQLite file, once with the in-memory channel layer and once with
Redis (db 11, flushed before and after), makes a mentor and learners over the HTTP API, books
them into a session (one per run), connects every peer to /ws/room/{id}/ and goes through
ready → all_ready → start → call.started. Then, client side, with one loop timestamping frames:

- latency: between the mentor and one learner, one message in flight at a time, N offers
  mentor→learner, N answers learner→mentor and N ICE candidates each way (interleaved), each
  timed from just before ``send`` to the addressed socket's reader getting the relayed frame;
- burst: every peer sends ICE candidates round-robin to all the others, paced so the room as a
  whole sends R messages per second for S seconds; every message is counted at its addressee
  (dropped, duplicated, misaddressed, wrong ``from``) and timed.

The baseline is a bare ``websockets`` server in its own process that speaks the same protocol
(``welcome {peer_id}``, then ``{type, to, sdp|candidate}`` relayed as ``{type, from, ...}`` to the
addressed socket), measured by the same client code. Loopback only; every subprocess is stopped
and Redis db 11 flushed at the end, and a watchdog bounds the whole run.

With --profile each Daphne runs under cProfile; the report then shows where its event loop spent
its time and how often it handed work to a sync (database) thread per relayed signal.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
import requests
import websockets

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench-orchard-5521"
SIGNALS = {"offer": "sdp", "answer": "sdp", "ice": "candidate"}
LOST_AFTER = 5.0  # seconds a latency message may take before it counts as lost


# --- helpers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.2f}"


def ratio(a: float, b: float) -> str:
    return "—" if math.isnan(a) or math.isnan(b) or not b else f"{a / b:.2f}"


class Children:
    """Every subprocess this run started, stopped together (by pid, never by name)."""

    def __init__(self):
        self.procs: list[subprocess.Popen] = []
        self.lock = threading.Lock()

    def start(self, args, *, env, log_path: Path, ready_port: int, wait: float = 30):
        log = open(log_path, "w")  # noqa: SIM115
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        with self.lock:
            self.procs.append(proc)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{args[0]} exited: {log_path.read_text()[-2000:]}")
            if port_open(ready_port):
                return proc
            time.sleep(0.1)
        raise RuntimeError(f"{args[0]} did not listen on {ready_port} within {wait} s")

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        with self.lock:
            if proc in self.procs:
                self.procs.remove(proc)

    def stop_all(self) -> None:
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            self.stop(proc)


# --- the payloads ----------------------------------------------------------------------------


def sdp_text(tag: str, size: int) -> str:
    """A browser-like session description of about ``size`` bytes; the tag is its o= line."""
    head = [
        "v=0",
        f"o=- {tag} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1 2",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS",
    ]
    media = [
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 127 121 125 107 108 109 124 120 123",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Wq7c",
        "a=ice-pwd:qMsFx4Tq0m2nq7zN3hVxX7Qm",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CD:87:32:BE:DD:8C:66:1F:8A:"
        "BB:1D:BF:66:96:2C:BC:7F:6E:FE:3F",
        "a=setup:actpass",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 goog-remb",
        "a=rtcp-fb:96 transport-cc",
        "a=rtcp-fb:96 ccm fir",
        "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli",
    ]
    lines = list(head)
    while sum(len(x) + 2 for x in lines) < size:
        lines.extend(media)
    return "\r\n".join(lines)[:size] + "\r\n"


def sdp_tag(sdp: dict) -> str:
    start = sdp["sdp"].index("o=- ") + 4
    return sdp["sdp"][start : sdp["sdp"].index(" ", start)]


def candidate(tag: str) -> dict:
    return {
        "candidate": f"candidate:{tag} 1 udp 2122260223 192.0.2.10 54321 typ host "
        "generation 0 ufrag Wq7c network-id 1",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "Wq7c",
    }


def candidate_tag(value: dict) -> str:
    return value["candidate"][10 : value["candidate"].index(" ")]


# --- baseline server (its own process) -------------------------------------------------------


async def serve_baseline(port: int) -> None:
    """A bare websockets relay: welcome with a peer id, then each signal to the addressed socket."""
    from websockets.asyncio.server import serve

    sockets: dict[str, object] = {}
    ids = itertools.count(1)

    async def on_socket(ws):
        peer_id = f"bare{next(ids)}"
        sockets[peer_id] = ws
        await ws.send(json.dumps({"type": "welcome", "peer_id": peer_id}))
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                target = sockets.get(message.get("to"))
                if kind not in SIGNALS or target is None:
                    await ws.send(json.dumps({"type": "error", "detail": "bad signal"}))
                    continue
                relayed = {"type": kind, "from": peer_id, SIGNALS[kind]: message[SIGNALS[kind]]}
                await target.send(json.dumps(relayed))
        except websockets.ConnectionClosed:
            pass
        finally:
            sockets.pop(peer_id, None)

    async with serve(on_socket, "127.0.0.1", port, max_size=2**20):
        await asyncio.Future()


# --- client side -----------------------------------------------------------------------------


@dataclass
class Arrival:
    at: float
    receiver: int
    sender_peer: str
    kind: str


@dataclass
class Ledger:
    """Send times by tag and what arrived where, for every signal of one measurement."""

    sent: dict[str, tuple[float, int, int, str]] = field(default_factory=dict)  # tag → t, from, to
    arrived: dict[str, Arrival] = field(default_factory=dict)
    duplicates: int = 0
    unknown: int = 0
    waiters: dict[str, asyncio.Future] = field(default_factory=dict)


class Peer:
    """One socket with a reader task that timestamps every frame as it arrives."""

    def __init__(self, index: int, ledger_ref):
        self.index = index
        self.ledger_ref = ledger_ref  # a callable: the current Ledger
        self.ws = None
        self.peer_id = ""
        self.events: asyncio.Queue = asyncio.Queue()
        self.errors: list[dict] = []
        self.task: asyncio.Task | None = None

    async def open(self, url: str, headers: dict) -> None:
        self.ws = await websockets.connect(
            url, additional_headers=headers, ping_interval=None, open_timeout=30, max_size=2**20
        )
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"peer {self.index}: expected welcome, got {welcome}")
        self.peer_id = welcome["peer_id"]
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                at = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind not in SIGNALS:
                    if kind == "error":
                        self.errors.append(message)
                    self.events.put_nowait(message)
                    continue
                ledger: Ledger = self.ledger_ref()
                value = message[SIGNALS[kind]]
                tag = candidate_tag(value) if kind == "ice" else sdp_tag(value)
                if tag not in ledger.sent:
                    ledger.unknown += 1
                elif tag in ledger.arrived:
                    ledger.duplicates += 1
                else:
                    ledger.arrived[tag] = Arrival(at, self.index, message.get("from", ""), kind)
                    waiter = ledger.waiters.pop(tag, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(at)

    async def expect(self, kind: str, timeout: float = 15.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.events.get()
                if message["type"] == kind:
                    return message

    async def signal(self, ledger: Ledger, tag: str, kind: str, to: "Peer", sdp_bytes: int):
        if kind == "ice":
            body = {"type": "ice", "to": to.peer_id, "candidate": candidate(tag)}
        else:
            body = {
                "type": kind,
                "to": to.peer_id,
                "sdp": {"type": kind, "sdp": sdp_text(tag, sdp_bytes)},
            }
        raw = json.dumps(body)
        ledger.sent[tag] = (time.perf_counter(), self.index, to.index, kind)
        await self.ws.send(raw)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


class Room:
    def __init__(self, peers: int):
        self.ledger = Ledger()
        self.peers = [Peer(i, lambda: self.ledger) for i in range(peers)]

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.peers), return_exceptions=True)


async def measure_latency(room: Room, n: int, sdp_bytes: int) -> dict:
    """Peer 0 (mentor) and peer 1 (a learner), one message in flight: offer 0→1, answer 1→0,
    ice 0→1, ice 1→0, n times."""
    room.ledger = ledger = Ledger()
    a, b = room.peers[0], room.peers[1]
    streams = {
        "offer 0→1": ("offer", a, b),
        "answer 1→0": ("answer", b, a),
        "ice 0→1": ("ice", a, b),
        "ice 1→0": ("ice", b, a),
    }
    times: dict[str, list[float]] = {name: [] for name in streams}
    lost: dict[str, int] = dict.fromkeys(streams, 0)
    loop = asyncio.get_running_loop()
    for i in range(n):
        for s, (name, (kind, sender, receiver)) in enumerate(streams.items()):
            tag = f"L{s}n{i}"
            waiter = ledger.waiters[tag] = loop.create_future()
            await sender.signal(ledger, tag, kind, receiver, sdp_bytes)
            try:
                at = await asyncio.wait_for(waiter, LOST_AFTER)
                times[name].append(at - ledger.sent[tag][0])
            except TimeoutError:
                lost[name] += 1
    wrong = sum(
        1
        for tag, arrival in ledger.arrived.items()
        if arrival.receiver != ledger.sent[tag][2]
        or arrival.sender_peer != room.peers[ledger.sent[tag][1]].peer_id
    )
    return {"times": times, "lost": lost, "wrong": wrong, "duplicates": ledger.duplicates}


async def measure_burst(room: Room, rate: float, seconds: float, sdp_bytes: int) -> dict:
    """Every peer sends ICE round-robin to each other peer; the room sends ``rate``/s in all."""
    room.ledger = ledger = Ledger()
    peers = room.peers
    per_peer = rate / len(peers)
    count = int(per_peer * seconds)
    start = time.perf_counter() + 0.05

    async def sender(peer: Peer) -> None:
        others = [p for p in peers if p is not peer]
        # Peers are staggered inside the period so the room's sends are spread evenly.
        offset = peer.index / rate
        for i in range(count):
            due = start + offset + i / per_peer
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await peer.signal(ledger, f"B{peer.index}n{i}", "ice", others[i % len(others)], 0)

    await asyncio.gather(*(sender(p) for p in peers))
    sent_seconds = time.perf_counter() - start
    deadline = time.monotonic() + LOST_AFTER
    while len(ledger.arrived) < len(ledger.sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # count late duplicates too
    latencies = [a.at - ledger.sent[t][0] for t, a in ledger.arrived.items()]
    wrong = sum(
        1
        for tag, arrival in ledger.arrived.items()
        if arrival.receiver != ledger.sent[tag][2]
        or arrival.sender_peer != peers[ledger.sent[tag][1]].peer_id
    )
    # Per (sender, receiver) the relay must keep the order the sender used.
    out_of_order = 0
    for s in range(len(peers)):
        for r in range(len(peers)):
            tags = [t for t, v in ledger.sent.items() if v[1] == s and v[2] == r]
            got = [ledger.arrived[t].at for t in tags if t in ledger.arrived]
            out_of_order += sum(1 for x, y in itertools.pairwise(got) if y < x)
    return {
        "sent": len(ledger.sent),
        "delivered": len(ledger.arrived),
        "dropped": len(ledger.sent) - len(ledger.arrived),
        "duplicates": ledger.duplicates,
        "unknown": ledger.unknown,
        "wrong": wrong,
        "out_of_order": out_of_order,
        "rate": len(ledger.sent) / sent_seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else math.nan,
        "errors": sum(len(p.errors) for p in peers),
    }


# --- the benchmark ---------------------------------------------------------------------------


@dataclass
class Site:
    port: int
    session_id: int
    tokens: list[str]  # mentor first


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="peerlearn-signaling-"))
        self.children = Children()
        self.redis = redis.Redis.from_url(args.redis_url)
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(
            DEBUG="1",
            PEERLEARN_DATA_DIR=str(self.tmp),
            SQLITE_PATH=str(self.tmp / "site.sqlite3"),
            THROTTLE_AUTH="100000/min",
            THROTTLE_ACTIONS="100000/min",
            JWT_ACCESS_MINUTES="60",
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="peerlearn.settings",
            TURN_URLS="",
            TURN_SECRET="",
        )
        self.cleaned = False
        self.started = time.monotonic()

    def cleanup(self) -> None:
        if self.cleaned:
            return
        self.cleaned = True
        self.children.stop_all()
        with contextlib.suppress(redis.RedisError):
            self.redis.flushdb()
        if self.args.keep:
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log(self, text: str) -> None:
        print(f"  [{time.monotonic() - self.started:6.1f} s] {text}", flush=True)

    def daphne(self, name: str, extra_env: dict) -> tuple[int, subprocess.Popen]:
        port = free_port()
        args = [
            str(BIN / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "peerlearn.asgi:application",
        ]
        if self.args.profile:
            out = self.tmp / f"daphne-{name}.prof"
            args = [sys.executable, "-m", "cProfile", "-o", str(out), *args]
        proc = self.children.start(
            args,
            env={**self.env, **extra_env},
            log_path=self.tmp / f"daphne-{name}.log",
            ready_port=port,
        )
        return port, proc

    def setup_site(self, port: int, sessions: int, prefix: str) -> list[Site]:
        """Mentor and learners registered, logged in, and booked into ``sessions`` sessions,
        all over the HTTP API."""
        base, http = f"http://127.0.0.1:{port}", requests.Session()

        def account(role: str, i: int) -> str:
            email = f"{prefix}-{role}{i}@bench.test"
            body = {"email": email, "password": PASSWORD, "name": f"{role} {i}", "role": role}
            created = http.post(f"{base}/api/auth/register/", json=body, timeout=30)
            if created.status_code != 201:
                raise RuntimeError(f"register {email}: {created.status_code} {created.text}")
            token = http.post(
                f"{base}/api/auth/token/", json={"email": email, "password": PASSWORD}, timeout=30
            )
            return token.json()["access"]

        mentor = account("mentor", 0)
        learners = [account("learner", i) for i in range(1, self.args.peers)]
        sites = []
        for _ in range(sessions):
            created = http.post(
                f"{base}/api/sessions/",
                json={
                    "title": "Signaling bench",
                    "description": "",
                    "starts_at": (datetime.now(UTC) + timedelta(minutes=3)).isoformat(),
                    "duration_minutes": 60,
                    "max_participants": self.args.peers,
                    "price": "0.00",
                },
                headers={"Authorization": f"Bearer {mentor}"},
                timeout=30,
            )
            if created.status_code != 201:
                raise RuntimeError(f"session: {created.status_code} {created.text}")
            session_id = created.json()["id"]
            for access in learners:
                booked = http.post(
                    f"{base}/api/sessions/{session_id}/book/",
                    headers={"Authorization": f"Bearer {access}"},
                    timeout=30,
                )
                if booked.status_code != 201:
                    raise RuntimeError(f"book: {booked.status_code} {booked.text}")
            sites.append(Site(port, session_id, [mentor, *learners]))
        http.close()
        return sites

    async def open_room(self, url: str, tokens: list[str] | None) -> Room:
        room = Room(self.args.peers)
        for i, peer in enumerate(room.peers):
            headers = {"Authorization": f"Bearer {tokens[i]}"} if tokens else {}
            await peer.open(url, headers)
        if tokens:  # the site's room: ready → all_ready → start → call.started
            for peer in room.peers:
                await peer.ws.send(json.dumps({"type": "ready"}))
            await room.peers[0].expect("all_ready")
            await room.peers[0].ws.send(json.dumps({"type": "start"}))
            for peer in room.peers:
                started = await peer.expect("call.started")
            if started.get("mode") != "mesh":
                raise RuntimeError(f"the room runs in {started.get('mode')} mode, not mesh")
        return room

    async def measure(self, name: str, url: str, tokens: list[str] | None) -> dict:
        room = await self.open_room(url, tokens)
        try:
            args = self.args
            await measure_latency(room, args.warmup, args.sdp_bytes)  # unmeasured
            latency = await measure_latency(room, args.messages, args.sdp_bytes)
            burst = await measure_burst(room, args.burst_rate, args.burst_seconds, args.sdp_bytes)
            errors = [e for p in room.peers for e in p.errors]
            return {"name": name, "latency": latency, "burst": burst, "errors": errors}
        finally:
            await room.close()
            # Let the server finish the disconnects before it is stopped: a Daphne stopped
            # with a room disconnect in flight waits for SIGKILL (see docs/benchmarks.md).
            await asyncio.sleep(0.5)

    async def run(self) -> int:
        args = self.args
        self.load_at_start = "/".join(f"{x:.1f}" for x in os.getloadavg())
        self.redis.flushdb()
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v0"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"migrate failed: {done.stderr[-2000:]}")
        self.log("migrated a fresh SQLite database")

        results = []
        ws_port = free_port()
        bare = self.children.start(
            [sys.executable, __file__, "--serve-baseline", str(ws_port)],
            env=self.env,
            log_path=self.tmp / "baseline.log",
            ready_port=ws_port,
        )
        results.append(
            await self.measure("bare websockets relay", f"ws://127.0.0.1:{ws_port}/", None)
        )
        self.children.stop(bare)
        self.log("baseline measured")

        runs = {
            "memory": ("daphne + in-memory layer", {}),
            "redis": ("daphne + redis layer", {"REDIS_URL": args.redis_url}),
        }
        for name, extra in (runs[key] for key in args.layers.split(",")):
            port, proc = self.daphne(name.split()[2], extra)
            site = (await asyncio.to_thread(self.setup_site, port, 1, name.split()[2]))[0]
            url = f"ws://127.0.0.1:{port}/ws/room/{site.session_id}/"
            self.log(f"{name}: Daphne up, {args.peers} users booked over the API")
            result = await self.measure(name, url, site.tokens)
            results.append(result)
            self.log(f"{name} measured")
            self.children.stop(proc)
            self.log(f"{name}: Daphne stopped")
            if args.profile:
                relayed = (args.warmup + args.messages) * 4 + result["burst"]["sent"]
                self.print_profile(name.split()[2], relayed)
        return self.report(results)

    def print_profile(self, name: str, relayed: int) -> None:
        """The Daphne main thread's profile: where its time went, and how often it handed work
        to a sync thread (asgiref SyncToAsync, i.e. the database thread) per relayed signal."""
        import pstats

        path = self.tmp / f"daphne-{name}.prof"
        if not path.exists():
            print(f"  (no profile written for {name})")
            return
        stats = pstats.Stats(str(path))
        handoffs, steps = 0, {}
        for (file, _line, func), (_cc, calls, _tt, _ct, callers) in stats.stats.items():
            if file.endswith("asyncio/base_events.py") and func == "run_in_executor":
                handoffs += calls
            if file.endswith("asgiref/sync.py") and func == "__call__":
                # SyncToAsync.__call__ is a coroutine: cProfile counts each resumption as a call.
                for (caller_file, _l, caller), (_c, n, _t, _ct2) in callers.items():
                    where = f"{Path(caller_file).parent.name}/{Path(caller_file).name}:{caller}"
                    steps[where] = steps.get(where, 0) + n
        print(f"\n--- cProfile of Daphne's main thread ({name}), top 15 by own time")
        stats.sort_stats("tottime").print_stats(15)
        print(
            f"hand-offs to a sync thread (loop.run_in_executor): {handoffs} for {relayed} relayed "
            f"signals ({handoffs / max(relayed, 1):.2f} per signal); SyncToAsync coroutine steps "
            "(about two per hand-off) by caller:"
        )
        for where, n in sorted(steps.items(), key=lambda x: -x[1])[:6]:
            print(f"  {n:>7}  {where}")

    def report(self, results: list[dict]) -> int:
        args, base = self.args, results[0]
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print()
        print(
            f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load {load} at end "
            f"(at start {self.load_at_start}); {args.peers} peers in the room"
        )
        print(
            f"Relay latency, one message in flight, N={args.messages} per stream "
            f"(+{args.warmup} warm-up); offer/answer {args.sdp_bytes} B of SDP; ms"
        )
        head = (
            f"{'run':<26}{'stream':<12}{'n':>5}{'lost':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
        )
        head += f"{'p50 x':>8}{'p99 x':>8}"
        print(head)
        print("-" * len(head))
        ok = True
        for r in results:
            lat = r["latency"]
            rows = {**lat["times"], "all": [x for v in lat["times"].values() for x in v]}
            lost = {**lat["lost"], "all": sum(lat["lost"].values())}
            for stream, values in rows.items():
                b = base["latency"]["times"].get(stream) or [
                    x for v in base["latency"]["times"].values() for x in v
                ]
                print(
                    f"{r['name'] if stream == 'offer 0→1' else '':<26}{stream:<12}{len(values):>5}"
                    f"{lost[stream]:>5}{ms(percentile(values, 50)):>8}{ms(percentile(values, 95)):>8}"
                    f"{ms(percentile(values, 99)):>8}{ms(max(values) if values else math.nan):>8}"
                    f"{ratio(percentile(values, 50), percentile(b, 50)):>8}"
                    f"{ratio(percentile(values, 99), percentile(b, 99)):>8}"
                )
            ok &= lost["all"] == 0 and lat["wrong"] == 0 and lat["duplicates"] == 0
        print()
        print(
            f"ICE burst: {args.peers} peers each sending round-robin to the others, "
            f"{args.burst_rate:.0f}/s in all for {args.burst_seconds:.0f} s; latency ms"
        )
        head = f"{'run':<26}{'sent':>6}{'deliv.':>7}{'drop':>6}{'dup':>5}{'wrong':>6}{'order':>6}"
        head += f"{'err':>5}{'rate/s':>8}{'p50':>8}{'p99':>8}{'max':>8}{'p50 x':>7}{'p99 x':>7}"
        print(head)
        print("-" * len(head))
        bb = base["burst"]
        for r in results:
            b = r["burst"]
            print(
                f"{r['name']:<26}{b['sent']:>6}{b['delivered']:>7}{b['dropped']:>6}"
                f"{b['duplicates']:>5}{b['wrong']:>6}{b['out_of_order']:>6}{b['errors']:>5}"
                f"{b['rate']:>8.1f}{ms(b['p50']):>8}{ms(b['p99']):>8}{ms(b['max']):>8}"
                f"{ratio(b['p50'], bb['p50']):>7}{ratio(b['p99'], bb['p99']):>7}"
            )
            ok &= not (b["dropped"] or b["duplicates"] or b["wrong"] or b["out_of_order"])
            ok &= not b["errors"] and not b["unknown"]
            if r["errors"]:
                print(f"  {r['name']}: server errors {r['errors'][:3]}")
        print(
            "(lost: no arrival within 5 s; wrong: at another socket or with a wrong `from`; "
            "order: later-sent arrived first between one pair; p50 x, p99 x: ratio to the bare "
            "websockets relay of this run)"
        )
        line = "SUMMARY signaling:"
        for r in results[1:]:
            every = [x for v in r["latency"]["times"].values() for x in v]
            base_all = [x for v in base["latency"]["times"].values() for x in v]
            line += (
                f" {r['name']} p50 {ms(percentile(every, 50))} ms p99 {ms(percentile(every, 99))} ms"
                f" ({ratio(percentile(every, 50), percentile(base_all, 50))}x /"
                f" {ratio(percentile(every, 99), percentile(base_all, 99))}x bare);"
            )
            line += f" burst {r['burst']['delivered']}/{r['burst']['sent']};"
        base_all = [x for v in base["latency"]["times"].values() for x in v]
        line += f" bare p50 {ms(percentile(base_all, 50))} ms p99 {ms(percentile(base_all, 99))} ms"
        line += "; all delivered" if ok else "; PROBLEMS (see above)"
        print(line)
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=500, help="N per stream (4 streams)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured rounds first")
    parser.add_argument(
        "--peers", type=int, default=4, help="sockets in the room (mentor + learners)"
    )
    parser.add_argument(
        "--burst-rate", type=float, default=200.0, help="ICE messages/s, whole room"
    )
    parser.add_argument("--burst-seconds", type=float, default=5.0)
    parser.add_argument("--sdp-bytes", type=int, default=4000, help="size of each offer/answer SDP")
    parser.add_argument(
        "--layers", default="memory,redis", help="channel layers to run Daphne with, in order"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--max-seconds", type=float, default=240.0, help="watchdog for the run")
    parser.add_argument("--profile", action="store_true", help="run Daphne under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, db)")
    parser.add_argument("--serve-baseline", type=int, metavar="WS_PORT")
    args = parser.parse_args()
    if args.serve_baseline:
        asyncio.run(serve_baseline(args.serve_baseline))
        return 0
    if not 2 <= args.peers <= 8 or args.messages < 1 or args.burst_rate <= 0:
        parser.error("--peers must be 2..8 (a mesh room), --messages >= 1, --burst-rate > 0")
    if not args.layers or not set(args.layers.split(",")) <= {"memory", "redis"}:
        parser.error("--layers takes memory, redis or both (comma-separated)")

    bench = Bench(args)

    def watchdog():
        print(f"\nwatchdog: run exceeded {args.max_seconds:.0f} s, stopping", flush=True)
        bench.cleanup()
        os._exit(3)

    timer = threading.Timer(args.max_seconds, watchdog)
    timer.daemon = True
    timer.start()
    try:
        return asyncio.run(bench.run())
    except Exception:
        for log in sorted(bench.tmp.glob("*.log")):
            print(f"--- {log.name} (tail)\n{log.read_text()[-1500:]}", file=sys.stderr)
        raise
    finally:
        timer.cancel()
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main())
