"""Input limits in core: JSON depth and size on the API's parser and on the base consumer, JSON
errors and no-store for every /api/ response."""

import base64
import json

import pytest
from channels.db import database_sync_to_async as db
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator

from peerlearn_core import jsonlimits
from peerlearn_core.models import User
from peerlearn_core.services import notify
from peerlearn_core.testing.factories import jwt_for, make_learner

# The host's ASGI_APPLICATION: the composed site's, or the bare host's in the package's own run.
application = get_default_application()

DEEP = "[" * 1000 + "]" * 1000  # about 2 KB, and a RecursionError for a plain json.loads
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
TOO_DEEP = "JSON nested deeper than 20 levels."


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("x", 0), ([], 1), ({}, 1), ([1, [2, {"a": [3]}]], 4), ({"a": {"b": 1}, "c": 2}, 2)],
)
def test_json_depth(value, depth):
    assert jsonlimits.json_depth(value) == depth


@pytest.mark.parametrize("text", [DEEP, DEEP_OBJECT, "[" * 200_000 + "]" * 200_000])
def test_loads_refuses_deep_json_whatever_the_recursion_limit(text):
    with pytest.raises(jsonlimits.JSONTooDeep, match="deeper than 20 levels"):
        jsonlimits.loads(text)


def test_loads_takes_json_at_the_limit():
    at_limit = "[" * 20 + "]" * 20
    assert jsonlimits.json_depth(jsonlimits.loads(at_limit)) == 20
    with pytest.raises(jsonlimits.JSONTooDeep):
        jsonlimits.loads("[" + at_limit + "]")
    with pytest.raises(jsonlimits.JSONTooDeep, match="deeper than 3 levels"):
        jsonlimits.loads("[[[[1]]]]", limit=3)


# --- HTTP ------------------------------------------------------------------------------------


def register_body(**extra) -> dict:
    return {
        "email": "deep@example.com",
        "password": "a-long-passphrase-1",
        "name": "Deep",
        "role": "learner",
        **extra,
    }


def nest(value: str) -> str:
    """A valid sign-up whose name is the deep JSON value."""
    return json.dumps(register_body(name="@")).replace('"@"', value)


