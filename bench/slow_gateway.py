"""Another user's latency while Razorpay is slow: p95 of `GET /api/sessions/` on one Daphne.

    .venv/bin/python bench/slow_gateway.py [--delay 3] [--gets 20] [--withdrawals 4] [--orders 4]

Starts the loopback Razorpay sandbox in this process and one Daphne (the real site, its own
SQLite file, in-memory channel layer) as a subprocess, seeds mentors with earnings, learners
with unpaid bookings and a bystander learner. Then, twice:

1. fast gateway: ``--gets`` concurrent `GET /api/sessions/` by the bystander while the
   withdrawals (`POST /api/payouts/razorpay/`) and orders (`POST /api/bookings/{id}/pay/`) run
   against a sandbox answering at once;
2. slow gateway: the same, with the sandbox answering every `POST /v1/...` after ``--delay`` s
   (a stall below the 5 s client timeout: the calls succeed, late).

``--shared-thread`` runs the same Daphne without Django's per-request ``ThreadSensitiveContext``
(a ``sitecustomize`` patch), emulating the model issue 9 feared: every request's sync code queued
on asgiref's one process-wide thread. It shows the stall the test guards against.

It prints the bystander's p50/p95/max in each phase, the slow/fast p95 ratio, and how long the
slow money calls took (each must take at least ``--delay``: they really were slow).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
KEYS = {
    "key_id": "rzp_test_bench",
    "key_secret": "bench-key-secret",
    "webhook_secret": "bench-webhook-secret",
    "account_number": "7878780080316316",
}

SEED = """
import itertools, json
import peerlearn_core.testing.factories as users
from django.contrib.auth import get_user_model
users._seq = itertools.count(get_user_model().objects.count() + 1)
from peerlearn_bookings.testing.factories import make_booking, make_session
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor
from peerlearn_payouts.testing.factories import give_earnings
n_mentors, n_orders = {mentors}, {orders}
mentors = [make_mentor() for _ in range(n_mentors)]
for m in mentors:
    give_earnings(m, 10_000_000)
teacher = make_mentor()
for i in range(5):
    make_session(mentor=teacher, price_paise=50_000, max_participants=50)
paid = make_session(mentor=teacher, price_paise=50_000, max_participants=50)
bookings = [make_booking(paid) for _ in range(n_orders)]
bystander = make_learner()
print(json.dumps({{
    "mentors": [jwt_for(m) for m in mentors],
    "orders": [[b.pk, jwt_for(b.learner)] for b in bookings],
    "bystander": jwt_for(bystander),
}}))
"""


SHARED_THREAD = """
import contextlib
import django.core.handlers.asgi as asgi


class _NoContext(contextlib.AbstractAsyncContextManager):
    async def __aexit__(self, *exc):
        return None


