"""The system checks say at start-up what a host left out (real Django: override_settings and
run_checks; an app's missing dependency in a bare host process of its own)."""

import django
import pytest
from django.db import connection

from peerlearn_core.checks import sqlite_defers_writes
from peerlearn_core.compat import sqlite_cannot_begin_immediate
from peerlearn_testing.host import check_ids, urlconf


def test_the_site_passes_every_check():
    # On Django < 5.1 SQLite cannot begin IMMEDIATE transactions: W006 says so, rightly.
    assert check_ids() == ({"peerlearn_core.W006"} if sqlite_cannot_begin_immediate() else set())


def test_another_user_model_is_an_error():
    assert "peerlearn_core.E001" in check_ids(AUTH_USER_MODEL="auth.User")


def test_urls_not_included_or_mounted_elsewhere():
    assert "peerlearn_core.E002" in check_ids(ROOT_URLCONF=urlconf())
    found = check_ids(ROOT_URLCONF=urlconf("peerlearn_core", prefix="peerlearn/"))
    assert "peerlearn_core.W002" in found and "peerlearn_core.E002" not in found


def test_a_channel_layer_is_required_and_must_import():
    assert "peerlearn_core.E003" in check_ids(CHANNEL_LAYERS={})
    broken = {"default": {"BACKEND": "channels_nowhere.core.RedisChannelLayer"}}
    assert "peerlearn_core.E004" in check_ids(CHANNEL_LAYERS=broken)
    assert "peerlearn_core.E004" not in check_ids(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    )


def test_the_browsable_api_needs_rest_framework_installed(settings):
    without = [app for app in settings.INSTALLED_APPS if app != "rest_framework"]
    assert "peerlearn_core.E005" in check_ids(INSTALLED_APPS=without)
    json_only = {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}
    assert "peerlearn_core.E005" not in check_ids(INSTALLED_APPS=without, REST_FRAMEWORK=json_only)


def test_session_and_auth_middleware_are_required(settings):
    middleware = [m for m in settings.MIDDLEWARE if "AuthenticationMiddleware" not in m]
    assert "peerlearn_core.E006" in check_ids(MIDDLEWARE=middleware)


def test_templates_must_be_found_and_the_layout_wants_its_context(settings):
    assert "peerlearn_core.E007" in check_ids(TEMPLATES=[])
    engine = {**settings.TEMPLATES[0], "OPTIONS": {"context_processors": []}}
    found = check_ids(TEMPLATES=[engine])
    assert "peerlearn_core.W003" in found and "peerlearn_core.E007" not in found


@pytest.mark.parametrize(
    ("login_url", "warned"),
    [
        ("/accounts/login/", True),  # Django's default: no such page in the host
        ("peerlearn_core:nowhere", True),
        ("peerlearn_core:login", False),
        ("/login/", False),
        ("https://sso.example.com/login", False),
    ],
)
def test_login_url_must_lead_somewhere(login_url, warned):
    assert ("peerlearn_core.W004" in check_ids(LOGIN_URL=login_url)) is warned


def test_drf_num_proxies_without_ours_warns(settings):
    core = {**getattr(settings, "PEERLEARN_CORE", {}), "NUM_PROXIES": 0}
    drf = {**getattr(settings, "REST_FRAMEWORK", {}), "NUM_PROXIES": 1}
    assert "peerlearn_core.W005" in check_ids(REST_FRAMEWORK=drf, PEERLEARN_CORE=core)
    core["NUM_PROXIES"] = 1
    assert "peerlearn_core.W005" not in check_ids(REST_FRAMEWORK=drf, PEERLEARN_CORE=core)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's transaction mode only")
def test_sqlite_without_immediate_transactions_warns(monkeypatch):
    options = connection.settings_dict["OPTIONS"]
    expected = django.VERSION < (5, 1) or options.get("transaction_mode") != "IMMEDIATE"
    assert ("peerlearn_core.W006" in check_ids()) is expected
    monkeypatch.delitem(options, "transaction_mode", raising=False)
    assert sqlite_defers_writes()
    assert "peerlearn_core.W006" in check_ids()
