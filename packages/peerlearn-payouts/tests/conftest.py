"""A loopback Razorpay sandbox per test module, and the app pointed at it by base URL."""

import threading

import pytest
from django.db import connections
from django.test import override_settings

from peerlearn_payouts.gateway import RazorpayGateway
from razorpay_sandbox import SandboxServer

KEYS = {
    "key_id": "rzp_test_suite",
    "key_secret": "suite-key-secret",
    "webhook_secret": "suite-webhook-secret",
    "account_number": "7878780080316316",
}


@pytest.fixture(scope="module")
def sandbox_server():
    server = SandboxServer(
        timeout_fault_delay=0.25,
        webhook_backoff=0.05,
        webhook_backoff_cap=0.2,
        shuffle_window=0.05,
        **KEYS,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The sandbox, reset, with PEERLEARN_PAYOUTS pointing the real gateway at it."""
    sandbox_server.reset()
    sandbox_server.set_webhooks(url="", enabled=False)
    overrides = {
        "KEY_ID": KEYS["key_id"],
        "KEY_SECRET": KEYS["key_secret"],
        "WEBHOOK_SECRET": KEYS["webhook_secret"],
        "ACCOUNT_NUMBER": KEYS["account_number"],
        "BASE_URL": sandbox_server.url,
        "TIMEOUT": 0.15,
    }
    with override_settings(
        PEERLEARN_PAYOUTS={**getattr(settings, "PEERLEARN_PAYOUTS", {}), **overrides}
    ):
        yield sandbox_server


def _open_transaction(alias: str) -> bool:
    """A transaction of the code under test (not the test's own wrapping atomic) is open on
    this thread's connection."""
    blocks = connections[alias].atomic_blocks
    return any(not block._from_testcase for block in blocks)


@pytest.fixture(autouse=True)
def no_gateway_call_in_a_transaction(monkeypatch):
    """Every test of the package: no call to Razorpay (payouts, orders, refunds, the webhook's
    fetch) is ever made while a transaction is open; a write lock would be held across HTTP."""
    offences: list[str] = []
    lock = threading.Lock()
    real_call = RazorpayGateway._call

    def guarded(self, fn, *args, **kwargs):
        if any(_open_transaction(alias) for alias in connections):
            with lock:
                offences.append(f"{getattr(fn, '__qualname__', fn)}{args[:1]}")
        return real_call(self, fn, *args, **kwargs)

    monkeypatch.setattr(RazorpayGateway, "_call", guarded)
    yield
    assert offences == [], f"gateway calls inside a transaction: {offences}"
