"""Two Daphne processes sharing one Redis: a push made in process A reaches a socket on process B."""

import asyncio
import json

import pytest
import requests
import websockets

from .conftest import run_async, two_daphnes, unique_email

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def register_with_token(register_on, token_from, *, prefix: str, name: str, role: str):
    """Sign up through one server and log in through the other: both share the database."""
    email, password = unique_email(prefix), "plum-orchard-5521"
    body = {"email": email, "password": password, "name": name, "role": role}
    created = requests.post(f"{register_on.url}/api/auth/register/", json=body, timeout=10)
    assert created.status_code == 201, created.text
    token = requests.post(
        f"{token_from.url}/api/auth/token/", timeout=10, json={"email": email, "password": password}
    )
    return email, token.json()["access"]


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_url):
    with two_daphnes(tmp_path_factory.mktemp("two"), redis_url) as servers:
        yield servers


async def _receive_until(ws, wanted_type: str, timeout: float = 5.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == wanted_type:
                return message


def test_notification_made_on_a_arrives_on_socket_of_b(two_servers):
    a, b = two_servers
    _email, access = register_with_token(a, a, prefix="redis", name="Redis Rita", role="learner")

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{b.port}/ws/notifications/",
            additional_headers={"Authorization": f"Bearer {access}"},
        ) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "badges" and first["notifications"] == 0
            response = await asyncio.to_thread(
                requests.patch,
                f"{a.url}/api/me/",
                json={"bio": "written through A"},
                headers={"Authorization": f"Bearer {access}"},
                timeout=10,
            )
            assert response.status_code == 200
            notification = await _receive_until(ws, "notification")
            badges = await _receive_until(ws, "badges")
            return notification, badges

    notification, badges = run_async(scenario())
    assert notification["kind"] == "account.updated"
    assert notification["title"] == "Profile updated"
    assert badges["notifications"] == 1


def test_management_command_push_reaches_both_processes(two_servers):
    """A push from a third process (manage.py notify) reaches sockets on A and on B."""
    a, b = two_servers
    email, access = register_with_token(a, b, prefix="cmd", name="Cmd Carl", role="mentor")
    headers = {"Authorization": f"Bearer {access}"}

    async def scenario():
        async with (
            websockets.connect(
                f"ws://127.0.0.1:{a.port}/ws/notifications/", additional_headers=headers
            ) as wa,
            websockets.connect(
                f"ws://127.0.0.1:{b.port}/ws/notifications/", additional_headers=headers
            ) as wb,
        ):
            await wa.recv()
            await wb.recv()
            await asyncio.to_thread(a.manage, "notify", "--email", email, "--title", "From outside")
            return await _receive_until(wa, "notification"), await _receive_until(
                wb, "notification"
            )

    on_a, on_b = run_async(scenario())
    assert on_a["title"] == on_b["title"] == "From outside"
    assert on_a["id"] == on_b["id"]


def test_refusals_over_real_daphne(two_servers):
    _a, b = two_servers

    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{b.port}/ws/notifications/") as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            anonymous = closed.value.rcvd.code
        async with websockets.connect(
            f"ws://127.0.0.1:{b.port}/ws/notifications/", origin="https://evil.example.com"
        ) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            foreign = closed.value.rcvd.code
        return anonymous, foreign

    assert run_async(scenario()) == (4401, 4403)


def test_socket_still_receives_after_a_quiet_spell(two_servers):
    """Regression: redis-py 8's 5 s read timeout equals channels-redis's 5 s BZPOPMIN; with the
    defaults an idle consumer died after ~5 s and its socket silently stopped receiving."""
    a, b = two_servers
    email, access = register_with_token(a, a, prefix="idle", name="Idle Ida", role="learner")

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{b.port}/ws/notifications/",
            additional_headers={"Authorization": f"Bearer {access}"},
        ) as ws:
            await ws.recv()
            await asyncio.sleep(12)
            await asyncio.to_thread(
                a.manage, "notify", "--email", email, "--title", "After a pause"
            )
            return await _receive_until(ws, "notification")

    assert run_async(scenario())["title"] == "After a pause"
