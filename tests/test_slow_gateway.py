"""A slow Razorpay never delays another user's request on the same Daphne (issue 9, part 6).

One Daphne serving the real site (its own SQLite file) talks to the loopback sandbox. While
withdrawals and orders are in flight against a sandbox answering every ``POST /v1/...`` after
3 s, a bystander learner's 20 concurrent ``GET /api/sessions/`` all answer 200 before the first
money call returns. That ordering is the behaviour; how their p95 compares with a fast gateway
is a speed figure, measured by ``bench/slow_gateway.py`` (same harness) into
docs/benchmarks.md, never asserted here: on a loaded CI machine a timing ratio is noise.
"""

import importlib.util
from pathlib import Path

import django
import pytest

from peerlearn_core.compat import NO_IMMEDIATE

from .conftest import SANDBOX_KEYS

REPO = Path(__file__).resolve().parents[1]
DELAY, GETS, ROUNDS = 3.0, 20, 2

pytestmark = [
    pytest.mark.slow,
    # Concurrent money calls against a Daphne that always runs on SQLite (its own file).
    pytest.mark.skipif(django.VERSION < (5, 1), reason=NO_IMMEDIATE),
]


def _bench():
    spec = importlib.util.spec_from_file_location("slow_gateway", REPO / "bench/slow_gateway.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def slow_site(tmp_path, razorpay_sandbox):
    bench = _bench()
    site = bench.Site(
        razorpay_sandbox.url,
        tmp_path,
        extra_env={
            "RAZORPAY_KEY_ID": SANDBOX_KEYS["key_id"],
            "RAZORPAY_KEY_SECRET": SANDBOX_KEYS["key_secret"],
            "RAZORPAY_WEBHOOK_SECRET": SANDBOX_KEYS["webhook_secret"],
            "RAZORPAYX_ACCOUNT_NUMBER": SANDBOX_KEYS["account_number"],
        },
    ).start()
    yield bench, site
    razorpay_sandbox.clear_faults()
    site.stop()


def test_slow_gateway_never_delays_another_users_request(slow_site, razorpay_sandbox):
    bench, site = slow_site
    for round_no in range(ROUNDS):
        for phase in ("fast", "slow"):
            seed = site.seed(mentors=2, orders=2)
            razorpay_sandbox.clear_faults()
            if phase == "slow":
                razorpay_sandbox.inject_fault("timeout", path="/v1/", count=10_000, delay=DELAY)
            result = bench.measure(
                site.url, seed, gets=GETS, lead=0.5, round_no=round_no * 10 + len(phase)
            )
            razorpay_sandbox.clear_faults()
            assert len(result["latencies"]) == GETS  # every bystander read was answered
            assert {status for _span, status, _body in result["money"]} == {201}, result["money"]
            if phase == "slow":
                spans = [span for span, _status, _body in result["money"]]
                assert min(spans) >= DELAY, spans  # the gateway really was slow
                # The ordering: every bystander read was answered while the slow calls waited.
                assert result["reads_done"] < result["money_done"]
