"""Fan-out latency of a live-session push, against a bare websockets relay run in the same process.

    .venv/bin/python bench/fanout.py [--learners 200] [--rounds 20] [--two-processes]
        [--layer core|pubsub|memory] [--rest]

Starts Daphne (Redis channel layer, db 11, or the in-memory layer) on a temporary SQLite file, creates one mentor and N
learners, books every learner into one session over the API, connects every learner to
/ws/sessions/{id}/ and has the mentor POST ready/ and cancel_ready/ alternately. Per round it
measures, client-side, the time from just before the HTTP POST to each socket receiving
mentor.ready / mentor.cancel_ready. The baseline is a bare `websockets` server in its own
process that relays one message to the same number of sockets when it gets a POST, measured by
the same client code. The client's cyclic collector never runs during a measured round (a full
pass over 500 sockets' objects stalled its readers about 60 ms, shifting a whole round);
--per-round shows any pass that did. Loopback only; every subprocess is stopped and Redis db 11
flushed at the end, and a watchdog bounds the whole run.

With --rest it also measures `GET /api/sessions/` (a learner's JWT, one request at a time) with no
socket open, then with the N sockets connected and idle, then with none again: the REST p95 with
idle sockets against the p95 without, in the same process.
"""

import argparse
import asyncio
import contextlib
import gc
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests
import websockets

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench-orchard-5521"
READY_MESSAGE = "Mentor is ready—please confirm."
MAX_LEARNERS = 1000

# Runs inside `manage.py shell -c`: bulk-creates the users with one precomputed password hash
# (one PBKDF2 run instead of N), creates the session, and mints learner JWTs if asked to.
SETUP_SNIPPET = r"""
import json, os
from datetime import timedelta
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken
from peerlearn_core.models import Role, User
from peerlearn_bookings.models import LiveSession

n = int(os.environ["BENCH_LEARNERS"])
hashed = make_password(os.environ["BENCH_PASSWORD"])
mentor = User.objects.create(
    email="mentor@bench.test", name="Bench Mentor", role=Role.MENTOR, password=hashed
)
learners = User.objects.bulk_create(
    [
        User(email=f"learner{i:04d}@bench.test", name=f"Learner {i}", role=Role.LEARNER,
             password=hashed)
        for i in range(n)
    ]
)
# objects.create skips full_clean: the model caps max_participants at 500 (validator only).
session = LiveSession.objects.create(
    mentor=mentor, title="Fan-out bench", starts_at=timezone.now() + timedelta(days=1),
    duration_minutes=60, max_participants=max(n, 1),
)
out = {"session_id": session.pk, "mentor": mentor.email, "learners": [u.email for u in learners]}
if os.environ["BENCH_MINT"] == "1":
    out["tokens"] = [str(AccessToken.for_user(u)) for u in learners]
print("BENCH-JSON " + json.dumps(out))
"""


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
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


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

    def stop_all(self) -> None:
        with self.lock:
            procs, self.procs = self.procs, []
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# --- baseline server (its own process) -------------------------------------------------------


