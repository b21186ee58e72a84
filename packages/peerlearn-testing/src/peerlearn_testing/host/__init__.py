"""A bare host for the apps' own tests: a Django project with only what the READMEs ask for
(``settings.py``, ``urls.py``, ``asgi.py`` here; no ``REST_FRAMEWORK`` setting at all), run in a
process of its own so nothing of the calling test suite's settings leaks in.

``run(*apps)`` installs ``apps`` (dependencies first, as in INSTALLED_APPS), sweeps the last one's
URLs and sockets (``__main__``) and returns the report; ``manage(*apps, command=...)`` runs a
``django-admin`` command there; ``problems(report)`` lists what breaks the contract: a 5xx anywhere, an /api/ endpoint that lets a stranger in (anything but 401) or
refuses a valid token (401), unsafe session calls without a CSRF token that are not refused
(403), a redirect to a page the host does not have.
"""

import json
import os
import subprocess
import sys
import tempfile

# Open to anyone (the contract's "anyone"; the webhook authenticates by its signature).
PUBLIC = {
    "/api/auth/register/",
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    "/api/payouts/razorpay/webhook/",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _python(apps, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """``python *args`` in the bare host with ``apps`` installed, a fresh folder for its data."""
    with tempfile.TemporaryDirectory(prefix="peerlearn-bare-host-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "peerlearn_testing.host.settings",
            "PEERLEARN_BARE_APPS": ",".join(apps),
            "PEERLEARN_BARE_DIR": folder,
            "PEERLEARN_SMOKE": "1",
        }
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def manage(*apps: str, command: tuple = ("check",), timeout: float = 120):
    """``django-admin <command>`` in a bare host with ``apps`` installed (the CompletedProcess)."""
    return _python(apps, "-m", "django", *command, timeout=timeout)


def check_ids(**overrides) -> set[str]:
    """The ids of the PeerLearn system checks (tag ``peerlearn``) that fail under ``overrides``,
    in this process."""
    from django.core.checks import run_checks
    from django.test import override_settings

    from peerlearn_core.checks import TAG

    with override_settings(**overrides):
        return {message.id for message in run_checks(tags=[TAG])}


def urlconf(*apps: str, prefix: str = ""):
    """A ROOT_URLCONF for ``override_settings`` that includes only ``apps``' URLs, at ``prefix``."""
    from django.urls import include, path

    patterns = [path(prefix, include(f"{app}.urls")) for app in apps]
    return type("URLconf", (), {"urlpatterns": patterns})


def run(*apps: str, timeout: float = 600) -> dict:
    result = _python(apps, "-m", "peerlearn_testing.host", timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f"the bare host failed:\n{result.stdout[-3000:]}{result.stderr[-6000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _problem(row: dict) -> str | None:
    who, method, path, status = row["who"], row["method"], row["path"], row["status"]
    if status >= 500:
        return row.get("error") or f"{status}"
    if path in PUBLIC:  # an empty body; 429 once the sweep has spent the auth throttle
        return None if status in {400, 405, 429} else f"{status}, expected 400, 405 or 429"
    if path.startswith("/api/"):
        if who == "anonymous":
            return None if status == 401 else f"{status} for a stranger, expected 401"
        if who == "session" and method in UNSAFE and status != 403:
            return f"{status} without a CSRF token, expected 403"
        if status == 401:
            return "401: the credentials were not accepted"
        return None
    if row.get("location_served") is False:
        return f"redirects to {row['location']}, which the host does not serve"
    return None


def problems(report: dict) -> list[str]:
    found = [
        f"{row['who']} {row['method']} {row['path']}: {problem}"
        for row in report["responses"]
        if (problem := _problem(row))
    ]
    found += [
        f"{row['who']} socket {row['path']}: {row['outcome']}"
        for row in report["sockets"]
        if row["outcome"].startswith("crashed")
        or (row["who"] == "anonymous" and row["outcome"] != "closed 4401")
    ]
    found += [
        f"smoke {row['what']}: {row['detail']}" for row in report.get("smoke", []) if not row["ok"]
    ]
    found += [
        f"check {check['id']}: {check['msg']}"
        for check in report["checks"]
        if check["id"] != "peerlearn_core.W006" or report["django"] >= [5, 1]
    ]
    return found


def statuses(report: dict, who: str, method: str, path: str) -> set[int]:
    """What ``who`` got for ``method path`` in the sweep."""
    return {
        row["status"]
        for row in report["responses"]
        if (row["who"], row["method"], row["path"]) == (who, method, path)
    }
