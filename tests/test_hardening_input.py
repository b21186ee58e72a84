"""Issue 12, input across the composed site: the JSON limits on every app's endpoints, JSON
404/405 and no-store under /api/, and the development secret key kept in the data directory."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import parsers, serializers

from peerlearn_bookings.models import LiveSession, SessionRequest
from peerlearn_bookings.testing.factories import future
from peerlearn_core.api.fields import STRICT_STRING_FIELDS
from peerlearn_core.api.parsers import JSONParser as LimitedJSONParser
from peerlearn_core.api.parsers import MultiPartParser as StrictMultiPartParser
from peerlearn_core.testing.factories import make_mentor
from peerlearn_payouts.models import Payout

REPO = Path(__file__).resolve().parents[1]
DEEP = "[" * 1000 + "]" * 1000
TOO_DEEP = {"detail": "JSON nested deeper than 20 levels."}

pytestmark = pytest.mark.django_db


def post_json(client, path, text):
    return client.post(path, text, content_type="application/json")


def with_deep(body: dict, field: str) -> str:
    return json.dumps({**body, field: "@"}).replace('"@"', DEEP)


def api_views(patterns=None):
    """Every DRF view class the site routes to."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if hasattr(pattern, "url_patterns"):
            yield from api_views(pattern.url_patterns)
        elif hasattr(pattern.callback, "cls"):
            yield pattern.callback.cls


def test_every_api_view_parses_json_within_the_limits():
    views = list(api_views())
    assert len(views) > 30
    for view in views:
        json_parsers = [p for p in view.parser_classes if issubclass(p, parsers.JSONParser)]
        assert all(issubclass(p, LimitedJSONParser) for p in json_parsers), view
        forms = [p for p in view.parser_classes if issubclass(p, parsers.MultiPartParser)]
        assert all(issubclass(p, StrictMultiPartParser) for p in forms), view


def request_serializers():
    """The serializer behind every documented request body, from the OpenAPI generator."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    refs = {
        media["schema"]["$ref"].rsplit("/", 1)[-1]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in media.get("schema", {})
    }
    found = {}
    for (name, _kind), component in generator.registry._components.items():
        if name in refs:
            serializer = component.object
            found[name] = serializer if isinstance(serializer, type) else type(serializer)
    assert set(found) == refs
    return found


def text_inputs(serializer, prefix=""):
    """(name, field) of every writable field that reads text, nested ones included."""
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        while isinstance(field, serializers.ListField | serializers.DictField):
            field, name = field.child, f"{name}[]"
        if isinstance(field, serializers.Serializer):
            yield from text_inputs(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.CharField | serializers.ChoiceField):
            yield f"{prefix}{name}", field


def test_every_text_input_refuses_non_strings():
    """A JSON number where the schema says string is a 400 on that field (schemathesis found
    `"message": 0` stored as "0"): every writable text field of our request bodies is one of
    the strict ones."""
    bodies = request_serializers()
    ours = {n: c for n, c in bodies.items() if c.__module__.startswith("peerlearn")}
    assert len(ours) > 12
    loose, checked = [], 0
    for name, cls in ours.items():
        for field_name, field in text_inputs(cls()):
            checked += 1
            if not isinstance(field, STRICT_STRING_FIELDS):
                loose.append(f"{name}.{field_name}: {type(field).__name__}")
    assert checked > 15
    assert loose == []


def test_deep_json_creates_no_session(as_user, mentor):
    body = {
        "title": "Deep",
        "description": "d",
        "starts_at": future(days=2).isoformat(),
        "duration_minutes": 60,
        "max_participants": 3,
        "price": "0.00",
    }
    client = as_user(mentor)
    for text in (DEEP, with_deep(body, "title"), with_deep(body, "extra")):
        response = post_json(client, "/api/sessions/", text)
        assert response.status_code == 400, response.content
        assert response.json() == TOO_DEEP
    assert not LiveSession.objects.exists()
    assert post_json(client, "/api/sessions/", json.dumps(body)).status_code == 201


def test_deep_json_creates_no_request_and_no_payout(as_user, learner, mentor):
    ask = {"mentor": mentor.pk, "topic": "t", "message": "m", "preferred_times": []}
    response = post_json(as_user(learner), "/api/requests/", with_deep(ask, "preferred_times"))
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert not SessionRequest.objects.exists()
    payout = {"amount": "1.00", "upi_id": "asha@okhdfcbank"}
    response = post_json(as_user(mentor), "/api/payouts/razorpay/", with_deep(payout, "amount"))
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions/abc/",
        "/api/sessions/1/nope/",
        "/api/bookings/abc/confirm/",
        "/api/payouts/abc/",
        "/api/analytics/sessions/abc/",
        "/api/no/such/thing/",
    ],
)
def test_unmatched_api_paths_are_json_404(as_user, mentor, api_client, path):
    for client in (api_client, as_user(mentor)):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_missing_objects_and_wrong_methods_are_json(as_user, mentor):
    client = as_user(mentor)
    missing = client.get("/api/sessions/999999/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert "detail" in missing.json()
    for method, path in [("put", "/api/sessions/"), ("delete", "/api/payouts/balance/")]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 405
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}


def test_a_page_404_stays_html(client):
    response = client.get("/sessions/abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/api/me/",
        "/api/payouts/balance/",
        "/api/payouts/",
        "/api/sessions/",
        "/api/requests/",
        "/api/notifications/",
        "/api/badges/",
        "/api/analytics/earnings/?period=weekly",
    ],
)
def test_private_api_responses_are_no_store(as_user, path):
    response = as_user(make_mentor()).get(path)
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]


def test_learner_bookings_are_no_store(as_user, learner):
    assert "no-store" in as_user(learner).get("/api/bookings/")["Cache-Control"]


# --- the development secret key ---------------------------------------------------------------

SHOW_KEYS = (
    "from django.conf import settings; "
    "print(settings.SECRET_KEY); print(settings.SIMPLE_JWT['SIGNING_KEY'])"
)


def load_settings(data_dir: Path, **extra) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "JWT_SIGNING_KEY", "DATABASE_URL"}
    }
    env.update(
        DEBUG="1",
        PEERLEARN_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="peerlearn.settings",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", SHOW_KEYS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def keys(data_dir: Path, **extra) -> list[str]:
    result = load_settings(data_dir, **extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_development_key_is_generated_once_and_kept_in_the_data_dir(tmp_path):
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    secret, signing = keys(first_dir)
    assert signing == secret and len(secret) >= 50
    key_file = first_dir / "secret_key"
    assert key_file.read_text().strip() == secret
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keys(first_dir) == [secret, secret]  # reused on the next start
    other, _ = keys(second_dir)
    assert other != secret
    # An explicit JWT_SIGNING_KEY still wins; an empty one falls back to the secret key.
    assert keys(first_dir, JWT_SIGNING_KEY="j" * 50) == [secret, "j" * 50]
    assert keys(first_dir, JWT_SIGNING_KEY="") == [secret, secret]


def test_an_unusable_key_file_stops_the_start(tmp_path):
    (tmp_path / "secret_key").write_text("short\n")
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "holds no usable key" in result.stderr


def test_no_fixed_secret_key_in_the_settings():
    source = (REPO / "site" / "peerlearn" / "settings.py").read_text()
    assert "dev-insecure" not in source
    assert 'SECRET_KEY = "' not in source
