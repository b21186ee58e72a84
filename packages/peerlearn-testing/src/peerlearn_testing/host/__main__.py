"""``python -m peerlearn_testing.host``, run by ``run()`` in a process of its own with
the bare host's settings: migrate a fresh database, run the system checks, sign a mentor and a
learner up through the API and take their tokens from ``/api/auth/token/``, let the mentor create
a session and the learner book it, then call every named URL of ``PEERLEARN_BARE_SWEEP`` with every
method as a stranger, as the learner (JWT; session cookie without CSRF token) and as the mentor
(JWT), and open each of its sockets with and without a token. Prints the report as JSON."""

import asyncio
import contextlib
import json
import logging
import os
from datetime import timedelta
from urllib.parse import urlsplit

import django
from django.urls import Resolver404, resolve

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISSING_ID = 999_999
OUT_OF_RANGE_ID = 10**20  # digits <int:> takes, but no database id
PASSWORD = "bare-host-Passw0rd!"  # a throwaway account in a throwaway database


def named_urls(namespace: str):
    """(name, converter names) of every named URL under ``namespace``."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, current, converters):
        for pattern in patterns:
            found = {**converters, **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or current, found)
            elif pattern.name and current == namespace:
                yield pattern.name, tuple(sorted(found))

    yield from dict.fromkeys(walk(get_resolver().url_patterns, None, {}))


def call(client, method: str, path: str, **extra) -> dict:
    row = {"method": method, "path": path}
    try:
        if method == "GET":
            response = client.get(path, **extra)
        else:
            response = getattr(client, method.lower())(
                path, "{}", content_type="application/json", **extra
            )
    except Exception as problem:  # the view crashed: what a host would see as a 500
        return {**row, "status": 500, "error": f"{type(problem).__name__}: {problem}"[:500]}
    row["status"] = response.status_code
    if 300 <= response.status_code < 400:
        row["location"] = response["Location"]
        try:
            resolve(urlsplit(response["Location"]).path)
        except Resolver404:
            row["location_served"] = False
    return row


def sign_up(role: str) -> tuple[object, str]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    email = f"{role}@bare-host.test"
    body = {"email": email, "password": PASSWORD, "name": f"Bare {role}", "role": role}
    assert client.post("/api/auth/register/", body, format="json").status_code == 201
    token = client.post("/api/auth/token/", {"email": email, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    return get_user_model().objects.get(email=email), token.json()["access"]


def seed(mentor_token: str, learner_token: str, prices: list[str]) -> dict:
    """Sessions of the mentor's at ``prices`` that the learner booked, made through the API: the
    first is ``session``/``booking``, the others ``session_2``/``booking_2``..."""
    from django.utils import timezone
    from rest_framework.test import APIClient

    mentor, learner = APIClient(), APIClient()
    mentor.credentials(HTTP_AUTHORIZATION=f"Bearer {mentor_token}")
    learner.credentials(HTTP_AUTHORIZATION=f"Bearer {learner_token}")
    ids = {}
    for number, price in enumerate(prices, 1):
        body = {
            "title": f"Bare host session {number}",
            "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "duration_minutes": 60,
            "max_participants": 5,
            "price": price,
        }
        session = mentor.post("/api/sessions/", body, format="json")
        assert session.status_code == 201, session.content
        booking = learner.post(f"/api/sessions/{session.json()['id']}/book/", format="json")
        assert booking.status_code == 201, booking.content
        suffix = "" if number == 1 else f"_{number}"
        ids |= {f"session{suffix}": session.json()["id"], f"booking{suffix}": booking.json()["id"]}
    return ids


def clients(learner, tokens: dict) -> dict:
    from django.test import Client
    from rest_framework.test import APIClient

    made = {"anonymous": APIClient(), "session": Client(enforce_csrf_checks=True)}
    made["session"].force_login(learner)
    for who, token in tokens.items():
        made[who] = APIClient()
        made[who].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return made


def sweep(namespace: str, made: dict, ids: list[int]) -> list[dict]:
    from django.urls import reverse

    rows = []
    for who, client in made.items():
        for name, converters in named_urls(namespace):
            for ident in ids if converters else [None]:
                path = reverse(f"{namespace}:{name}", kwargs=dict.fromkeys(converters, ident))
                rows += [{"who": who, **call(client, method, path)} for method in METHODS]
    return rows


async def knock(application, path: str, token: str | None) -> dict:
    """Open a socket: ``open`` when it stays open, else the close code it got."""
    from channels.testing import WebsocketCommunicator

    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    communicator = WebsocketCommunicator(application, path, headers=headers)
    try:
        connected, code = await communicator.connect(timeout=5)
        if not connected:
            return {"path": path, "outcome": f"refused {code}"}
        try:
            message = await communicator.receive_output(timeout=0.5)
        except TimeoutError:
            return {"path": path, "outcome": "open"}
        if message["type"] == "websocket.close":
            return {"path": path, "outcome": f"closed {message.get('code')}"}
        return {"path": path, "outcome": "open"}
    except Exception as problem:
        return {"path": path, "outcome": f"crashed {type(problem).__name__}: {problem}"[:300]}
    finally:
        # An application that closed the socket has finished: disconnecting it may cancel.
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await communicator.disconnect()


def installed() -> list[str]:
    """The PeerLearn apps of the running host, in INSTALLED_APPS order (whatever its settings)."""
    from django.apps import apps

    return [c.name for c in apps.get_app_configs() if c.name.startswith("peerlearn_")]


def sockets(app: str, session_id: int, tokens: dict) -> list[dict]:
    from importlib import import_module

    from channels.routing import get_default_application

    application = get_default_application()  # the host's ASGI_APPLICATION

    async def knock_all():
        rows = []
        for route in import_module(f"{app}.routing").websocket_urlpatterns:
            path = "/" + str(route.pattern).replace("<int:session_id>", str(session_id))
            for who, token in {"anonymous": None, **tokens}.items():
                rows.append({"who": who, **await knock(application, path, token)})
        return rows

    return asyncio.run(knock_all())  # one event loop: the in-memory layer's queues live on it


def main() -> None:
    django.setup()
    from django.core import checks
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # As the test runner does: the test client's "testserver" is an allowed host (a startproject
    # host with DEBUG on allows only localhost), mail stays in memory.
    from django.test.utils import setup_test_environment

    setup_test_environment()
    # The sweep's 404s and 405s are expected; a 500 still logs (ERROR). Not a logger's level:
    # django.setup() from the host's asgi.py would reset it.
    logging.disable(logging.WARNING)
    peerlearn_apps = installed()
    app = os.environ.get("PEERLEARN_BARE_SWEEP", peerlearn_apps[-1])
    messages = checks.run_checks(include_deployment_checks=False)
    _mentor, mentor_token = sign_up("mentor")
    learner, learner_token = sign_up("learner")
    tokens = {"learner": learner_token, "mentor": mentor_token}
    ids = {"session": 1, "booking": 1}
    if "peerlearn_bookings" in peerlearn_apps:
        # With payouts, a priced one too: paying for it meets a Razorpay that does not answer.
        paid = "peerlearn_payouts" in peerlearn_apps
        ids = seed(mentor_token, learner_token, ["0.00", "499.00"] if paid else ["0.00"])
    # The smoke first: the sweep after it cancels bookings and spends the throttles.
    smoked = None
    if os.environ.get("PEERLEARN_SMOKE"):
        from .smoke import smoke

        smoked = smoke(peerlearn_apps, tokens, ids)
    report = {
        "django": list(django.VERSION[:2]),
        "apps": peerlearn_apps,
        "checks": [{"id": m.id, "level": m.level, "msg": m.msg} for m in messages],
        "ids": ids,
        "smoke": smoked or [],
        "sockets": sockets(app, ids["session"], tokens),
        "responses": sweep(
            app, clients(learner, tokens), sorted({*ids.values(), MISSING_ID, OUT_OF_RANGE_ID})
        ),
    }

    print(json.dumps(report))


if __name__ == "__main__":
    main()
