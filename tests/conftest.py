"""Root fixtures: real services (Redis, PostgreSQL, Daphne subprocesses, Debian chromium).

Under CI=true a missing service or browser fails the run; elsewhere it skips with the reason.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The browser site marks a learner attended after this much presence in a started call.
ATTENDED_AFTER_SECONDS = 4


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if CI:
        pytest.fail(f"{reason} — under CI nothing is skipped for a missing service", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    parsed = urlparse(url)
    require(port_open(parsed.hostname, parsed.port or 6379), f"Redis is not reachable at {url}")
    return url


class SiteServer:
    """A Daphne process serving the real site, with its own SQLite file (and optional Redis)."""

    def __init__(self, env: dict, port: int):
        self.env = env
        self.port = port
        self.url = f"http://localhost:{port}"
        self.proc = None

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def start(self) -> "SiteServer":
        log = open(Path(self.env["PEERLEARN_DATA_DIR"]) / f"daphne-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "peerlearn.asgi:application",
            ],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {Path(log.name).read_text()[-2000:]}")
            if port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.1)
        raise RuntimeError("daphne did not start in 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_async(coroutine):
    """Run a scenario on its own loop in a worker thread: Playwright's sync API may already own
    the main thread's loop when browser tests ran earlier in the session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextmanager
def two_daphnes(tmp: Path, redis_url: str):
    """Two Daphne processes sharing one database and one Redis channel layer: (a, b)."""
    env = site_env(tmp, REDIS_URL=redis_url)
    a = SiteServer(env, free_port())
    a.manage("migrate", "--noinput", "-v0")
    b = SiteServer(env, free_port())
    a.start()
    b.start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def site_env(tmp: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="1",
        PEERLEARN_UI_KIT="1",
        PEERLEARN_DATA_DIR=str(tmp),
        SQLITE_PATH=str(tmp / "site.sqlite3"),
        # Browser tests log in and sign up many times from 127.0.0.1, some as one account.
        THROTTLE_AUTH="1000/min",
        THROTTLE_AUTH_ACCOUNT="1000/min",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="peerlearn.settings",
    )
    # Each site of a run keeps its channel-layer groups and cache keys apart from the others'
    # in the shared Redis database: group names (notifications_3) repeat across sites' databases.
    env["REDIS_PREFIX"] = f"t{uuid.uuid4().hex[:10]}"
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


SANDBOX_KEYS = {
    "key_id": "rzp_test_browser",
    "key_secret": "browser-key-secret",
    "webhook_secret": "browser-webhook-secret",
    "account_number": "7878780080316316",
}


@pytest.fixture(scope="session")
def razorpay_sandbox():
    from razorpay_sandbox import SandboxServer

    server = SandboxServer(**SANDBOX_KEYS).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def site_server(tmp_path_factory, redis_url, razorpay_sandbox):
    """One Daphne serving the site over Redis, talking to the Razorpay sandbox, for the browser
    tests of a run."""
    tmp = tmp_path_factory.mktemp("site")
    port = free_port()
    env = site_env(
        tmp,
        REDIS_URL=redis_url,
        RAZORPAY_KEY_ID=SANDBOX_KEYS["key_id"],
        RAZORPAY_KEY_SECRET=SANDBOX_KEYS["key_secret"],
        RAZORPAY_WEBHOOK_SECRET=SANDBOX_KEYS["webhook_secret"],
        RAZORPAYX_ACCOUNT_NUMBER=SANDBOX_KEYS["account_number"],
        RAZORPAY_BASE_URL=razorpay_sandbox.url,
        RTC_ATTENDED_AFTER_SECONDS=str(ATTENDED_AFTER_SECONDS),
        RAZORPAY_CHECKOUT_URL=razorpay_sandbox.url.replace("127.0.0.1", "localhost") + "/checkout",
    )
    server = SiteServer(env, port)
    server.manage("migrate", "--noinput", "-v0")
    server.start()
    razorpay_sandbox.set_webhooks(url=f"{server.url}/api/payouts/razorpay/webhook/", enabled=True)
    yield server
    server.stop()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG under artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.test"
