"""/ws/notifications/ through the whole ASGI stack: Origin check, cookie or Bearer auth, groups."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from peerlearn_core.services import notify
from peerlearn_core.testing.factories import jwt_for, make_learner

# The host's ASGI_APPLICATION: the composed site's, or the bare host's in the package's own run.
application = get_default_application()

pytestmark = [pytest.mark.django_db(transaction=True)]


def communicator(headers=None, path="/ws/notifications/", host=b"localhost:8000"):
    # A browser always sends Host: with it the handshake knows the site's own origin.
    return WebsocketCommunicator(application, path, headers=[(b"host", host), *(headers or [])])


async def expect_refusal(comm, code):
    connected, _ = await comm.connect()
    assert connected  # accepted only to deliver the application close code
    message = await comm.receive_output(timeout=2)
    assert message == {"type": "websocket.close", "code": code}
    await comm.wait()


def bearer(user):
    return (b"authorization", f"Bearer {jwt_for(user)}".encode())


@database_sync_to_async
def session_cookie_for(user) -> bytes:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}".encode()


async def test_anonymous_is_refused_with_4401():
    await expect_refusal(communicator(), 4401)


async def test_bad_bearer_token_is_refused_with_4401():
    await expect_refusal(communicator([(b"authorization", b"Bearer nope")]), 4401)


async def test_foreign_origin_is_refused_with_4403():
    user = await database_sync_to_async(make_learner)()
    comm = communicator([bearer(user), (b"origin", b"https://evil.example.com")])
    await expect_refusal(comm, 4403)


# The site is on http://localhost:8000 (the handshake's Host); every one of these differs from it
# in scheme, host or port, or is no origin at all.
@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:6666",  # other port
        "http://localhost",  # other port (the default one)
        "https://localhost:8000",  # other scheme
        "https://localhost",  # other scheme and port
        "http://127.0.0.1:8000",  # other host, though one of ALLOWED_HOSTS
        "http://evil.localhost:8000",  # a subdomain (".localhost" is allowed as a Host in DEBUG)
        "http://localhost.evil.example:8000",
        "null",  # sandboxed iframes, file:// pages
        "ws://localhost:8000",
        "http://localhost:8000/path",
        "not an origin",
    ],
)
async def test_every_origin_but_the_sites_own_is_refused_with_4403(origin):
    user = await database_sync_to_async(make_learner)()
    await expect_refusal(communicator([bearer(user), (b"origin", origin.encode())]), 4403)


async def connects(comm) -> bool:
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_output(timeout=2)
    await comm.disconnect()
    return first["type"] == "websocket.send"  # the initial badges, not a close


async def test_same_origin_with_an_uppercase_host_or_explicit_default_port_connects():
    user = await database_sync_to_async(make_learner)()
    assert await connects(communicator([bearer(user), (b"origin", b"http://LOCALHOST:8000")]))
    assert await connects(
        communicator([bearer(user), (b"origin", b"http://localhost")], host=b"localhost:80")
    )


async def test_a_host_outside_allowed_hosts_has_no_own_origin():
    user = await database_sync_to_async(make_learner)()
    comm = communicator(
        [bearer(user), (b"origin", b"http://evil.example:8000")], host=b"evil.example:8000"
    )
    await expect_refusal(comm, 4403)


async def test_behind_a_tls_proxy_the_own_origin_is_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    user = await database_sync_to_async(make_learner)()
    proto = (b"x-forwarded-proto", b"https")
    assert await connects(
        communicator([bearer(user), proto, (b"origin", b"https://localhost:8000")])
    )
    await expect_refusal(
        communicator([bearer(user), proto, (b"origin", b"http://localhost:8000")]), 4403
    )
    # Without the setting the header is not believed.
    settings.SECURE_PROXY_SSL_HEADER = None
    await expect_refusal(
        communicator([bearer(user), proto, (b"origin", b"https://localhost:8000")]), 4403
    )


async def test_csrf_trusted_origins_are_allowed_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.peerlearn.example"]
    user = await database_sync_to_async(make_learner)()
    for origin in [b"https://app.example.com", b"https://eu.peerlearn.example"]:
        assert await connects(communicator([bearer(user), (b"origin", origin)])), origin
    for origin in [
        b"http://app.example.com",
        b"https://app.example.com:8443",
        b"https://www.app.example.com",
        b"https://peerlearn.example.evil.com",
        b"http://eu.peerlearn.example",
    ]:
        await expect_refusal(communicator([bearer(user), (b"origin", origin)]), 4403)


async def test_websocket_allowed_origins_extends_the_list(settings):
    user = await database_sync_to_async(make_learner)()
    origin = (b"origin", b"http://localhost:6666")
    await expect_refusal(communicator([bearer(user), origin]), 4403)
    settings.PEERLEARN_CORE = {
        **getattr(settings, "PEERLEARN_CORE", {}),
        "WEBSOCKET_ALLOWED_ORIGINS": ["http://localhost:6666"],
    }
    assert await connects(communicator([bearer(user), origin]))


async def test_jwt_header_connects_and_gets_badges():
    user = await database_sync_to_async(make_learner)()
    comm = communicator([bearer(user), (b"origin", b"http://localhost:8000")])
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=2)
    assert first == {"type": "badges", "requests": 0, "notifications": 0, "earnings": 0}
    await comm.disconnect()


async def test_session_cookie_connects(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    user = await database_sync_to_async(make_learner)()
    cookie = await session_cookie_for(user)
    comm = communicator(
        [(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000")], host=b"127.0.0.1:8000"
    )
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    await comm.disconnect()


async def test_notify_reaches_only_that_users_socket():
    alice = await database_sync_to_async(make_learner)()
    bob = await database_sync_to_async(make_learner)()
    alice_ws = communicator([bearer(alice)])
    bob_ws = communicator([bearer(bob)])
    for comm in (alice_ws, bob_ws):
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=2)  # initial badges

    await database_sync_to_async(notify)(user=alice, kind="test", title="Hello Alice", body="b")

    message = await alice_ws.receive_json_from(timeout=2)
    assert message["type"] == "notification"
    assert (
        message["title"] == "Hello Alice" and message["body"] == "b" and message["kind"] == "test"
    )
    badges = await alice_ws.receive_json_from(timeout=2)
    assert badges == {"type": "badges", "requests": 0, "notifications": 1, "earnings": 0}
    assert await bob_ws.receive_nothing(timeout=0.3)
    for comm in (alice_ws, bob_ws):
        await comm.disconnect()


async def test_nothing_is_pushed_when_the_transaction_rolls_back():
    from django.db import transaction

    alice = await database_sync_to_async(make_learner)()
    comm = communicator([bearer(alice)])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=2)

    @database_sync_to_async
    def notify_then_fail():
        try:
            with transaction.atomic():
                notify(user=alice, kind="test", title="never")
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    await notify_then_fail()
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_messages_from_client_get_an_error_and_socket_stays_open():
    user = await database_sync_to_async(make_learner)()
    comm = communicator([bearer(user)])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=2)
    await comm.send_to(text_data="{not json")
    assert (await comm.receive_json_from(timeout=2))["type"] == "error"
    await comm.send_json_to({"type": "whatever"})
    assert (await comm.receive_json_from(timeout=2))["type"] == "error"
    await asyncio.sleep(0)
    await comm.disconnect()


def short_lived_bearer(user, seconds: float):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=seconds))
    return (b"authorization", f"Bearer {token}".encode())


async def test_a_bearer_socket_closes_4401_when_its_token_expires():
    import time

    user = await database_sync_to_async(make_learner)()
    opened = time.time()
    comm = communicator([short_lived_bearer(user, 2)])
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    # Still open and served before the expiry...
    await database_sync_to_async(notify)(user=user, kind="test", title="before expiry")
    assert (await comm.receive_json_from(timeout=2))["title"] == "before expiry"
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    # ...then closed with 4401 at the token's expiry (exp has one-second resolution).
    closing = await comm.receive_output(timeout=6)
    assert closing == {"type": "websocket.close", "code": 4401}
    assert time.time() - opened >= 1


async def test_logout_closes_that_logins_cookie_sockets_only():
    from django.test import Client

    user = await database_sync_to_async(make_learner)()
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    other_login = await session_cookie_for(user)
    sockets = {
        "this login": communicator([(b"cookie", cookie.encode())]),
        "other login": communicator([(b"cookie", other_login)]),
        "bearer": communicator([bearer(user)]),
    }
    for comm in sockets.values():
        connected, _ = await comm.connect()
        assert connected
        assert (await comm.receive_json_from(timeout=2))["type"] == "badges"

    response = await database_sync_to_async(client.post)("/logout/")
    assert response.status_code == 302
    closing = await sockets["this login"].receive_output(timeout=2)
    assert closing == {"type": "websocket.close", "code": 4401}
    # The other login and the token socket stay open: they still get the user's pushes.
    await database_sync_to_async(notify)(user=user, kind="test", title="after logout")
    for name in ("other login", "bearer"):
        message = await sockets[name].receive_json_from(timeout=2)
        assert message["title"] == "after logout", name
        assert (await sockets[name].receive_json_from(timeout=2))["type"] == "badges"
        await sockets[name].disconnect()
