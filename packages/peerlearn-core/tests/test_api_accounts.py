import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from rest_framework_simplejwt.tokens import RefreshToken

from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import DEFAULT_PASSWORD, make_learner

User = get_user_model()
pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Asha@Example.test",
    "password": "tiger-lily-4829",
    "name": "Asha",
    "role": "mentor",
}


def register(client, **overrides):
    return client.post("/api/auth/register/", {**GOOD, **overrides}, format="json")


def test_register_creates_user_with_lowercased_email(api_client):
    response = register(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "email": "asha@example.test",
        "name": "Asha",
        "role": "mentor",
    }
    user = User.objects.get(pk=body["id"])
    assert user.check_password(GOOD["password"]) and user.role == "mentor"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"password": "asha@example.test"}, "password"),
        ({"role": "admin"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"email": ""}, "email"),
        # Not strings where the schema says string: refused, never turned into text.
        ({"name": 0}, "name"),
        ({"name": 1.5}, "name"),
        ({"email": 7}, "email"),
        ({"password": 12345678901}, "password"),
        ({"role": ["mentor"]}, "role"),
        ({"role": True}, "role"),
    ],
)
def test_register_bad_input_gives_field_errors_and_writes_nothing(api_client, overrides, field):
    response = register(api_client, **overrides)
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == 0


def test_register_missing_fields(api_client):
    response = api_client.post("/api/auth/register/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password", "name", "role"}


def test_register_duplicate_email_case_insensitive(api_client):
    assert register(api_client).status_code == 201
    response = register(api_client, email="ASHA@example.TEST")
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


def test_register_non_json_body_is_400_not_500(api_client):
    response = api_client.post("/api/auth/register/", "{oops", content_type="application/json")
    assert response.status_code == 400


def test_token_and_refresh_roundtrip(api_client):
    register(api_client)
    response = api_client.post(
        "/api/auth/token/", {"email": "asha@example.test", "password": GOOD["password"]}
    )
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200 and "access" in refreshed.json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = api_client.get("/api/me/")
    assert me.status_code == 200 and me.json()["email"] == "asha@example.test"


def test_token_login_is_case_insensitive_on_email(api_client):
    register(api_client)
    response = api_client.post(
        "/api/auth/token/", {"email": "ASHA@EXAMPLE.TEST", "password": GOOD["password"]}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "asha@example.test", "password": "wrong-password-1"},
        {"email": "nobody@example.test", "password": "tiger-lily-4829"},
    ],
)
def test_token_wrong_credentials_is_401(api_client, body):
    register(api_client)
    assert api_client.post("/api/auth/token/", body).status_code == 401


def test_refresh_with_garbage_is_401(api_client):
    assert api_client.post("/api/auth/token/refresh/", {"refresh": "garbage"}).status_code == 401
    assert api_client.post("/api/auth/token/refresh/", {}).status_code == 400


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not.a.jwt",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl",
        "Token abc",
    ],
)
def test_me_with_bad_jwt_is_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert api_client.get("/api/me/").status_code == 401


def test_me_refuses_anonymous(api_client):
    assert api_client.get("/api/me/").status_code == 401


def test_me_refuses_refresh_token_as_access(api_client, learner):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(learner)}")
    assert api_client.get("/api/me/").status_code == 401


def test_me_get_and_patch(as_user, learner):
    client = as_user(learner)
    body = client.get("/api/me/").json()
    assert set(body) == {"id", "email", "name", "role", "bio", "avatar_url"}
    response = client.patch(
        "/api/me/",
        {
            "name": "New Name",
            "bio": "I like graphs",
            "role": "mentor",
            "email": "hijack@example.test",
        },
        format="json",
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == ("New Name", "I like graphs")
    assert (learner.role, learner.email) == ("learner", response.json()["email"])
    assert learner.notifications.filter(kind="account.updated").count() == 1


def test_me_patch_blank_name_is_400(as_user, learner):
    response = as_user(learner).patch("/api/me/", {"name": ""}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    learner.refresh_from_db()
    assert learner.name != ""


@pytest.mark.parametrize("body", [{"name": 0}, {"bio": 5}, {"bio": False}, {"name": ["Asha"]}])
def test_me_patch_non_string_is_400_on_the_field(as_user, learner, body):
    before = (learner.name, learner.bio)
    response = as_user(learner).patch("/api/me/", body, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {next(iter(body)): ["Not a valid string."]},
    )
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == before


def test_me_patch_as_a_form_still_takes_its_text_fields(as_user, learner):
    """Form bodies are all strings: a name made of digits is still a name there."""
    response = as_user(learner).patch("/api/me/", {"name": "0", "bio": "42"}, format="multipart")
    assert response.status_code == 200, response.content
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == ("0", "42")


def _png(size=(8, 8)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, "purple").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "me.png"
    return buffer


def test_me_avatar_upload(as_user, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    response = as_user(learner).patch("/api/me/", {"avatar": _png()}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["avatar_url"].startswith("http://testserver/media/avatars/")


def test_me_avatar_rejects_non_images_and_large_files(as_user, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = io.BytesIO(b"#!/bin/sh\necho not an image")
    fake.name = "evil.png"
    response = as_user(learner).patch("/api/me/", {"avatar": fake}, format="multipart")
    assert response.status_code == 400 and "avatar" in response.json()
    settings.PEERLEARN_CORE = {**getattr(settings, "PEERLEARN_CORE", {}), "AVATAR_MAX_BYTES": 10}
    response = as_user(learner).patch("/api/me/", {"avatar": _png()}, format="multipart")
    assert response.status_code == 400 and "avatar" in response.json()
    learner.refresh_from_db()
    assert not learner.avatar


def test_session_cookie_auth_needs_csrf_on_writes(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.get("/api/me/").status_code == 200
    response = client.patch("/api/me/", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403
    client.get("/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        "/api/me/", {"name": "Y"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_auth_endpoints_are_throttled(api_client, settings):
    settings.PEERLEARN_CORE = {
        **getattr(settings, "PEERLEARN_CORE", {}),
        "AUTH_THROTTLE_RATE": "3/min",
    }
    make_learner(email="t@example.test")
    statuses = [
        api_client.post(
            "/api/auth/token/", {"email": "t@example.test", "password": "bad-pass-1"}
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    good = api_client.post(
        "/api/auth/token/", {"email": "t@example.test", "password": DEFAULT_PASSWORD}
    )
    assert good.status_code == 429
    assert Notification.objects.count() == 0


def test_forged_forwarded_for_does_not_dodge_the_throttle(api_client, settings):
    settings.PEERLEARN_CORE = {
        **getattr(settings, "PEERLEARN_CORE", {}),
        "AUTH_THROTTLE_RATE": "3/min",
    }
    statuses = [
        api_client.post(
            "/api/auth/token/",
            {"email": "x@example.test", "password": "nope-123"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(5)
    ]
    assert statuses[3:] == [429, 429]
