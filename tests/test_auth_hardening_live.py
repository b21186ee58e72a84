"""Issue 12 over a real Daphne: the auth throttle shared by the API and the HTML login, and the
socket Origin check with the scope Daphne really builds (no ``scheme`` key, the real Host)."""

import asyncio
import re

import pytest
import requests
import websockets

from .conftest import SiteServer, free_port, run_async, site_env

pytestmark = [pytest.mark.slow]

PASSWORD = "plum-orchard-5521"
ADDRESS_BUDGET = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hardening")
    env = site_env(tmp, THROTTLE_AUTH=f"{ADDRESS_BUDGET}/min", THROTTLE_AUTH_ACCOUNT="100/min")
    site = SiteServer(env, free_port())
    site.manage("migrate", "--noinput", "-v0")
    site.start()
    yield site
    site.stop()


def shell(server: SiteServer, code: str) -> str:
    """Set-up that is not under test (accounts, tokens), done behind the server's back."""
    return server.manage("shell", "-v0", "-c", code).stdout.strip().splitlines()[-1]


def make_account(server: SiteServer, email: str) -> str:
    """Creates a learner; returns an access token for it."""
    return shell(
        server,
        "from peerlearn_core.testing.factories import make_learner, jwt_for;"
        f"print(jwt_for(make_learner(email={email!r}, password={PASSWORD!r})))",
    )


def test_api_limit_refuses_the_html_login_over_real_http(server):
    email = "live-asha@example.test"
    make_account(server, email)
    api = f"{server.url}/api/auth/token/"
    statuses = [
        requests.post(
            api, json={"email": email, "password": "wrong-pass-1"}, timeout=10
        ).status_code
        for _ in range(ADDRESS_BUDGET)
    ]
    assert statuses == [401] * ADDRESS_BUDGET
    refused = requests.post(api, json={"email": email, "password": PASSWORD}, timeout=10)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60

    browser = requests.Session()
    page = browser.get(f"{server.url}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        f"{server.url}/login/",
        data={"csrfmiddlewaretoken": token, "email": email, "password": PASSWORD},
        headers={"Referer": f"{server.url}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert re.search(r"Too many attempts\. Try again in \d+ (second|minute)s?\.", response.text)
    assert 'data-testid="login-form"' in response.text
    # Not logged in: the dashboard still sends this browser to the login page.
    dashboard = browser.get(f"{server.url}/learner/dashboard", allow_redirects=False, timeout=10)
    assert dashboard.status_code == 302 and "/login/" in dashboard.headers["Location"]


async def close_code(url: str, token: str, origin: str | None) -> int | None:
    """The application close code, or None when the socket was let in (its first message)."""
    async with websockets.connect(
        url, additional_headers={"Authorization": f"Bearer {token}"}, origin=origin
    ) as ws:
        try:
            message = await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code
        assert '"badges"' in message
        return None


def test_socket_origin_must_match_scheme_host_and_port_on_daphne(server):
    token = make_account(server, "live-origin@example.test")
    port = server.port
    by_ip = f"ws://127.0.0.1:{port}/ws/notifications/"
    by_name = f"ws://localhost:{port}/ws/notifications/"

    async def scenario():
        return {
            "own origin by address": await close_code(by_ip, token, f"http://127.0.0.1:{port}"),
            "own origin by name": await close_code(by_name, token, f"http://localhost:{port}"),
            "no origin": await close_code(by_ip, token, None),
            "other port": await close_code(by_name, token, "http://localhost:6666"),
            "other scheme": await close_code(by_name, token, "https://localhost"),
            "other scheme, same port": await close_code(
                by_name, token, f"https://localhost:{port}"
            ),
            "other host": await close_code(by_ip, token, f"http://localhost:{port}"),
            "subdomain": await close_code(by_name, token, f"http://evil.localhost:{port}"),
            "null": await close_code(by_name, token, "null"),
        }

    codes = run_async(scenario())
    assert codes == {
        "own origin by address": None,
        "own origin by name": None,
        "no origin": None,
        "other port": 4403,
        "other scheme": 4403,
        "other scheme, same port": 4403,
        "other host": 4403,
        "subdomain": 4403,
        "null": 4403,
    }
