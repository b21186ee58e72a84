"""The production profile: `check --deploy` is clean, DEBUG-only pages are gone, secrets required."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate

REPO = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "PEERLEARN_UI_KIT", "DJANGO_SETTINGS_MODULE", "RAZORPAY_KEY_ID"}
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "peerlearn.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://peerlearn.example.com",
    "DJANGO_SETTINGS_MODULE": "peerlearn.settings",
    "RAZORPAY_KEY_ID": "rzp_live_deploy_check",
    "RAZORPAY_KEY_SECRET": "deploy-check-key-secret",
    "RAZORPAYX_ACCOUNT_NUMBER": "7878780080316316",
    "RAZORPAY_WEBHOOK_SECRET": "deploy-check-webhook-secret",
}


@pytest.mark.slow
# The site's SQLite begins IMMEDIATE transactions from Django 5.1 on (W006 on 4.2, rightly).
@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PEERLEARN_DATA_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_razorpay_keys_are_a_deploy_warning(tmp_path):
    keyless = {k: v for k, v in PRODUCTION.items() if "RAZORPAY" not in k}
    result = manage("check", "--fail-level", "WARNING", PEERLEARN_DATA_DIR=str(tmp_path), **keyless)
    assert result.returncode != 0
    assert "peerlearn_payouts.W001" in result.stderr + result.stdout


def test_missing_secret_key_refuses_to_start(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": "", "PEERLEARN_DATA_DIR": str(tmp_path)}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_ui_kit_page_is_development_only(client, settings):
    settings.PEERLEARN_CORE = {**settings.PEERLEARN_CORE, "UI_KIT_ENABLED": False}
    assert client.get("/ui-kit/").status_code == 404
    settings.PEERLEARN_CORE = {**settings.PEERLEARN_CORE, "UI_KIT_ENABLED": True}
    assert client.get("/ui-kit/").status_code == 200


def test_throttle_auth_environment_variable_sets_the_rate():
    # The site's settings read THROTTLE_AUTH; core's default applies in any other host.
    code = (
        "import django; django.setup(); from peerlearn_core.app_settings import core_settings;"
        " print(core_settings.AUTH_THROTTLE_RATE)"
    )
    env = {
        **os.environ,
        "THROTTLE_AUTH": "7/min",
        "DJANGO_SETTINGS_MODULE": "peerlearn.settings",
        "DEBUG": "1",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "7/min"
