"""Smoke requests for a host wired as the READMEs say (``PEERLEARN_SMOKE=1 python -m
peerlearn_testing.host``, as ``scripts/check-hosts.sh`` runs it in each fresh host): each app's
main flow done by the user it is for, and refused to those it is not for (401/403, never a 500).

- core: register and token (done by the sweep's sign-up), then ``GET /api/me/``;
- bookings: the mentor's session and the learner's booking (the sweep's seed), read back;
- payouts: a Razorpay order for the priced booking, from the sandbox distribution;
- rtc: the room socket's handshake (``welcome``) for a session about to start;
- analytics: the mentor's earnings.
"""

import asyncio
import contextlib
from datetime import timedelta

PRICED_PAISE = 499_00  # the sweep's second session: ₹499.00


def api(token: str | None):
    from rest_framework.test import APIClient

    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def smoke(apps: list[str], tokens: dict, ids: dict) -> list[dict]:
    rows: list[dict] = []

    def check(what: str, ok: bool, detail: object = "") -> None:
        rows.append({"what": what, "ok": bool(ok), "detail": str(detail)[:500]})

    clients = {"anonymous": api(None), **{who: api(token) for who, token in tokens.items()}}
    me = clients["learner"].get("/api/me/")
    check(
        "core: the learner's token reads /api/me/",
        me.status_code == 200 and me.json().get("email") == "learner@bare-host.test",
        me.content,
    )
    check(
        "core: a stranger gets 401 on /api/me/",
        clients["anonymous"].get("/api/me/").status_code == 401,
    )
    if "peerlearn_bookings" in apps:
        _bookings(check, clients, ids)
    if "peerlearn_payouts" in apps:
        _payouts(check, clients)
    if "peerlearn_rtc" in apps:
        _rtc(check, clients, tokens)
    if "peerlearn_analytics" in apps:
        _analytics(check, clients)
    return rows


def _bookings(check, clients, ids) -> None:
    session = clients["learner"].get(f"/api/sessions/{ids['session']}/")
    check(
        "bookings: the learner reads the session the mentor created and they booked",
        session.status_code == 200 and session.json().get("title") == "Bare host session 1",
        session.content,
    )
    mine = clients["learner"].get("/api/bookings/")
    listed = mine.json() if mine.status_code == 200 else []
    rows = listed.get("results", []) if isinstance(listed, dict) else listed
    booked = ids["booking"] in [row["id"] for row in rows]
    check("bookings: the booking is among the learner's", booked, mine.content)
    body = {"title": "Not mine to make", "starts_at": "2099-01-01T10:00:00Z"}
    for who, wanted in (("anonymous", 401), ("learner", 403)):
        got = clients[who].post("/api/sessions/", body, format="json").status_code
        check(f"bookings: {who} creating a session gets {wanted}", got == wanted, got)


def _payouts(check, clients) -> None:
    from django.conf import settings
    from django.test import override_settings

    from razorpay_sandbox import SandboxServer

    # A session and booking of the smoke's own: the sweep's priced booking stays unordered, to
    # meet a Razorpay that does not answer.
    session = clients["mentor"].post(
        "/api/sessions/", _session_body("Bare host paid", "499.00"), format="json"
    )
    booking = clients["learner"].post(f"/api/sessions/{session.json()['id']}/book/", format="json")
    check(
        "payouts: the learner books a ₹499.00 session", booking.status_code == 201, booking.content
    )
    if booking.status_code != 201:
        return
    conf = settings.PEERLEARN_PAYOUTS
    keys = {"key_id": conf["KEY_ID"], "key_secret": conf["KEY_SECRET"]}
    server = SandboxServer(**keys, webhook_secret=conf.get("WEBHOOK_SECRET", "")).start()
    try:
        with override_settings(PEERLEARN_PAYOUTS={**conf, "BASE_URL": server.url}):
            path = f"/api/bookings/{booking.json()['id']}/pay/"
            order = clients["learner"].post(path, format="json")
            body = order.json() if order["Content-Type"] == "application/json" else {}
            check(
                "payouts: the learner's order for ₹499.00 comes from the sandbox",
                order.status_code in (200, 201)
                and str(body.get("order_id", "")).startswith("order_")
                and (body.get("amount"), body.get("amount_paise")) == ("499.00", PRICED_PAISE)
                and body.get("key_id") == conf["KEY_ID"],
                order.content,
            )
            for who, wanted in (("anonymous", {401}), ("mentor", {403, 404})):
                got = clients[who].post(path, format="json").status_code
                check(
                    f"payouts: {who} paying the learner's booking gets {wanted}", got in wanted, got
                )
    finally:
        server.stop()


def _session_body(title: str, price: str, *, starts_in=timedelta(days=1)) -> dict:
    from django.utils import timezone

    return {
        "title": title,
        "starts_at": (timezone.now() + starts_in).isoformat(),
        "duration_minutes": 30,
        "max_participants": 5,
        "price": price,
    }


def _rtc(check, clients, tokens) -> None:
    body = _session_body("Bare host room", "0.00", starts_in=timedelta(minutes=5))
    session = clients["mentor"].post("/api/sessions/", body, format="json")
    check(
        "rtc: the mentor schedules a session starting in 5 minutes",
        session.status_code == 201,
        session.content,
    )
    if session.status_code != 201:
        return
    session_id = session.json()["id"]
    booked = clients["learner"].post(f"/api/sessions/{session_id}/book/", format="json")
    check("rtc: the learner books it", booked.status_code == 201, booked.content)
    path = f"/ws/room/{session_id}/"
    for who, token in (
        ("learner", tokens["learner"]),
        ("mentor", tokens["mentor"]),
        ("anonymous", None),
    ):
        first = asyncio.run(_first_frame(path, token))
        if who == "anonymous":
            check("rtc: a stranger's room socket closes 4401", first == ("close", 4401), first)
        else:
            check(
                f"rtc: the {who}'s room socket gets its welcome",
                first == ("json", "welcome"),
                first,
            )


async def _first_frame(path: str, token: str | None):
    """``("json", type)`` of the first frame the room socket sends, or ``("close", code)``."""
    import json

    from channels.routing import get_default_application
    from channels.testing import WebsocketCommunicator

    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    communicator = WebsocketCommunicator(get_default_application(), path, headers=headers)
    try:
        connected, code = await communicator.connect(timeout=5)
        if not connected:
            return ("close", code)
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return ("close", message.get("code"))
        return ("json", json.loads(message.get("text") or "{}").get("type"))
    except Exception as problem:
        return ("crashed", f"{type(problem).__name__}: {problem}")
    finally:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await communicator.disconnect()


def _analytics(check, clients) -> None:
    earnings = clients["mentor"].get("/api/analytics/earnings/")
    check(
        "analytics: the mentor reads their weekly earnings",
        earnings.status_code == 200 and isinstance(earnings.json().get("buckets"), list),
        earnings.content[:300],
    )
    for who, wanted in (("anonymous", 401), ("learner", 403)):
        got = clients[who].get("/api/analytics/earnings/").status_code
        check(f"analytics: {who} reading earnings gets {wanted}", got == wanted, got)
