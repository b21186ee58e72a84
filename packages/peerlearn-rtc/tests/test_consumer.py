"""/ws/room/{session_id}/ through the real socket stack: every refusal and message of the room
table in CONTRACT.md, the relay's addressing, limits, decline, leave/rejoin and replacement."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking, LiveSession, SessionStatus
from peerlearn_bookings.testing.factories import make_session, move_start, set_status
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor
from peerlearn_rtc.models import ChatMessage, RoomCall, RoomPeer
from peerlearn_rtc.testing.factories import add_learner, make_room
from peerlearn_rtc.testing.sockets import RoomSocket

pytestmark = [pytest.mark.django_db(transaction=True)]

FORGED = "forged-peer-id"


# --- helpers ---------------------------------------------------------------------------------


async def enter(sockets, user, session_id, *present):
    """``user`` joins; every socket already in the room is told with ``peer.joined``."""
    sock = await sockets.room(user, session_id)
    for other in present:
        await other.expect(
            "peer.joined",
            peer_id=sock.peer_id,
            user_id=user.pk,
            name=user.name,
            role=sock.welcome["role"],
        )
    return sock


async def full_room(sockets, room):
    """The mentor then every learner of ``room`` in it: ``[mentor_ws, learner_ws...]``."""
    socks = [await enter(sockets, room.mentor, room.session_id)]
    for learner in room.learners:
        socks.append(await enter(sockets, learner, room.session_id, *socks))
    return socks


async def everyone_sees(socks, kind, **fields):
    return [await sock.expect(kind, **fields) for sock in socks]


async def all_ready(socks):
    """Learners then the mentor (``socks[0]``) become ready; everyone sees ``all_ready``."""
    mentor, learners = socks[0], socks[1:]
    for sock in learners:
        await sock.ready()
        await everyone_sees(socks, "peer.ready", peer_id=sock.peer_id, ready=True)
    await mentor.ready()
    await everyone_sees(socks, "peer.ready", peer_id=mentor.peer_id, ready=True)
    await everyone_sees(socks, "all_ready")


async def started(socks):
    await all_ready(socks)
    await socks[0].send({"type": "start"})
    await everyone_sees(socks, "call.started")


async def still_open(sock, *others):
    """The socket still works after an error: its ``ready`` reaches itself and the others."""
    await sock.ready()
    for s in (sock, *others):
        await s.expect("peer.ready", peer_id=sock.peer_id, ready=True)


def present_peer_ids(session_id):
    return set(
        RoomPeer.objects.filter(session_id=session_id, left_at__isnull=True).values_list(
            "peer_id", flat=True
        )
    )


# --- who may enter ---------------------------------------------------------------------------


async def test_anonymous_is_refused_with_4401(sockets):
    room = await db(make_room)()
    assert await sockets.refused(None, room.session_id) == 4401
    assert await db(present_peer_ids)(room.session_id) == set()


async def test_bad_jwt_is_refused_with_4401(sockets):
    room = await db(make_room)()
    assert await sockets.refused(None, room.session_id, token="not-a-jwt") == 4401
    # A valid token of another kind (a refresh token) is no access token either.
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = str(await db(RefreshToken.for_user)(room.learners[0]))
    assert await sockets.refused(None, room.session_id, token=refresh) == 4401
    assert await db(present_peer_ids)(room.session_id) == set()


async def test_foreign_origin_is_refused_with_4403_and_own_origin_is_let_in(sockets):
    room = await db(make_room)()
    learner = room.learners[0]
    code = await sockets.refused(learner, room.session_id, origin="https://evil.example.com")
    assert code == 4403
    assert await db(present_peer_ids)(room.session_id) == set()
    sock = await sockets.room(learner, room.session_id, origin="http://localhost:8000")
    assert sock.welcome["role"] == "learner"


@pytest.mark.parametrize(
    "who", ["unbooked learner", "other mentor", "declined learner", "cancelled booking"]
)
async def test_who_has_no_seat_is_refused_with_4403(sockets, who):
    room = await db(make_room)(learners=1)
    learner, booking = room.learners[0], room.bookings[0]
    if who == "unbooked learner":
        user = await db(make_learner)()
    elif who == "other mentor":
        user = await db(make_mentor)()
    elif who == "declined learner":
        await db(bookings.decline_booking)(booking_id=booking.pk, learner=learner)
        user = learner
    else:
        await db(bookings.cancel_booking)(booking_id=booking.pk, learner=learner)
        user = learner
    sock = sockets.track(RoomSocket(user, room.session_id))
    assert await sock.refused() == 4403
    assert sock.refusal["code"] == "forbidden"
    assert await db(present_peer_ids)(room.session_id) == set()
    # The room's rightful members still get in.
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    assert mentor_ws.welcome["peers"] == []


async def test_missing_session_is_refused_with_4403(sockets):
    mentor = await db(make_mentor)()
    sock = sockets.track(RoomSocket(mentor, 987654))
    assert await sock.refused() == 4403
    assert sock.refusal["code"] == "not_found"


@pytest.mark.parametrize("how", ["completed", "cancelled", "ended by the clock"])
async def test_closed_session_is_refused_with_4403(sockets, how):
    room = await db(make_room)()
    if how == "completed":
        await db(set_status)(room.session, SessionStatus.COMPLETED)
    elif how == "cancelled":
        await db(bookings.cancel_session)(session_id=room.session_id, mentor=room.mentor)
    else:  # still "scheduled", but its end has passed
        await db(move_start)(room.session, to=timezone.now() - timedelta(minutes=61))
    for user in (room.mentor, room.learners[0]):
        sock = sockets.track(RoomSocket(user, room.session_id))
        assert await sock.refused() == 4403
        assert sock.refusal["code"] == "closed"
    assert await db(present_peer_ids)(room.session_id) == set()


async def test_room_opens_ten_minutes_before_the_start(sockets):
    room = await db(make_room)(starts_in=timedelta(minutes=11))
    for user in (room.mentor, room.learners[0]):
        sock = sockets.track(RoomSocket(user, room.session_id))
        assert await sock.refused() == 4403
        assert sock.refusal["code"] == "not_open_yet"
    await db(move_start)(room.session, to=timezone.now() + timedelta(minutes=9))
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    assert mentor_ws.welcome["role"] == "mentor"


async def test_window_follows_the_bookings_setting(sockets, settings):
    settings.PEERLEARN_BOOKINGS = {
        **getattr(settings, "PEERLEARN_BOOKINGS", {}),
        "ROOM_OPENS_MINUTES_BEFORE": 30,
    }
    room = await db(make_room)(starts_in=timedelta(minutes=25))
    await sockets.room(room.mentor, room.session_id)
    settings.PEERLEARN_BOOKINGS = {
        **getattr(settings, "PEERLEARN_BOOKINGS", {}),
        "ROOM_OPENS_MINUTES_BEFORE": 5,
    }
    assert await sockets.track(RoomSocket(room.learners[0], room.session_id)).refused() == 4403


# --- welcome, peer.joined, ready, start ------------------------------------------------------


async def test_welcome_lists_who_is_here_and_others_hear_of_the_newcomer(sockets):
    room = await db(make_room)(learners=2)
    mentor, (l1, l2) = room.mentor, room.learners
    mentor_ws = await sockets.room(mentor, room.session_id)
    assert mentor_ws.welcome["role"] == "mentor"
    assert mentor_ws.welcome["peers"] == []
    assert isinstance(mentor_ws.peer_id, str) and mentor_ws.peer_id

    l1_ws = await enter(sockets, l1, room.session_id, mentor_ws)
    assert l1_ws.welcome["role"] == "learner"
    assert [
        {k: p[k] for k in ("peer_id", "user_id", "name", "role", "ready")}
        for p in l1_ws.welcome["peers"]
    ] == [
        {
            "peer_id": mentor_ws.peer_id,
            "user_id": mentor.pk,
            "name": mentor.name,
            "role": "mentor",
            "ready": False,
        }
    ]
    await mentor_ws.ready()
    await everyone_sees([mentor_ws, l1_ws], "peer.ready", peer_id=mentor_ws.peer_id, ready=True)

    l2_ws = await enter(sockets, l2, room.session_id, mentor_ws, l1_ws)
    seen = {p["peer_id"]: (p["user_id"], p["role"], p["ready"]) for p in l2_ws.welcome["peers"]}
    assert seen == {
        mentor_ws.peer_id: (mentor.pk, "mentor", True),
        l1_ws.peer_id: (l1.pk, "learner", False),
    }
    assert len({mentor_ws.peer_id, l1_ws.peer_id, l2_ws.peer_id}) == 3
    assert await db(present_peer_ids)(room.session_id) == {
        mentor_ws.peer_id,
        l1_ws.peer_id,
        l2_ws.peer_id,
    }


async def test_ready_all_ready_and_start(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks

    await l1_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=l1_ws.peer_id, ready=True, all_ready=False)
    await mentor_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=mentor_ws.peer_id, ready=True)
    # l2 is not ready: no all_ready, and the mentor cannot start.
    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("not_all_ready")
    for sock in (l1_ws, l2_ws):
        await sock.nothing()

    await l2_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=l2_ws.peer_id, ready=True, all_ready=True)
    await everyone_sees(socks, "all_ready")

    # A learner cannot start the call, even when everyone is ready.
    await l1_ws.send({"type": "start"})
    await l1_ws.expect_error("permission_denied")
    assert await db(RoomCall.objects.filter(session_id=room.session_id).exists)() is False

    await mentor_ws.send({"type": "start"})
    await everyone_sees(socks, "call.started")
    session = await db(LiveSession.objects.get)(pk=room.session_id)
    assert session.status == SessionStatus.LIVE
    assert await db(RoomCall.objects.filter(session_id=room.session_id).exists)() is True

    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("already_started")
    await l1_ws.nothing()


async def test_all_ready_needs_a_learner(sockets):
    room = await db(make_room)(learners=1)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    await mentor_ws.ready()
    await mentor_ws.expect("peer.ready", peer_id=mentor_ws.peer_id, ready=True, all_ready=False)
    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("not_all_ready")  # and no all_ready came before it

    learner_ws = await enter(sockets, room.learners[0], room.session_id, mentor_ws)
    await learner_ws.ready()
    await everyone_sees([mentor_ws, learner_ws], "peer.ready", peer_id=learner_ws.peer_id)
    await everyone_sees([mentor_ws, learner_ws], "all_ready")


async def test_unready_breaks_all_ready(sockets):
    room = await db(make_room)(learners=1)
    socks = await full_room(sockets, room)
    mentor_ws, learner_ws = socks
    await all_ready(socks)

    await learner_ws.ready(False)
    await everyone_sees(
        socks, "peer.ready", peer_id=learner_ws.peer_id, ready=False, all_ready=False
    )
    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("not_all_ready")

    # Ready again: all_ready is announced again, and now the call starts.
    await learner_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=learner_ws.peer_id, ready=True)
    await everyone_sees(socks, "all_ready")
    await mentor_ws.send({"type": "start"})
    await everyone_sees(socks, "call.started")


async def test_a_newcomer_who_is_not_ready_breaks_all_ready(sockets):
    room = await db(make_room)(learners=2)
    mentor, (l1, l2) = room.mentor, room.learners
    mentor_ws = await enter(sockets, mentor, room.session_id)
    l1_ws = await enter(sockets, l1, room.session_id, mentor_ws)
    await all_ready([mentor_ws, l1_ws])

    l2_ws = await sockets.room(l2, room.session_id)
    assert l2_ws.welcome["all_ready"] is False
    for sock in (mentor_ws, l1_ws):
        await sock.expect("peer.joined", peer_id=l2_ws.peer_id, all_ready=False)
    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("not_all_ready")

    await l2_ws.ready()
    await everyone_sees([mentor_ws, l1_ws, l2_ws], "peer.ready", peer_id=l2_ws.peer_id)
    await everyone_sees([mentor_ws, l1_ws, l2_ws], "all_ready")


async def test_a_late_joiner_is_told_the_call_has_started(sockets):
    room = await db(make_room)(learners=2)
    mentor, (l1, l2) = room.mentor, room.learners
    mentor_ws = await enter(sockets, mentor, room.session_id)
    l1_ws = await enter(sockets, l1, room.session_id, mentor_ws)
    await started([mentor_ws, l1_ws])
    l2_ws = await enter(sockets, l2, room.session_id, mentor_ws, l1_ws)
    assert l2_ws.welcome["call_started"] is True
    # And may signal at once.
    await l2_ws.send({"type": "offer", "to": mentor_ws.peer_id, "sdp": "v=0 late"})
    await mentor_ws.expect("offer", sdp="v=0 late", **{"from": l2_ws.peer_id})


# --- the relay ---------------------------------------------------------------------------------


async def test_signals_reach_only_the_addressed_peer_with_the_server_set_from(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await started(socks)

    sdp = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
    await l1_ws.send({"type": "offer", "to": mentor_ws.peer_id, "sdp": sdp, "from": FORGED})
    got = await mentor_ws.expect("offer", sdp=sdp)
    assert got["from"] == l1_ws.peer_id
    assert FORGED not in json.dumps(got)

    await mentor_ws.send(
        {"type": "answer", "to": l1_ws.peer_id, "sdp": "v=0 answer", "from": l2_ws.peer_id}
    )
    assert (await l1_ws.expect("answer", sdp="v=0 answer"))["from"] == mentor_ws.peer_id

    candidate = {"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host", "sdpMid": "0"}
    await l2_ws.send({"type": "ice", "to": l1_ws.peer_id, "candidate": candidate})
    got = await l1_ws.expect("ice", candidate=candidate)
    assert got["from"] == l2_ws.peer_id

    # Each message reached its addressee only: the others got nothing, the senders no echo.
    await l2_ws.nothing()
    await mentor_ws.nothing(0.05)
    await l1_ws.nothing(0.05)


async def test_signals_before_the_call_started_are_refused(sockets):
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    await learner_ws.send({"type": "offer", "to": mentor_ws.peer_id, "sdp": "v=0"})
    await learner_ws.expect_error("not_started")
    await mentor_ws.nothing()
    await still_open(learner_ws, mentor_ws)


async def test_a_peer_cannot_address_a_peer_outside_its_room(sockets):
    here = await db(make_room)(learners=1)
    there = await db(make_room)(learners=1)
    here_socks = await full_room(sockets, here)
    there_socks = await full_room(sockets, there)
    await started(here_socks)
    await started(there_socks)
    mentor_ws, learner_ws = here_socks
    stranger = there_socks[1]

    await learner_ws.send({"type": "offer", "to": stranger.peer_id, "sdp": "v=0 sneaky"})
    await learner_ws.expect_error("bad_address")
    await learner_ws.send({"type": "ice", "to": "no-such-peer", "candidate": {"candidate": ""}})
    await learner_ws.expect_error("bad_address")
    await learner_ws.send({"type": "offer", "to": learner_ws.peer_id, "sdp": "v=0 self"})
    await learner_ws.expect_error("bad_address")
    await learner_ws.send({"type": "offer", "to": 12, "sdp": "v=0"})
    await learner_ws.expect_error("bad_address")
    await learner_ws.send({"type": "answer", "to": mentor_ws.peer_id})  # no sdp
    await learner_ws.expect_error("invalid")

    # The socket stays open and still relays; nobody else received anything.
    await learner_ws.send({"type": "offer", "to": mentor_ws.peer_id, "sdp": "v=0 fine"})
    await mentor_ws.expect("offer", sdp="v=0 fine", **{"from": learner_ws.peer_id})
    for sock in there_socks:
        await sock.nothing(0.1)
    await learner_ws.nothing(0.05)


async def test_a_peer_who_left_can_no_longer_be_addressed(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await started(socks)
    # l1 learns l2's channel, then l2 leaves: the address book forgets it.
    await l1_ws.send({"type": "offer", "to": l2_ws.peer_id, "sdp": "v=0"})
    await l2_ws.expect("offer")
    gone = l2_ws.peer_id
    await l2_ws.leave()
    await everyone_sees([mentor_ws, l1_ws], "peer.left", peer_id=gone, reason="disconnected")
    await l1_ws.send({"type": "offer", "to": gone, "sdp": "v=0"})
    await l1_ws.expect_error("bad_address")


async def test_lecture_mode_connects_learners_to_the_mentor_only(sockets, rtc_override):
    rtc_override(MAX_MESH_PEERS=2)
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    assert mentor_ws.welcome["mode"] == "lecture"
    await started(socks)
    await l1_ws.send({"type": "offer", "to": l2_ws.peer_id, "sdp": "v=0"})
    await l1_ws.expect_error("lecture")
    await l1_ws.send({"type": "offer", "to": mentor_ws.peer_id, "sdp": "v=0 l1"})
    await mentor_ws.expect("offer", sdp="v=0 l1", **{"from": l1_ws.peer_id})
    await mentor_ws.send({"type": "answer", "to": l2_ws.peer_id, "sdp": "v=0 m"})
    await l2_ws.expect("answer", sdp="v=0 m", **{"from": mentor_ws.peer_id})
    await l2_ws.nothing(0.05)


# --- chat ------------------------------------------------------------------------------------


async def test_chat_is_broadcast_and_stored_as_sent(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    l1_ws = socks[1]
    text = "<script>alert('x')</script> & \"quotes\" — नमस्ते\nsecond line"
    await l1_ws.send({"type": "chat", "text": text, "from": FORGED, "name": "Mallory"})
    messages = await everyone_sees(socks, "chat", text=text, name=room.learners[0].name)
    assert all(m["from"] == l1_ws.peer_id for m in messages)
    assert len({m["at"] for m in messages}) == 1
    assert timezone.datetime.fromisoformat(messages[0]["at"]).tzinfo is not None
    stored = await db(list)(ChatMessage.objects.filter(session_id=room.session_id))
    assert [(m.text, m.user_id, m.peer_id, m.name) for m in stored] == [
        (text, room.learners[0].pk, l1_ws.peer_id, room.learners[0].name)
    ]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "chat", "text": ""},
        {"type": "chat", "text": "   \n\t"},
        {"type": "chat", "text": 42},
        {"type": "chat", "text": None},
        {"type": "chat", "text": ["hi"]},
        {"type": "chat", "text": {"x": 1}},
        {"type": "chat"},
        {"type": "chat", "text": "x" * 2001},
    ],
    ids=["empty", "blank", "int", "null", "list", "object", "missing", "too long"],
)
async def test_bad_chat_is_an_error_and_nothing_is_stored(sockets, message):
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    await learner_ws.send(message)
    await learner_ws.expect_error()
    await still_open(learner_ws, mentor_ws)
    assert await db(ChatMessage.objects.count)() == 0


async def test_chat_at_the_length_limit_is_accepted(sockets, rtc_override):
    rtc_override(MAX_CHAT_CHARS=50)
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    await learner_ws.chat("y" * 51)
    await learner_ws.expect_error()
    await learner_ws.chat("y" * 50)
    await everyone_sees([mentor_ws, learner_ws], "chat", text="y" * 50)


async def test_chat_is_rate_limited(sockets, rtc_override):
    rtc_override(CHAT_RATE=(3, 60))
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    for n in range(3):
        await learner_ws.chat(f"message {n}")
        await everyone_sees([mentor_ws, learner_ws], "chat", text=f"message {n}")
    await learner_ws.chat("one too many")
    await learner_ws.expect_error("throttled")
    await mentor_ws.nothing()
    assert await db(ChatMessage.objects.count)() == 3
    # Per socket: the mentor may still chat, and the throttled learner may still do the rest.
    await mentor_ws.chat("fine")
    await everyone_sees([mentor_ws, learner_ws], "chat", text="fine")
    await still_open(learner_ws, mentor_ws)


# --- malformed frames ------------------------------------------------------------------------


DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize(
    "frame",
    [
        "{not json",
        "",
        "[1, 2]",
        '"ready"',
        "null",
        "{}",
        '{"type": 5}',
        '{"type": "teleport"}',
        DEEP,
        DEEP_OBJECT,
        '{"type": "ready", "x": ' + DEEP + "}",
        '{"type": "ready", "x": ' + "[" * 50 + "]" * 50 + "}",
        '{"type": "chat", "text": "lone \\ud800 surrogate"}',
        # Each of these would be a valid "ready" but for its size.
        json.dumps({"type": "ready", "pad": "x" * (16 * 1024)}),
        # Under 16 K characters but over 16 KB: the limit is in bytes.
        json.dumps({"type": "ready", "pad": "é" * 9000}, ensure_ascii=False),
        b"\x00\x01binary",
        b'{"type": "ready"}',
    ],
    ids=[
        "malformed",
        "empty",
        "array",
        "string",
        "null",
        "no type",
        "type not a string",
        "unknown type",
        "nested 1000 deep",
        "object nested 1000 deep",
        "deep inside a ready",
        "50 deep inside a ready",
        "lone surrogate chat",
        "oversize",
        "oversize in bytes",
        "binary",
        "binary json",
    ],
)
async def test_malformed_frames_get_an_error_and_the_socket_stays_open(sockets, frame):
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    if isinstance(frame, bytes):
        await learner_ws.send_bytes(frame)
    elif frame == "":
        # An empty text frame (the communicator will not send one; the server gets it as is).
        await learner_ws.comm.send_input({"type": "websocket.receive", "text": ""})
    else:
        await learner_ws.send_text(frame)
    await learner_ws.expect_error()
    await mentor_ws.nothing(0.1)
    await still_open(learner_ws, mentor_ws)
    assert await db(ChatMessage.objects.count)() == 0


@pytest.mark.parametrize(
    ("frame", "code", "detail"),
    [
        (DEEP, "too_deep", "JSON nested deeper than 20 levels."),
        (DEEP_OBJECT, "too_deep", "JSON nested deeper than 20 levels."),
        ("x" * (16 * 1024 + 1), "too_large", "Message too large (limit 16384 bytes)."),
    ],
    ids=["deep array", "deep object", "oversize"],
)
async def test_over_a_limit_the_error_says_which(sockets, frame, code, detail):
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    await learner_ws.send_text(frame)
    assert (await learner_ws.expect_error(code))["detail"] == detail
    await still_open(learner_ws, mentor_ws)


async def test_an_unknown_type_is_named_in_the_error(sockets):
    room = await db(make_room)(learners=0)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    await mentor_ws.send({"type": "self_destruct"})
    error = await mentor_ws.expect_error("unknown_type")
    assert "self_destruct" in error["detail"]


# --- decline -----------------------------------------------------------------------------------


async def test_learner_decline_leaves_and_declines_the_booking(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await l1_ws.send({"type": "decline"})
    for sock in (mentor_ws, l2_ws):
        await sock.expect("peer.left", peer_id=l1_ws.peer_id, reason="declined")
    assert await l1_ws.close_code() == 4403

    booking = await db(Booking.objects.get)(pk=room.bookings[0].pk)
    assert booking.declined is True and booking.confirmed is False
    assert booking.cancelled_at is None  # declining attendance keeps the seat's record
    assert await db(present_peer_ids)(room.session_id) == {mentor_ws.peer_id, l2_ws.peer_id}
    other = await db(Booking.objects.get)(pk=room.bookings[1].pk)
    assert other.declined is False
    # Nobody hears of it twice (bookings' booking_declined signal reaches rtc too).
    await mentor_ws.nothing()
    await l2_ws.nothing(0.05)
    # The room still works for the others, and the decliner cannot come back.
    await still_open(l2_ws, mentor_ws)
    assert await sockets.refused(room.learners[0], room.session_id) == 4403


async def test_mentor_decline_cancels_the_session_for_everyone(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    await socks[0].send({"type": "decline"})
    for sock in socks:
        await sock.expect("session.cancelled", by="mentor")
        assert await sock.close_code() == 4403
    session = await db(LiveSession.objects.get)(pk=room.session_id)
    assert session.status == SessionStatus.CANCELLED
    assert await db(present_peer_ids)(room.session_id) == set()
    assert await sockets.refused(room.mentor, room.session_id) == 4403


# --- leaving, rejoining, replacement, losing the seat ------------------------------------------


async def test_disconnect_then_rejoin_with_a_fresh_peer_id(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    old_id = l1_ws.peer_id
    await l1_ws.leave()
    for sock in (mentor_ws, l2_ws):
        await sock.expect("peer.left", peer_id=old_id, reason="disconnected")
    left = await db(RoomPeer.objects.get)(peer_id=old_id)
    assert left.left_at is not None and left.left_reason == "disconnected"

    again = await enter(sockets, room.learners[0], room.session_id, mentor_ws, l2_ws)
    assert again.peer_id != old_id
    assert {p["peer_id"] for p in again.welcome["peers"]} == {mentor_ws.peer_id, l2_ws.peer_id}
    assert await db(present_peer_ids)(room.session_id) == {
        mentor_ws.peer_id,
        l2_ws.peer_id,
        again.peer_id,
    }


async def test_a_second_socket_of_the_same_user_replaces_the_first(sockets):
    room = await db(make_room)(learners=1)
    mentor_ws, first = await full_room(sockets, room)
    second = await sockets.room(room.learners[0], room.session_id)
    assert second.peer_id != first.peer_id
    assert [p["peer_id"] for p in second.welcome["peers"]] == [mentor_ws.peer_id]
    assert await first.close_code() == 4409
    await mentor_ws.expect("peer.left", peer_id=first.peer_id, reason="replaced")
    # The new socket's welcome no longer lists the old peer; the leave may follow it.
    await second.expect("peer.left", peer_id=first.peer_id, reason="replaced")
    await mentor_ws.expect("peer.joined", peer_id=second.peer_id, user_id=room.learners[0].pk)
    assert await db(present_peer_ids)(room.session_id) == {mentor_ws.peer_id, second.peer_id}
    await still_open(second, mentor_ws)


async def test_a_booking_cancelled_while_in_the_room_closes_that_socket(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await db(bookings.cancel_booking)(booking_id=room.bookings[0].pk, learner=room.learners[0])
    for sock in (mentor_ws, l2_ws):
        await sock.expect("peer.left", peer_id=l1_ws.peer_id, reason="cancelled")
    assert await l1_ws.close_code() == 4403
    assert await db(present_peer_ids)(room.session_id) == {mentor_ws.peer_id, l2_ws.peer_id}
    assert await sockets.refused(room.learners[0], room.session_id) == 4403


async def test_a_booking_declined_elsewhere_closes_that_socket(sockets):
    """The learner declines on the dashboard (bookings' API) while their room tab is open."""
    room = await db(make_room)(learners=1)
    mentor_ws, learner_ws = await full_room(sockets, room)
    await db(bookings.decline_booking)(booking_id=room.bookings[0].pk, learner=room.learners[0])
    await mentor_ws.expect("peer.left", peer_id=learner_ws.peer_id, reason="declined")
    assert await learner_ws.close_code() == 4403


async def test_a_session_completed_closes_the_room(sockets):
    room = await db(make_room)(learners=1)
    socks = await full_room(sockets, room)
    # A session ends once it went live (its room's start) or its time is over.
    await db(bookings.start_session)(session_id=room.session_id, mentor=room.mentor)
    await db(bookings.complete_session)(session_id=room.session_id, mentor=room.mentor)
    for sock in socks:
        await sock.expect("session.completed")
        assert await sock.close_code() == 4403


async def test_messages_of_a_peer_are_not_mixed_with_another_room(sockets):
    """Ready, chat and joins stay in their own room_{id} group."""
    here = await db(make_room)(learners=1)
    there = await db(make_room)(learners=1)
    here_socks = await full_room(sockets, here)
    there_socks = await full_room(sockets, there)
    await here_socks[1].chat("only here")
    await everyone_sees(here_socks, "chat", text="only here")
    await all_ready(here_socks)
    for sock in there_socks:
        await sock.nothing(0.1)


async def test_refused_sockets_join_no_group(sockets):
    room = await db(make_room)(learners=1)
    outsider = await db(make_learner)()
    assert await sockets.refused(outsider, room.session_id) == 4403
    mentor_ws, learner_ws = await full_room(sockets, room)
    await learner_ws.chat("members only")
    await everyone_sees([mentor_ws, learner_ws], "chat", text="members only")
    # jwt_for is not a shortcut around the booking: a fresh token of the outsider is refused too.
    assert jwt_for(outsider)
    assert await sockets.refused(outsider, room.session_id) == 4403


async def test_a_newly_booked_learner_gets_in(sockets):
    room = await db(make_room)(learners=0)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    learner, _booking = await db(add_learner)(room)
    learner_ws = await enter(sockets, learner, room.session_id, mentor_ws)
    assert learner_ws.welcome["role"] == "learner"


async def test_a_learner_cannot_join_a_session_of_another_mentor_they_did_not_book(sockets):
    room = await db(make_room)(learners=1)
    other = await db(make_session)(starts_at=timezone.now() + timedelta(minutes=3))
    assert await sockets.refused(room.learners[0], other.pk) == 4403


@pytest.mark.parametrize("how", ["disconnects", "declines"])
async def test_the_last_unready_learner_leaving_makes_the_room_all_ready(sockets, how):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await l1_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=l1_ws.peer_id, ready=True)
    await mentor_ws.ready()
    await everyone_sees(socks, "peer.ready", peer_id=mentor_ws.peer_id, all_ready=False)
    if how == "disconnects":
        await l2_ws.leave()
        reason = "disconnected"
    else:
        await l2_ws.send({"type": "decline"})
        reason = "declined"
    stayed = [mentor_ws, l1_ws]
    await everyone_sees(stayed, "peer.left", peer_id=l2_ws.peer_id, reason=reason, all_ready=True)
    await everyone_sees(stayed, "all_ready")
    await mentor_ws.send({"type": "start"})
    await everyone_sees(stayed, "call.started")