asgi.ThreadSensitiveContext = _NoContext
"""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """One Daphne serving the site on a temporary SQLite file, talking to the sandbox."""

    def __init__(
        self,
        sandbox_url: str,
        tmp: Path,
        extra_env: dict | None = None,
        *,
        shared_thread: bool = False,
    ):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            DEBUG="1",
            PEERLEARN_DATA_DIR=str(tmp),
            SQLITE_PATH=str(tmp / "site.sqlite3"),
            THROTTLE_AUTH="10000/min",
            THROTTLE_MONEY="10000/min",
            DJANGO_SETTINGS_MODULE="peerlearn.settings",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            RAZORPAY_KEY_ID=KEYS["key_id"],
            RAZORPAY_KEY_SECRET=KEYS["key_secret"],
            RAZORPAY_WEBHOOK_SECRET=KEYS["webhook_secret"],
            RAZORPAYX_ACCOUNT_NUMBER=KEYS["account_number"],
            RAZORPAY_BASE_URL=sandbox_url,
        )
        env.update(extra_env or {})
        if shared_thread:
            # Emulate the model the issue feared (Django < 3.2): no per-request thread context,
            # so every request's sync code queues for asgiref's one process-wide thread.
            (tmp / "sitecustomize.py").write_text(SHARED_THREAD)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp), env.get("PYTHONPATH")]))
        self.env = env
        self.proc = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return done.stdout

    def start(self) -> Site:
        self.manage("migrate", "--noinput", "-v0")
        log = open(self.tmp / "daphne.log", "w")  # noqa: SIM115
        daphne = str(Path(sys.executable).parent / "daphne")
        self.proc = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(self.port), "peerlearn.asgi:application"],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.tmp / "daphne.log").read_text()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start in 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def seed(self, *, mentors: int, orders: int) -> dict:
        out = self.manage("shell", "-c", SEED.format(mentors=mentors, orders=orders))
        return json.loads(out.strip().splitlines()[-1])


def _get(url: str, token: str) -> tuple[float, float, int]:
    started = time.monotonic()
    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return started, time.monotonic(), response.status_code


def _withdraw(url: str, token: str, n: int) -> tuple[float, float, int, dict]:
    started = time.monotonic()
    response = requests.post(
        f"{url}/api/payouts/razorpay/",
        json={"amount": 10_000, "upi_id": "mentor@okaxis"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{n}"},
        timeout=60,
    )
    return started, time.monotonic(), response.status_code, response.json()


def _order(url: str, booking_id: int, token: str) -> tuple[float, float, int, dict]:
    started = time.monotonic()
    response = requests.post(
        f"{url}/api/bookings/{booking_id}/pay/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return started, time.monotonic(), response.status_code, response.json()


def measure(site_url: str, seed: dict, *, gets: int, lead: float, round_no: int) -> dict:
    """Start the money calls, wait ``lead`` s (they are in flight), then fire ``gets``
    concurrent bystander GETs. Returns the GET latencies and the money calls' spans."""
    pool = cf.ThreadPoolExecutor(max_workers=gets + len(seed["mentors"]) + len(seed["orders"]))
    try:
        money = [
            pool.submit(_withdraw, site_url, token, round_no * 1000 + i)
            for i, token in enumerate(seed["mentors"])
        ]
        money += [
            pool.submit(_order, site_url, booking_id, token) for booking_id, token in seed["orders"]
        ]
        time.sleep(lead)
        fired = time.monotonic()
        reads = [
            pool.submit(_get, f"{site_url}/api/sessions/", seed["bystander"]) for _ in range(gets)
        ]
        read_results = [f.result() for f in reads]
        money_results = [f.result() for f in money]
    finally:
        pool.shutdown(wait=True)
    latencies = [end - start for start, end, _status in read_results]
    assert all(status == 200 for *_t, status in read_results), read_results
    return {
        "latencies": latencies,
        "reads_done": max(end for _s, end, _c in read_results),
        "fired": fired,
        "money": [(end - start, status, body) for start, end, status, body in money_results],
        "money_done": min(end for _s, end, _c, _b in money_results),
    }


def summary(latencies: list[float]) -> str:
    ms = [x * 1000 for x in latencies]
    return (
        f"p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms   "
        f"max {max(ms):7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=3.0, help="slow gateway answer delay (s)")
    parser.add_argument("--gets", type=int, default=20, help="concurrent bystander GETs")
    parser.add_argument("--withdrawals", type=int, default=4, help="concurrent withdrawals")
    parser.add_argument("--orders", type=int, default=4, help="concurrent orders (/pay/)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per phase")
    parser.add_argument(
        "--shared-thread",
        action="store_true",
        help="emulate one shared sync thread per process (no per-request ThreadSensitiveContext)",
    )
    args = parser.parse_args()

    sys.path[:0] = [str(REPO / "packages/razorpay-sandbox/src")]
    from razorpay_sandbox import SandboxServer

    tmp = Path(tempfile.mkdtemp(prefix="peerlearn-slowgw-"))
    sandbox = SandboxServer(**KEYS).start()
    site = Site(sandbox.url, tmp, shared_thread=args.shared_thread).start()
    try:
        lead = min(0.5, args.delay / 4)
        phases = {}
        for phase, delay in (("fast gateway", 0.0), ("slow gateway", args.delay)):
            latencies, money, orderings = [], [], []
            for r in range(args.rounds):
                seed = site.seed(mentors=args.withdrawals, orders=args.orders)
                sandbox.clear_faults()
                if delay:
                    # Every POST to Razorpay (contacts, fund accounts, payouts, orders) answers
                    # `delay` s late, below the client's 5 s timeout: the calls succeed, slowly.
                    sandbox.inject_fault("timeout", path="/v1/", count=10_000, delay=delay)
                result = measure(
                    site.url, seed, gets=args.gets, lead=lead, round_no=len(phases) * 100 + r
                )
                latencies += result["latencies"]
                money += result["money"]
                orderings.append(result["reads_done"] < result["money_done"])
            sandbox.clear_faults()
            phases[phase] = latencies
            spans = [span for span, _status, _body in money]
            statuses = sorted({status for _span, status, _body in money})
            print(
                f"{phase:13s} (answers after {delay:.1f} s): bystander {summary(latencies)}   "
                f"money calls {min(spans):.2f}-{max(spans):.2f} s, HTTP {statuses}"
                + (f", reads done before the first money call: {orderings}" if delay else "")
            )
        fast = percentile(phases["fast gateway"], 95)
        slow = percentile(phases["slow gateway"], 95)
        print(f"p95 slow/fast = {slow / fast:.2f}x  ({args.gets} GETs x {args.rounds} rounds)")
    finally:
        site.stop()
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