async def serve_baseline(ws_port: int, http_port: int) -> None:
    """A bare websockets server; POST /ready/ or /cancel_ready/ relays one message to all."""
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def on_socket(ws):
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def on_http(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                path = line.decode("latin1").split(" ")[1]
                length = 0
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                if "cancel_ready" in path:
                    message = {"type": "mentor.cancel_ready", "session_id": 1}
                else:
                    message = {"type": "mentor.ready", "session_id": 1, "message": READY_MESSAGE}
                broadcast(clients, json.dumps(message))
                body = json.dumps({"relayed_to": len(clients)}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async with (
        serve(on_socket, "127.0.0.1", ws_port),
        await asyncio.start_server(on_http, "127.0.0.1", http_port),
    ):
        await asyncio.Future()


# --- client side: sockets and rounds ---------------------------------------------------------


class Round:
    def __init__(self, expect: str, n: int, servers: int):
        self.expect = expect
        self.n = n
        self.servers = servers
        self.t0: float | None = None
        self.post_seconds = math.nan
        self.status = 0
        self.arrivals: list[tuple[int, float]] = []  # (socket, perf_counter at arrival)
        self.latencies: list[float] = []
        self.by_server: dict[int, list[float]] = {}
        self.got: set[int] = set()
        self.done = asyncio.Event()
        self.client_gc: list[tuple[int, float]] = []  # (generation, seconds) of this process

    def finish(self) -> None:
        """Latencies from the POST's start, known once the poster answered (perf_counter is
        CLOCK_MONOTONIC, one clock for every process of this machine)."""
        for idx, arrived in self.arrivals:
            self.latencies.append(arrived - self.t0)
            self.by_server.setdefault(idx % self.servers, []).append(arrived - self.t0)


class CollectorPauses:
    """This process's cyclic-collector passes during a measured round: the client timestamps a
    frame when its reader runs, so a pause here delays every frame after it."""

    def __init__(self):
        self.round: Round | None = None
        self.started = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        elif self.round is not None:
            self.round.client_gc.append((info["generation"], time.perf_counter() - self.started))


PAUSES = CollectorPauses()


class Poster:
    """The mentor's client in its own process, as a mentor's browser is: its POST is not slowed
    by this process reading the N sockets (which added about 15 ms even to the bare relay's)."""

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-poster",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )

    async def post(self, url: str, headers: dict) -> tuple[float, float, int]:
        """(perf_counter just before the request, its seconds, its status)."""
        self.proc.stdin.write(json.dumps({"url": url, "headers": headers}).encode() + b"\n")
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the poster process exited")
        answer = json.loads(line)
        return answer["t0"], answer["seconds"], answer["status"]

    async def stop(self) -> None:
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def serve_poster() -> None:
    """Child side of ``Poster``: one POST per line of stdin, its timing as a line of stdout."""
    http = requests.Session()
    for line in sys.stdin:
        order = json.loads(line)
        t0 = time.perf_counter()
        response = http.post(order["url"], headers=order["headers"], timeout=120)
        seconds = time.perf_counter() - t0
        print(
            json.dumps({"t0": t0, "seconds": seconds, "status": response.status_code}), flush=True
        )


class Fleet:
    """N client sockets with one reader task each, timestamping every frame on arrival."""

    def __init__(self, servers: int = 1):
        self.servers = servers  # socket i talks to server i % servers
        self.sockets: list = []
        self.tasks: list[asyncio.Task] = []
        self.current: Round | None = None
        self.unexpected = 0
        self.duplicates = 0
        self.closed: dict[int, int | None] = {}

    async def connect(self, urls_and_headers: list[tuple[str, dict]], concurrency: int = 50):
        gate = asyncio.Semaphore(concurrency)

        async def one(url, headers):
            async with gate:
                return await websockets.connect(
                    url, additional_headers=headers, ping_interval=None, open_timeout=60
                )

        self.sockets = await asyncio.gather(*(one(u, h) for u, h in urls_and_headers))
        self.tasks = [asyncio.create_task(self._read(i, ws)) for i, ws in enumerate(self.sockets)]
        await asyncio.sleep(0.5)  # a refused socket is accepted, then closed with 4401/4403
        if self.closed:
            codes = sorted({code for code in self.closed.values()}, key=str)
            raise RuntimeError(f"{len(self.closed)} sockets were closed after connect: {codes}")

    async def _read(self, idx: int, ws) -> None:
        try:
            async for raw in ws:
                arrived = time.perf_counter()
                rnd = self.current
                kind = json.loads(raw).get("type")
                if rnd is None or kind != rnd.expect:
                    self.unexpected += 1
                elif idx in rnd.got:
                    self.duplicates += 1
                else:
                    rnd.got.add(idx)
                    rnd.arrivals.append((idx, arrived))
                    if len(rnd.got) == rnd.n:
                        rnd.done.set()
        except websockets.ConnectionClosed:
            pass
        self.closed[idx] = ws.close_code

    async def close(self) -> None:
        self.current = None
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.sockets, self.tasks, self.closed = [], [], {}


async def run_rounds(
    fleet: Fleet,
    post_url,
    headers: dict,
    *,
    rounds: int,
    warmup: int,
    timeout,
    gap: float = 0.1,
    poster: Poster | None = None,
):
    """Alternate ready / cancel_ready; return the measured rounds (warm-up rounds dropped). The
    POST goes from ``poster``'s process, or (None) from a thread of this one."""
    http = requests.Session()
    http.headers.update(headers)
    measured: list[Round] = []
    n = len(fleet.sockets)
    # This process timestamps each frame when its reader runs: one of its own full collections
    # during a round (about 60 ms with 500 sockets' objects) would delay every frame after it,
    # whatever the server did. The sockets' objects are frozen out of the collector, and it runs
    # between rounds, never during one (for the baseline and every server alike).
    gc.collect()
    gc.freeze()
    try:
        for r in range(warmup + rounds):
            action, expect = (
                ("ready", "mentor.ready") if r % 2 == 0 else ("cancel_ready", "mentor.cancel_ready")
            )
            rnd = Round(expect, n, fleet.servers)
            fleet.current = rnd
            PAUSES.round = rnd
            gc.disable()

            async def fire(rnd=rnd, action=action):
                if poster is not None:
                    rnd.t0, rnd.post_seconds, rnd.status = await poster.post(
                        post_url(action), headers
                    )
                    return

                def in_thread():
                    t0 = time.perf_counter()
                    response = http.post(post_url(action), timeout=120)
                    return t0, time.perf_counter() - t0, response.status_code

                rnd.t0, rnd.post_seconds, rnd.status = await asyncio.to_thread(in_thread)

            posting = asyncio.create_task(fire())
            with contextlib.suppress(TimeoutError):  # a missing delivery is counted, not fatal
                await asyncio.wait_for(rnd.done.wait(), timeout)
            await posting
            PAUSES.round = None
            gc.enable()
            gc.collect()
            if rnd.status != 200:
                raise RuntimeError(f"POST {action}/ answered {rnd.status}")
            # Stragglers land in this round, not the next; and each push meets a settled server
            # (the previous push's background work, 500 learners' notification rows, is done).
            await asyncio.sleep(gap)
            fleet.current = None
            rnd.finish()
            if r >= warmup:
                measured.append(rnd)
    finally:
        gc.enable()
        gc.unfreeze()
        http.close()
    return measured


def summarize(name: str, measured: list[Round], n: int, fleet: Fleet) -> dict:
    latencies = [x for rnd in measured for x in rnd.latencies]
    posts = [rnd.post_seconds for rnd in measured]
    firsts = [min(rnd.latencies) for rnd in measured if rnd.latencies]
    return {
        "name": name,
        "delivered": len(latencies),
        "expected": n * len(measured),
        "first": percentile(firsts, 50),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else math.nan,
        "post_p50": percentile(posts, 50),
        "post_max": max(posts) if posts else math.nan,
        "by_server": {
            server: (percentile(values, 50), percentile(values, 99), len(values))
            for server in range(fleet.servers)
            for values in [[x for rnd in measured for x in rnd.by_server.get(server, [])]]
        },
        "unexpected": fleet.unexpected,
        "duplicates": fleet.duplicates,
    }


# --- the benchmark ---------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="peerlearn-fanout-"))
        self.children = Children()
        self.redis = redis.Redis.from_url(args.redis_url)
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        # Production settings (DEBUG off: no query log, no autoreload of static files) on
        # loopback HTTP; the keys are throwaway values for this run only.
        self.env.update(
            DEBUG="0",
            SECRET_KEY="bench-" + os.urandom(16).hex(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            RAZORPAY_KEY_ID="rzp_test_bench",
            RAZORPAY_KEY_SECRET="bench-key-secret",
            RAZORPAY_WEBHOOK_SECRET="bench-webhook-secret",
            RAZORPAYX_ACCOUNT_NUMBER="7878780080316316",
            RAZORPAY_BASE_URL="http://127.0.0.1:9",
            PEERLEARN_DATA_DIR=str(self.tmp),
            SQLITE_PATH=str(self.tmp / "site.sqlite3"),
            CHANNEL_LAYER=args.layer,
            THROTTLE_AUTH="100000/min",
            THROTTLE_ACTIONS="100000/min",
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="peerlearn.settings",
        )
        if args.phases:  # bench/phase_probe/sitecustomize.py in the Daphnes
            probe = str(REPO / "bench" / "phase_probe")
            self.env["PYTHONPATH"] = os.pathsep.join(
                x for x in (probe, self.env.get("PYTHONPATH", "")) if x
            )
            self.env["PEERLEARN_PHASES"] = str(self.tmp / "phases")
        if args.layer != "memory":  # no REDIS_URL: the site's embedded in-memory layer
            self.env["REDIS_URL"] = args.redis_url
        self.cleaned = False

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

    def manage(self, *args: str, extra_env: dict | None = None) -> str:
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            env={**self.env, **(extra_env or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr[-2000:]}")
        return done.stdout

    def daphne(self) -> int:
        port = free_port()
        self.children.start(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "peerlearn.asgi:application"],
            env=self.env,
            log_path=self.tmp / f"daphne-{port}.log",
            ready_port=port,
        )
        return port

    def setup_site(self, port: int) -> tuple[int, str, list[str]]:
        n, base = self.args.learners, f"http://127.0.0.1:{port}"
        mint = self.args.tokens == "mint" or (self.args.tokens == "auto" and n > 200)
        out = self.manage(
            "shell",
            "-c",
            SETUP_SNIPPET,
            extra_env={
                "BENCH_LEARNERS": str(n),
                "BENCH_PASSWORD": PASSWORD,
                "BENCH_MINT": "1" if mint else "0",
            },
        )
        data = json.loads(next(x for x in out.splitlines() if x.startswith("BENCH-JSON "))[11:])
        session_id = data["session_id"]

        def token(email: str) -> str:
            response = requests.post(
                f"{base}/api/auth/token/", json={"email": email, "password": PASSWORD}, timeout=60
            )
            if response.status_code != 200:
                raise RuntimeError(f"token for {email}: {response.status_code} {response.text}")
            return response.json()["access"]

        def reset_throttle() -> None:
            # AuthRateThrottle reads PEERLEARN_CORE["AUTH_THROTTLE_RATE"] (30/min per address),
            # not THROTTLE_AUTH, so logins are done in batches of 25 with its counter cleared.
            for key in self.redis.scan_iter(match="*throttle_auth_*"):
                self.redis.delete(key)

        mentor = token(data["mentor"])
        # Minted tokens must be what the endpoint issues: a few learners always log in for real.
        emails = data["learners"] if not mint else data["learners"][:3]
        tokens = []
        with ThreadPoolExecutor(4) as pool:
            for start in range(0, len(emails), 25):
                reset_throttle()
                tokens += pool.map(token, emails[start : start + 25])
        if mint:
            tokens = data["tokens"]
        self.log(f"{n} learner JWTs ({'minted in setup' if mint else 'POST /api/auth/token/'})")

        local = threading.local()

        def book(access: str) -> int:
            if not hasattr(local, "http"):
                local.http = requests.Session()
            response = local.http.post(
                f"{base}/api/sessions/{session_id}/book/",
                headers={"Authorization": f"Bearer {access}"},
                timeout=60,
            )
            return response.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(book, tokens))
        if statuses.count(201) != n:
            raise RuntimeError(
                f"booking: {statuses.count(201)}/{n} got 201, others {set(statuses)}"
            )
        self.log(f"{n} learners booked through POST /api/sessions/{session_id}/book/")
        return session_id, mentor, tokens

    async def measure_daphne(self, ports: list[int], session_id, mentor, tokens) -> dict:
        fleet = Fleet(servers=len(ports))
        targets = [
            (
                f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/sessions/{session_id}/",
                {"Authorization": f"Bearer {access}"},
            )
            for i, access in enumerate(tokens)
        ]
        await fleet.connect(targets)
        self.log(f"{len(tokens)} sockets connected across {len(ports)} Daphne process(es)")
        try:
            measured = await run_rounds(
                fleet,
                lambda action: f"http://127.0.0.1:{ports[0]}/api/sessions/{session_id}/{action}/",
                {"Authorization": f"Bearer {mentor}"},
                rounds=self.args.rounds,
                warmup=self.args.warmup,
                timeout=self.args.round_timeout,
                gap=self.args.gap,
                poster=self.poster,
            )
            layer = "in-memory" if self.args.layer == "memory" else f"redis {self.args.layer}"
            name = f"daphne x{len(ports)} + {layer}"
            if self.args.per_round:
                self.print_rounds(name, measured)
            return summarize(name, measured, len(tokens), fleet)
        finally:
            await fleet.close()

    def print_phases(self) -> None:
        """Where the measured rounds' POSTs spent their time inside Daphne (--phases): each
        phase's first time after the request reached Daphne, median and max over the rounds."""
        rounds: list[dict[str, float]] = []
        for path in sorted(self.tmp.glob("phases.*")):
            current = None
            for line in path.read_text().splitlines():
                phase, at = line.split()
                if phase == "asgi_in":
                    current = {"asgi_in": float(at)}
                    rounds.append(current)
                elif current is not None:
                    current.setdefault(phase, float(at))
        rounds = rounds[self.args.warmup : self.args.warmup + self.args.rounds]
        if not rounds:
            print("  phases: nothing recorded (is bench/phase_probe on the Daphnes' path?)")
            return
        order = [
            "view_in", "initial_done", "commit_in", "commit_out", "send_in", "fan_in",
            "send_out", "view_out", "response_start", "fan_out", "asgi_out",
        ]  # fmt: skip
        print(f"  phases of the {len(rounds)} measured POSTs in Daphne (ms after ASGI entry):")
        for phase in order:
            offsets = [(r[phase] - r["asgi_in"]) * 1000 for r in rounds if phase in r]
            if offsets:
                print(
                    f"    {phase:15s} median {percentile(offsets, 50):6.1f}  max {max(offsets):6.1f}"
                )
        spans = [
            (r["fan_out"] - r["fan_in"]) * 1000 for r in rounds if {"fan_in", "fan_out"} <= r.keys()
        ]
        if spans:
            print(f"    fan-out took   median {percentile(spans, 50):6.1f}  max {max(spans):6.1f}")

    def print_rounds(self, name: str, measured: list[Round]) -> None:
        """Each round on one line: where a tail comes from (one slow round, or every round)."""
        print(f"  {name}, per round (ms): first / p50 / last, POST; client collector passes")
        for k, rnd in enumerate(measured):
            got = sorted(rnd.latencies) or [math.nan]
            print(
                f"    {k:2d} {rnd.expect:20s} {ms(got[0]):>7} / {ms(percentile(got, 50)):>7} /"
                f" {ms(got[-1]):>7}, {ms(rnd.post_seconds):>7}  ({len(rnd.latencies)}/{rnd.n})"
                f"  gc {' '.join(f'g{g}:{ms(t)}' for g, t in rnd.client_gc) or '-'}"
            )

    async def measure_baseline(self) -> dict:
        ws_port, http_port = free_port(), free_port()
        proc = self.children.start(
            [sys.executable, __file__, "--serve-baseline", str(ws_port), str(http_port)],
            env=self.env,
            log_path=self.tmp / "baseline.log",
            ready_port=http_port,
        )
        deadline = time.monotonic() + 10
        while not port_open(ws_port) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        fleet = Fleet()
        await fleet.connect([(f"ws://127.0.0.1:{ws_port}/", {})] * self.args.learners)
        try:
            measured = await run_rounds(
                fleet,
                lambda action: f"http://127.0.0.1:{http_port}/{action}/",
                {},
                rounds=self.args.rounds,
                warmup=self.args.warmup,
                timeout=self.args.round_timeout,
                poster=self.poster,
            )
            return summarize("bare websockets relay", measured, self.args.learners, fleet)
        finally:
            await fleet.close()
            proc.terminate()
            proc.wait(10)

    async def run(self) -> int:
        args = self.args
        self.started = time.monotonic()
        self.load_at_start = "/".join(f"{x:.1f}" for x in os.getloadavg())
        self.redis.flushdb()
        self.manage("migrate", "--noinput", "-v0")
        self.log("migrated a fresh SQLite database")
        port_a = self.daphne()
        session_id, mentor, tokens = await asyncio.to_thread(self.setup_site, port_a)
        self.poster = None
        if args.post_from == "process":
            self.poster = Poster()
            await self.poster.start()
        try:
            return await self.measure_all(port_a, session_id, mentor, tokens)
        finally:
            if self.poster is not None:
                await self.poster.stop()

    async def measure_all(self, port_a: int, session_id: int, mentor: str, tokens) -> int:
        args = self.args
        results = [await self.measure_baseline()]
        self.log("baseline measured")
        results.append(await self.measure_daphne([port_a], session_id, mentor, tokens))
        self.log("one Daphne process measured")
        if args.phases:
            self.print_phases()
        if args.rest:
            self.rest = await self.measure_rest(port_a, session_id, tokens)
            self.log("REST with and without idle sockets measured")
        if args.two_processes and args.layer == "memory":
            raise SystemExit(
                "--two-processes needs a Redis layer (the in-memory one is per process)"
            )
        if args.two_processes:
            port_b = self.daphne()
            results.append(await self.measure_daphne([port_a, port_b], session_id, mentor, tokens))
            self.log("two Daphne processes measured")
        return self.report(results)

    async def measure_rest(self, port: int, session_id: int, tokens: list[str]) -> dict:
        """p50/p95 of GET /api/sessions/ one at a time: no sockets, N idle sockets, none again."""
        url = f"http://127.0.0.1:{port}/api/sessions/"
        headers = {"Authorization": f"Bearer {tokens[0]}"}

        def timed(k: int) -> list[float]:
            http = requests.Session()
            http.headers.update(headers)
            out = []
            for _ in range(k):
                t0 = time.perf_counter()
                response = http.get(url, timeout=60)
                out.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"GET /api/sessions/ answered {response.status_code}")
            http.close()
            return out

        k = self.args.rest_requests
        await asyncio.to_thread(timed, 20)  # warm-up
        before = await asyncio.to_thread(timed, k)
        fleet = Fleet()
        await fleet.connect(
            [
                (
                    f"ws://127.0.0.1:{port}/ws/sessions/{session_id}/",
                    {"Authorization": f"Bearer {t}"},
                )
                for t in tokens
            ]
        )
        try:
            idle = await asyncio.to_thread(timed, k)
        finally:
            await fleet.close()
        after = await asyncio.to_thread(timed, k)
        none = before + after
        return {
            "k": k,
            "none": (percentile(none, 50), percentile(none, 95)),
            "idle": (percentile(idle, 50), percentile(idle, 95)),
        }

    def report(self, results: list[dict]) -> int:
        args, base = self.args, results[0]
        print()
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load {load} at end "
            f"(at start {self.load_at_start})"
        )
        print(
            f"Fan-out of one push to N={args.learners} sockets, K={args.rounds} rounds "
            f"(+{args.warmup} warm-up), latency from just before the POST to each socket (ms); "
            f"POST from {'its own process' if args.post_from == 'process' else 'a thread of the socket reader'}"
        )
        head = f"{'run':<24}{'delivered':>13}{'first':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
        head += f"{'POST p50':>10}{'POST max':>10}{'p50 x':>8}{'p99 x':>8}"
        print(head)
        print("-" * len(head))
        ok = True
        for r in results:
            ok &= r["delivered"] == r["expected"] and not r["duplicates"]
            print(
                f"{r['name']:<24}{r['delivered']:>6}/{r['expected']:<6}"
                f"{ms(r['first']):>8}{ms(r['p50']):>8}{ms(r['p95']):>8}{ms(r['p99']):>8}{ms(r['max']):>8}"
                f"{ms(r['post_p50']):>10}{ms(r['post_max']):>10}"
                f"{r['p50'] / base['p50']:>8.2f}{r['p99'] / base['p99']:>8.2f}"
            )
            if len(r["by_server"]) > 1:
                print(
                    "  by process: "
                    + ", ".join(
                        f"{'AB'[i]} ({n} deliveries) p50 {ms(p50)} p99 {ms(p99)}"
                        for i, (p50, p99, n) in r["by_server"].items()
                    )
                    + " (POSTs go to A)"
                )
            if r["unexpected"] or r["duplicates"]:
                print(
                    f"  {r['name']}: {r['unexpected']} unexpected, {r['duplicates']} duplicate frames"
                )
        print(
            "(first: median over rounds of the earliest socket; POST: the mentor's request until "
            "its response; p50 x, p99 x: ratio to the bare websockets relay of this run)"
        )
        ours = results[1]
        line = (
            f"SUMMARY fanout N={args.learners} K={args.rounds} layer={args.layer}: daphne x1 p50 {ms(ours['p50'])} ms "
            f"p99 {ms(ours['p99'])} ms = {ours['p50'] / base['p50']:.2f}x / "
            f"{ours['p99'] / base['p99']:.2f}x the bare relay "
            f"(p50 {ms(base['p50'])} ms, p99 {ms(base['p99'])} ms)"
        )
        if len(results) > 2:
            two = results[2]
            line += f"; daphne x2 p50 {ms(two['p50'])} ms p99 {ms(two['p99'])} ms"
        line += "; all delivered" if ok else "; DELIVERIES MISSING"
        print(line)
        rest = getattr(self, "rest", None)
        if rest:
            (n50, n95), (i50, i95) = rest["none"], rest["idle"]
            print(
                f"SUMMARY rest GET /api/sessions/ x{rest['k']}: no sockets p50 {ms(n50)} p95 "
                f"{ms(n95)} ms (before and after); {args.learners} idle sockets p50 {ms(i50)} "
                f"p95 {ms(i95)} ms = {i95 / n95:.2f}x p95"
            )
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200, help=f"N sockets (1..{MAX_LEARNERS})")
    parser.add_argument("--rounds", type=int, default=20, help="K measured pushes")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured pushes first")
    parser.add_argument(
        "--two-processes", action="store_true", help="also run two Daphnes sharing Redis"
    )
    parser.add_argument(
        "--tokens",
        choices=["auto", "api", "mint"],
        default="auto",
        help="learner JWTs from POST /api/auth/token/ (api; one PBKDF2 check each, serial in "
        "Daphne) or minted in setup (mint); auto = api up to 200 learners",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument(
        "--layer",
        choices=["core", "pubsub", "memory"],
        default="core",
        help="channels-redis RedisChannelLayer (core) or RedisPubSubChannelLayer (pubsub), or "
        "the in-memory layer (memory; one Daphne only)",
    )
    parser.add_argument(
        "--rest", action="store_true", help="also measure GET /api/sessions/ with idle sockets"
    )
    parser.add_argument("--rest-requests", type=int, default=300, help="GETs per REST phase")
    parser.add_argument("--round-timeout", type=float, default=20.0)
    parser.add_argument("--per-round", action="store_true", help="print every round's figures")
    parser.add_argument(
        "--gap", type=float, default=1.0, help="seconds between a round's end and the next POST"
    )
    parser.add_argument("--max-seconds", type=float, default=300.0, help="watchdog for the run")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, db)")
    parser.add_argument(
        "--phases",
        action="store_true",
        help="time the one-Daphne rounds' POSTs inside Daphne (bench/phase_probe)",
    )
    parser.add_argument(
        "--post-from",
        choices=["process", "thread"],
        default="process",
        help="the mentor's POST from its own process (as a browser) or a thread of the client",
    )
    parser.add_argument("--serve-baseline", nargs=2, type=int, metavar=("WS_PORT", "HTTP_PORT"))
    parser.add_argument("--serve-poster", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_poster:
        serve_poster()
        return 0
    if args.serve_baseline:
        asyncio.run(serve_baseline(*args.serve_baseline))
        return 0
    if not 1 <= args.learners <= MAX_LEARNERS or args.rounds < 1:
        parser.error(f"--learners must be 1..{MAX_LEARNERS} and --rounds at least 1")

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
