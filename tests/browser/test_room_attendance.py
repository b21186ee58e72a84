"""Attendance from presence, live in the mentor's slide-over: a learner who stays in the room past
PEERLEARN_RTC["ATTENDED_AFTER_SECONDS"] after the call started is ticked; one who left earlier
is not. The room's peers are real socket clients of the site; the mentor watches the dashboard."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
import websockets
from playwright.sync_api import expect

from ..conftest import ATTENDED_AFTER_SECONDS

pytestmark = pytest.mark.browser


def api(site_server, token, method, path, **kwargs):
    response = requests.request(
        method,
        f"{site_server.url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert response.status_code < 300, response.text
    return response.json()


async def receive_until(ws, wanted: str, timeout: float = 10.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == wanted:
                return message


def test_presence_marks_attended_live_in_slide_over(
    site_server, make_account, token_for, login, browser
):
    mentor = make_account("mentor", "Priya Presence")
    stayer = make_account("learner", "Kiran Stays")
    leaver = make_account("learner", "Dev Leaves")
    tokens = {
        who: token_for(account) for who, account in (("m", mentor), ("s", stayer), ("l", leaver))
    }
    starts = (datetime.now(UTC) + timedelta(minutes=2)).replace(microsecond=0)
    session = api(
        site_server,
        tokens["m"],
        "POST",
        "/api/sessions/",
        json={
            "title": "Presence check",
            "description": "",
            "starts_at": starts.isoformat(),
            "duration_minutes": 30,
            "max_participants": 4,
            "price": "0",
        },
    )
    sid = session["id"]
    bookings = {
        who: api(site_server, tokens[who], "POST", f"/api/sessions/{sid}/book/")["id"]
        for who in ("s", "l")
    }

    page = login(browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), mentor)
    page.get_by_test_id(f"view-learners-{sid}").click()
    expect(page.get_by_test_id("learners-slide-over")).to_have_attribute("data-open", "true")
    stay_box = page.get_by_test_id(f"attend-{bookings['s']}")
    leave_box = page.get_by_test_id(f"attend-{bookings['l']}")
    expect(stay_box).not_to_be_checked()
    expect(leave_box).not_to_be_checked()

    async def room_scenario():
        url = f"ws://localhost:{site_server.port}/ws/room/{sid}/"

        def open_socket(who):
            return websockets.connect(
                url,
                additional_headers={"Authorization": f"Bearer {tokens[who]}"},
                origin=site_server.url,
            )

        async with open_socket("m") as m, open_socket("s") as s:
            leaver_ws = await open_socket("l")
            for ws in (m, s, leaver_ws):
                await receive_until(ws, "welcome")
                await ws.send(json.dumps({"type": "ready"}))
            await receive_until(m, "all_ready")
            await m.send(json.dumps({"type": "start"}))
            started = await receive_until(s, "call.started")
            assert started["mode"] == "mesh"
            # The leaver goes well before the threshold.
            await receive_until(leaver_ws, "call.started")
            await leaver_ws.close()
            left = await receive_until(m, "peer.left")
            assert left["reason"] == "disconnected"
            # The stayer stays until the mentor's page shows them attended.
            await asyncio.to_thread(done.wait, ATTENDED_AFTER_SECONDS + 10)

    done = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, room_scenario())
        expect(stay_box).to_be_checked(timeout=(ATTENDED_AFTER_SECONDS + 8) * 1000)
        done.set()
        future.result(timeout=30)

    # Decided by the time the stayer was marked: the leaver's presence stopped long before.
    expect(leave_box).not_to_be_checked()
    expect(page.get_by_test_id(f"attended-{sid}")).to_contain_text("1 attended")
    expect(page.get_by_test_id("slide-over-attended")).to_contain_text("1")
    page.context.close()
