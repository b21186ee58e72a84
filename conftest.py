"""Root pytest setup: shared fixtures and markers of every package, and Playwright on Debian's
chromium."""

import os
from pathlib import Path

import pytest

# The shared fixtures and markers, as each package's own runs load them.
pytest_plugins = ["peerlearn_testing.plugin"]

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright launches Debian's chromium (Playwright's own download is unreachable)."""
    if not Path(CHROMIUM).exists():
        reason = f"Debian chromium is not installed at {CHROMIUM}"
        if CI:
            pytest.fail(
                f"{reason} — under CI nothing is skipped for a missing browser", pytrace=False
            )
        pytest.skip(reason)
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-IN"}
