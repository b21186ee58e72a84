"""A loopback Razorpay sandbox per test module, and the app pointed at it by base URL."""

import pytest
from django.test import override_settings

from peerlearn_payouts.sandbox import SandboxServer

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
    with override_settings(PEERLEARN_PAYOUTS={**settings.PEERLEARN_PAYOUTS, **overrides}):
        yield sandbox_server
