"""Real time across two Daphne processes sharing Redis: many sessions readying at once, sockets
that follow access (a cancelled booking, an expired JWT), throttled Ready toggles that coalesce.

The site runs as it is deployed (Daphne subprocesses, the Redis channel layer, real websockets);
the data is made in one ``manage.py shell`` call so that 500 learners cost seconds, not minutes.
"""

import asyncio
import json
from collections import Counter

import pytest
import requests
import websockets

from .conftest import run_async, two_daphnes

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# Creates mentors, learners and booked free sessions through the booking service, mints JWTs
# (``lifetime`` seconds when given) and prints them as JSON.
SETUP = r"""
import json
from datetime import timedelta
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken
from peerlearn_core.models import Role, User
from peerlearn_bookings.models import LiveSession
from peerlearn_bookings.services import book_session

spec = json.loads('''{spec}''')
hashed = make_password("scale-orchard-5521")
out = []
for s in range(spec["sessions"]):
    tag = f"{spec['tag']}-{s}"
    mentor = User.objects.create(
        email=f"m-{tag}@scale.test", name=f"Mentor {tag}", role=Role.MENTOR, password=hashed
    )
    learners = User.objects.bulk_create(
        [
            User(email=f"l{i}-{tag}@scale.test", name=f"Learner {i}", role=Role.LEARNER,
                 password=hashed)
            for i in range(spec["learners"])
        ]
    )
    session = LiveSession.objects.create(
        mentor=mentor, title=f"Scale {tag}", starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=60, max_participants=max(spec["learners"], 1),
    )
    bookings = [book_session(session_id=session.pk, learner=learner) for learner in learners]

    def token(user):
        access = AccessToken.for_user(user)
        if spec.get("lifetime"):
            access.set_exp(lifetime=timedelta(seconds=spec["lifetime"]))
        return str(access)

    out.append({
        "session_id": session.pk,
        "mentor": str(AccessToken.for_user(mentor)),
        "learners": [token(u) for u in learners],
        "learner_ids": [u.pk for u in learners],
        "bookings": [b.pk for b in bookings],
    })
print("SCALE-JSON " + json.dumps(out))
"""


def make_sessions(server, tag: str, sessions: int, learners: int, lifetime: int | None = None):
    spec = json.dumps(
        {"tag": tag, "sessions": sessions, "learners": learners, "lifetime": lifetime}
    )
    done = server.manage("shell", "-c", SETUP.replace("{spec}", spec))
    line = next(x for x in done.stdout.splitlines() if x.startswith("SCALE-JSON "))
    return json.loads(line[len("SCALE-JSON ") :])


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def connect(url: str, token: str):
    return await websockets.connect(
        url, additional_headers=bearer(token), ping_interval=None, open_timeout=60
    )


async def frames_until(ws, wanted: str, timeout: float = 10.0) -> list[dict]:
    """Every frame up to and including the first of type ``wanted``."""
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            seen.append(json.loads(await ws.recv()))
            if seen[-1]["type"] == wanted:
                return seen


async def close_code(ws, timeout: float = 10.0) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    return closed.value.rcvd.code


@pytest.fixture(scope="module")
def servers(tmp_path_factory, redis_url):
    with two_daphnes(tmp_path_factory.mktemp("scale"), redis_url) as pair:
        yield pair


def test_five_sessions_of_100_ready_at_once_every_push_lands_in_its_own_session(servers):
    a, b = servers
    sessions = make_sessions(a, "five", sessions=5, learners=100)

    async def scenario():
        # Learners spread over both processes; every mentor POSTs to A at the same moment.
        sockets = []  # (session index, socket)
        for index, session in enumerate(sessions):
            for i, token in enumerate(session["learners"]):
                server = (a, b)[i % 2]
                url = f"ws://127.0.0.1:{server.port}/ws/sessions/{session['session_id']}/"
                sockets.append((index, await connect(url, token)))

        def ready(session):
            return requests.post(
                f"{a.url}/api/sessions/{session['session_id']}/ready/",
                headers=bearer(session["mentor"]),
                timeout=60,
            ).status_code

        statuses = await asyncio.gather(*(asyncio.to_thread(ready, s) for s in sessions))
        frames = await asyncio.gather(*(frames_until(ws, "mentor.ready", 30) for _, ws in sockets))
        # Nothing else is on its way: a marker push per session arrives after everything sent
        # before it, so whatever a socket holds before its marker is all it was sent.
        for _, ws in sockets:
            await ws.close()
        return statuses, [(index, got) for (index, _), got in zip(sockets, frames, strict=True)]

    statuses, received = run_async(scenario())
    assert statuses == [200] * 5
    assert len(received) == 500
    per_session = Counter()
    for index, got in received:
        readies = [f for f in got if f["type"] == "mentor.ready"]
        assert len(readies) == 1
        assert readies[0]["session_id"] == sessions[index]["session_id"]
        # No frame of another session crossed over.
        assert {f["session_id"] for f in got if "session_id" in f} == {
            sessions[index]["session_id"]
        }
        per_session[index] += 1
    assert per_session == {i: 100 for i in range(5)}