async def test_a_ready_learner_leaving_an_all_ready_room_announces_nothing_new(sockets):
    room = await db(make_room)(learners=2)
    socks = await full_room(sockets, room)
    mentor_ws, l1_ws, l2_ws = socks
    await all_ready(socks)
    await l2_ws.leave()
    stayed = [mentor_ws, l1_ws]
    await everyone_sees(stayed, "peer.left", peer_id=l2_ws.peer_id, all_ready=True)
    for sock in stayed:
        await sock.nothing(0.2)  # all_ready was announced already
    # The last learner leaving ends it: a mentor alone is not all ready.
    await l1_ws.leave()
    await mentor_ws.expect("peer.left", peer_id=l1_ws.peer_id, all_ready=False)
    await mentor_ws.send({"type": "start"})
    await mentor_ws.expect_error("not_all_ready")


async def test_an_unpaid_seat_waits_outside_until_it_is_paid(sockets):
    room = await db(make_room)(learners=1, price_paise=49900)
    learner, booking = room.learners[0], room.bookings[0]
    assert booking.payment_status == "pending"
    sock = sockets.track(RoomSocket(learner, room.session_id))
    assert await sock.refused() == 4403
    assert sock.refusal["code"] == "unpaid"
    assert await db(present_peer_ids)(room.session_id) == set()
    await db(bookings.record_payment)(booking_id=booking.pk, payment_status="paid")
    paid = await sockets.room(learner, room.session_id)
    assert paid.welcome["role"] == "learner"
