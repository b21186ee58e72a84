"""pytest plugin for an app's own suite in a bare host (``-p peerlearn_testing.plugin``, as each
package's ``[tool.pytest.ini_options]`` says): the ``peerlearn_apps`` ini value becomes the host's
``INSTALLED_APPS`` tail before pytest-django loads the settings, and the shared fixtures load."""

import os
import sys

import pytest

pytest_plugins = ["peerlearn_testing.fixtures"]

MARKERS = (
    "browser: drives Debian's chromium through Playwright",
    "redis: needs a Redis server at REDIS_URL or 127.0.0.1:6379",
    "postgres: needs PostgreSQL at TEST_DATABASE_URL or 127.0.0.1:5432",
    "slow: takes more than a few seconds",
    "trials: randomized trials sized by PAYOUT_TRIALS / LIFECYCLE_TRIALS; mostly waiting on "
    "HTTP round trips, so `make test` runs them beside the other stages",
)


def pytest_addoption(parser):
    parser.addini(
        "peerlearn_apps",
        "the PeerLearn apps the bare host installs, dependencies first",
        type="linelist",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    apps = early_config.getini("peerlearn_apps")
    if apps:
        os.environ["PEERLEARN_BARE_APPS"] = ",".join(apps)


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


# The composed site's modules: an app's own suite must pass without them.
SITE_MODULES = ("peerlearn", "peerlearn_theme")


def pytest_sessionfinish(session, exitstatus):
    if not session.config.getini("peerlearn_apps"):
        return
    leaked = sorted(
        name
        for name in sys.modules
        if name in SITE_MODULES or name.startswith(tuple(f"{m}." for m in SITE_MODULES))
    )
    if leaked:
        session.config.get_terminal_writer().line(
            f"the app's own tests imported the composed site: {', '.join(leaked)}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