def test_cancelled_learner_stops_receiving_at_once_on_either_process(servers):
    a, b = servers
    (session,) = make_sessions(a, "cancel", sessions=1, learners=4)
    sid = session["session_id"]

    async def scenario():
        # Learners 0 and 1 watch on B, 2 and 3 on A; learner 0 cancels through A.
        urls = [f"ws://127.0.0.1:{(b, b, a, a)[i].port}/ws/sessions/{sid}/" for i in range(4)]
        sockets = [await connect(url, t) for url, t in zip(urls, session["learners"], strict=True)]
        cancelled = await asyncio.to_thread(
            requests.post,
            f"{a.url}/api/bookings/{session['bookings'][0]}/cancel/",
            headers=bearer(session["learners"][0]),
            timeout=30,
        )
        ready = await asyncio.to_thread(
            requests.post,
            f"{a.url}/api/sessions/{sid}/ready/",
            headers=bearer(session["mentor"]),
            timeout=30,
        )
        # The cancelled learner's socket closes 4403 without the Ready push reaching it.
        gone_frames = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    gone_frames.append(json.loads(await sockets[0].recv()))
        stayed = [await frames_until(ws, "mentor.ready") for ws in sockets[1:]]
        for ws in sockets[1:]:
            await ws.close()
        return cancelled.status_code, ready.status_code, closed.value.rcvd.code, gone_frames, stayed

    cancelled, ready, code, gone_frames, stayed = run_async(scenario())
    assert (cancelled, ready, code) == (200, 200, 4403)
    assert "mentor.ready" not in [f["type"] for f in gone_frames]
    assert all(frames[-1]["session_id"] == sid for frames in stayed)


def test_socket_opened_with_a_jwt_closes_4401_when_it_expires(servers):
    a, b = servers
    (session,) = make_sessions(a, "expiry", sessions=1, learners=2, lifetime=3)
    sid = session["session_id"]

    async def scenario():
        on_a = await connect(f"ws://127.0.0.1:{a.port}/ws/sessions/{sid}/", session["learners"][0])
        on_b = await connect(f"ws://127.0.0.1:{b.port}/ws/notifications/", session["learners"][1])
        return await close_code(on_a), await close_code(on_b)

    assert run_async(scenario()) == (4401, 4401)


def test_ready_toggled_five_times_gives_each_learner_one_notification_then_429(servers):
    a, b = servers
    (session,) = make_sessions(a, "toggle", sessions=1, learners=3)
    sid, mentor = session["session_id"], bearer(session["mentor"])
    statuses = []
    for action in ["ready", "cancel_ready"] * 2 + ["ready"]:
        statuses.append(
            requests.post(f"{b.url}/api/sessions/{sid}/{action}/", headers=mentor, timeout=30)
        )
    assert [r.status_code for r in statuses] == [200] * 5
    for token in session["learners"]:
        listed = requests.get(f"{a.url}/api/notifications/", headers=bearer(token), timeout=30)
        rows = listed.json()
        rows = rows.get("results", rows) if isinstance(rows, dict) else rows
        readies = [n for n in rows if n["kind"] == "session.ready"]
        assert len(readies) == 1, readies
    # The site's action rate is 30 a minute per user: the toggles run out, with a Retry-After.
    answers = [
        requests.post(f"{a.url}/api/sessions/{sid}/{action}/", headers=mentor, timeout=30)
        for action in ["cancel_ready", "ready"] * 13
    ]
    refused = [r for r in answers if r.status_code == 429]
    assert refused, [r.status_code for r in answers]
    assert int(refused[0].headers["Retry-After"]) > 0
    assert {r.status_code for r in answers} <= {200, 429}


def test_a_ready_tells_every_learner_on_either_process_with_its_notification_and_badges(servers):
    """The learners' own pushes after a Ready leave batched (a few Redis round trips for all of
    them): each learner's notifications socket, on A or on B, gets its own notification and its
    own badge count, and nobody else's."""
    a, b = servers
    (session,) = make_sessions(a, "told", sessions=1, learners=6)
    sid, learners = session["session_id"], session["learners"]

    async def scenario():
        sockets = [
            await connect(f"ws://127.0.0.1:{(a, b)[i % 2].port}/ws/notifications/", token)
            for i, token in enumerate(learners)
        ]
        for ws in sockets:  # each socket opens with the learner's badge counts
            await frames_until(ws, "badges")
        answer = await asyncio.to_thread(
            requests.post,
            f"{a.url}/api/sessions/{sid}/ready/",
            headers=bearer(session["mentor"]),
            timeout=30,
        )
        assert answer.status_code == 200
        told = [await frames_until(ws, "badges") for ws in sockets]
        for ws in sockets:
            await ws.close()
        return told

    told = run_async(scenario())
    for token, frames in zip(learners, told, strict=True):
        notifications = [f for f in frames if f["type"] == "notification"]
        assert [(n["kind"], n["title"]) for n in notifications] == [
            ("session.ready", "Mentor is ready—please confirm.")
        ]
        assert frames[-1]["notifications"] == 1
        listed = requests.get(f"{b.url}/api/notifications/", headers=bearer(token), timeout=30)
        rows = listed.json()
        rows = rows.get("results", rows) if isinstance(rows, dict) else rows
        assert [row["id"] for row in rows] == [notifications[0]["id"]]