@pytest.mark.django_db
@pytest.mark.parametrize("deep", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("wrap", [False, True], ids=["whole body", "inside a field"])
@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_deep_json_on_anonymous_endpoints_is_400_and_changes_nothing(api_client, path, deep, wrap):
    body = nest(deep) if wrap else deep
    response = api_client.post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == TOO_DEEP
    assert not User.objects.exists()


@pytest.mark.django_db
def test_deep_json_on_an_authenticated_endpoint_is_400_and_changes_nothing(as_user, learner):
    before = (learner.name, learner.bio)
    client = as_user(learner)
    response = client.patch("/api/me/", '{"bio": ' + DEEP + "}", content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == TOO_DEEP
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == before
    # Shallow JSON still goes through the same parser.
    ok = client.patch("/api/me/", {"bio": "shallow"}, format="json")
    assert ok.status_code == 200 and ok.json()["bio"] == "shallow"


@pytest.mark.django_db
def test_oversize_json_body_is_400_and_changes_nothing(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = json.dumps(register_body(bio="x" * 5000))
    response = api_client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "Request body too large."
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_default_body_limit_applies_to_json(api_client, settings):
    body = json.dumps(register_body(bio="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    response = api_client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Request body too large."


@pytest.mark.django_db
def test_oversize_form_body_is_400_json_not_an_html_page(as_user, learner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = as_user(learner)
    response = client.patch("/api/me/", {"bio": "x" * 5000}, format="multipart")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "Request body too large."
    learner.refresh_from_db()
    assert learner.bio != "x" * 5000


BOUNDARY = "b0undary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*parts: bytes) -> bytes:
    return b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + p + b"\r\n" for p in parts) + (
        b"--" + BOUNDARY.encode() + b"--\r\n"
    )


def field(name: str, value: str) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        # What schemathesis sent (a string where the form's object goes): one part, no headers.
        f"--{BOUNDARY}\r\n«Z\x1a--{BOUNDARY}--\r\n".encode(),
        multipart(b"\r\nNo headers at all"),
        multipart(b"Content-Disposition: form-data\r\n\r\nNo name"),
        multipart(b'Content-Disposition: form-data; name=""\r\n\r\nEmpty name'),
        multipart(b"Content-Type: text/plain\r\n\r\nNo disposition"),
        multipart(field("name", "Asha"), b"\r\nA nameless part after a good one"),
    ],
)
def test_multipart_parts_without_a_name_are_400_not_skipped(as_user, learner, body):
    """Django skips such parts, so a body that is no form read as an empty PATCH (200)."""
    before = (learner.name, learner.bio)
    response = as_user(learner).generic("PATCH", "/api/me/", body, content_type=MULTIPART)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == (
        "Multipart form parse error - every part needs a Content-Disposition with a name."
    )
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == before


@pytest.mark.django_db
def test_well_formed_multipart_still_updates(as_user, learner):
    empty_file_input = (  # what a browser sends for a file input left empty
        b'Content-Disposition: form-data; name="avatar"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    body = (
        b"A preamble is ignored\r\n"
        + multipart(
            field("name", "Asha Rao"),
            field("bio", "Line one\r\n--not-the-boundary"),
            empty_file_input,
        )
        + b"and so is an epilogue"
    )
    response = as_user(learner).generic("PATCH", "/api/me/", body, content_type=MULTIPART)
    assert response.status_code == 200, response.content
    learner.refresh_from_db()
    assert (learner.name, learner.bio) == ("Asha Rao", "Line one\r\n--not-the-boundary")
    empty = multipart()  # a form with no fields: an empty PATCH, as JSON {} is
    assert (
        as_user(learner).generic("PATCH", "/api/me/", empty, content_type=MULTIPART).status_code
        == 200
    )


API_MIDDLEWARE = "peerlearn_core.api.middleware.ApiResponseMiddleware"


@pytest.fixture
def api_middleware(settings):
    """The optional ApiResponseMiddleware above CommonMiddleware, as the README shows (our site
    has it; a bare host adds it for these tests)."""
    if API_MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(
            middleware.index("django.middleware.common.CommonMiddleware"), API_MIDDLEWARE
        )
        settings.MIDDLEWARE = middleware


@pytest.mark.django_db
@pytest.mark.usefixtures("api_middleware")
@pytest.mark.parametrize(
    "path", ["/api/nope/", "/api/auth/nope", "/api/notifications/abc/read/", "/api/"]
)
def test_unknown_api_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
def test_unknown_api_path_is_json_404_for_every_method(api_client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api_client, method)("/api/nope/", {}, format="json")
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Not found."}


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
def test_wrong_method_is_json_405(as_user, learner, api_client):
    response = as_user(learner).delete("/api/me/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert "GET" in response["Allow"]
    anonymous = api_client.put("/api/auth/token/", {}, format="json")
    assert anonymous.status_code == 405
    assert anonymous.json() == {"detail": 'Method "PUT" not allowed.'}


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
def test_page_404_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_api_paths_are_json_404_with_debug_on_or_off(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/api/nope/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert client.get("/nope/")["Content-Type"].startswith("text/html")


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_api_slash_redirects_keep_the_method(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/api/me?x=1")
    assert (response.status_code, response["Location"]) == (301, "/api/me/?x=1")
    # A 301 would lose a POST's body (and with DEBUG on, Django raises instead: a 500).
    response = client.post("/api/auth/token?x=1", {}, content_type="application/json")
    assert (response.status_code, response["Location"]) == (308, "/api/auth/token/?x=1")
    followed = client.post(
        "/api/auth/token", {"email": "a@b.co"}, content_type="application/json", follow=True
    )
    assert followed.status_code == 400 and "password" in followed.json()
    assert client.post("/api/nope", {}, content_type="application/json").status_code == 404


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/me/", "/api/notifications/", "/api/badges/"])
def test_private_api_responses_are_never_stored(as_user, learner, path):
    response = as_user(learner).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
def test_tokens_and_errors_are_never_stored(api_client, learner):
    response = api_client.post(
        "/api/auth/token/", {"email": learner.email, "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in api_client.get("/api/me/")["Cache-Control"]


@pytest.mark.usefixtures("api_middleware")
@pytest.mark.django_db
def test_pages_keep_their_own_caching(client):
    assert "no-store" not in client.get("/no-such-page/").get("Cache-Control", "")


# --- sockets ---------------------------------------------------------------------------------


async def notification_socket(user):
    comm = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"authorization", f"Bearer {jwt_for(user)}".encode())],
    )
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    return comm


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (DEEP, "too_deep"),
        (DEEP_OBJECT, "too_deep"),
        ('{"type": "x", "a": ' + DEEP + "}", "too_deep"),
        ("{not json", "invalid"),
        ('{"type": "chat", "text": "lone \\ud800"}', "invalid"),
        ("[1]", "invalid"),
    ],
    ids=["deep array", "deep object", "deep inside", "malformed", "lone surrogate", "not object"],
)
async def test_bad_frames_on_the_notification_socket_get_an_error_and_it_stays_open(frame, code):
    user = await db(make_learner)()
    comm = await notification_socket(user)
    await comm.send_to(text_data=frame)
    error = await comm.receive_json_from(timeout=2)
    assert error["type"] == "error" and error["code"] == code, error
    if code == "too_deep":
        assert error["detail"] == TOO_DEEP
    # Still open and still subscribed: a push arrives, and a frame gets its usual answer.
    await db(notify)(user=user, kind="test", title="still here")
    assert (await comm.receive_json_from(timeout=2))["title"] == "still here"
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=2))["detail"] == "This socket takes no messages."
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_oversize_frame_gets_an_error_then_close_1009():
    user = await db(make_learner)()
    comm = await notification_socket(user)
    await comm.send_to(text_data=json.dumps({"type": "x", "pad": "é" * 9000}, ensure_ascii=False))
    error = await comm.receive_json_from(timeout=2)
    assert error == {
        "type": "error",
        "code": "too_large",
        "detail": "Message too large (limit 16384 bytes).",
    }
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 1009}
    # It left its groups: nothing is pushed to it any more.
    await db(notify)(user=user, kind="test", title="gone")
    assert await comm.receive_nothing(timeout=0.2)


def deep_token() -> str:
    """A bearer token whose (unsigned) header is 1,000 levels deep."""

    def b64(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    header = b64('{"alg": "HS256", "x": ' + DEEP + "}")
    return f"{header}.{b64('{}')}.c2ln"


@pytest.mark.django_db
def test_a_deep_token_header_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {deep_token()}")
    response = api_client.get("/api/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db(transaction=True)
async def test_a_deep_token_header_is_refused_4401_on_a_socket():
    comm = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"authorization", f"Bearer {deep_token()}".encode())],
    )
    assert (await comm.connect())[0]
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
