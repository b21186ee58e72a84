"""/ws/sessions/{id}/: who may join, and every contract message sent when its action happens."""

import json
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async as db
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from peerlearn_bookings import services
from peerlearn_bookings.testing.factories import make_session, move_start
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor

# The host's ASGI_APPLICATION: the composed site's, or the bare host's in the package's own run.
application = get_default_application()

pytestmark = [pytest.mark.django_db(transaction=True)]


async def connect(user, session_id):
    headers = [(b"authorization", f"Bearer {jwt_for(user)}".encode())] if user else []
    comm = WebsocketCommunicator(application, f"/ws/sessions/{session_id}/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    return comm


async def assert_refused(user, session_id, code):
    comm = await connect(user, session_id)
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": code}


@pytest.fixture
async def world():
    mentor = await db(make_mentor)()
    learner = await db(make_learner)()
    other_learner = await db(make_learner)()
    other_mentor = await db(make_mentor)()
    session = await db(make_session)(mentor=mentor, max_participants=3)
    booking = await db(services.book_session)(session_id=session.pk, learner=learner)
    return dict(
        mentor=mentor,
        learner=learner,
        other_learner=other_learner,
        other_mentor=other_mentor,
        session=session,
        booking=booking,
    )


async def test_who_may_join(world):
    sid = world["session"].pk
    await assert_refused(None, sid, 4401)
    await assert_refused(world["other_learner"], sid, 4403)
    await assert_refused(world["other_mentor"], sid, 4403)
    await assert_refused(world["mentor"], 999999, 4403)
    for user in (world["mentor"], world["learner"]):
        comm = await connect(user, sid)
        assert await comm.receive_nothing(timeout=0.1)
        await comm.disconnect()


async def test_cancelled_booking_loses_access(world):
    await db(services.cancel_booking)(booking_id=world["booking"].pk, learner=world["learner"])
    await assert_refused(world["learner"], world["session"].pk, 4403)


async def test_an_open_socket_closes_when_its_booking_is_cancelled(world):
    """Access is checked at every change, not only at the handshake: the learner's open socket
    closes (4403) the moment their booking is cancelled, and sees no push after it."""
    session, learner = world["session"], world["learner"]
    staying = await db(make_learner)()
    await db(services.book_session)(session_id=session.pk, learner=staying)
    mentor_ws = await connect(world["mentor"], session.pk)
    leaving_ws = await connect(learner, session.pk)
    staying_ws = await connect(staying, session.pk)

    await db(services.cancel_booking)(booking_id=world["booking"].pk, learner=learner)
    # The cancellation push may reach the leaving socket before its close; nothing after it.
    frame = await leaving_ws.receive_output(timeout=2)
    if frame["type"] == "websocket.send":
        assert '"booking.cancelled"' in frame["text"]
        frame = await leaving_ws.receive_output(timeout=2)
    assert frame == {"type": "websocket.close", "code": 4403}

    await db(services.mark_ready)(session_id=session.pk, mentor=world["mentor"])
    for ws in (mentor_ws, staying_ws):
        assert (await ws.receive_json_from(timeout=2))["type"] == "booking.cancelled"
        assert (await ws.receive_json_from(timeout=2))["type"] == "mentor.ready"
        await ws.disconnect()


async def test_a_session_channel_is_one_layer_member_per_process_whatever_the_sockets(world):
    """Why a push to 500 learners is cheap: the process joins the session's group once and
    fans each push out to its own sockets (encoded once), so the channel layer carries one
    message per process, not one per socket."""
    from channels.layers import get_channel_layer

    sid, layer = world["session"].pk, get_channel_layer()
    more = [await db(make_learner)() for _ in range(2)]
    for learner in more:
        await db(services.book_session)(session_id=sid, learner=learner)
    users = [world["mentor"], world["learner"], *more]
    sockets = [await connect(user, sid) for user in users]
    assert len(layer.groups[f"session_{sid}"]) == 1

    await db(services.mark_ready)(session_id=sid, mentor=world["mentor"])
    for ws in sockets:
        assert (await ws.receive_json_from(timeout=2))["type"] == "mentor.ready"
    for ws in sockets:
        await ws.disconnect()
    # The last socket to leave takes the process out of the group.
    assert not layer.groups.get(f"session_{sid}")


async def test_deep_frame_gets_an_error_and_oversize_closes_1009(world):
    session, mentor, learner = world["session"], world["mentor"], world["learner"]
    ws = await connect(learner, session.pk)
    await ws.send_to(text_data="[" * 1000 + "]" * 1000)
    assert await ws.receive_json_from(timeout=2) == {
        "type": "error",
        "code": "too_deep",
        "detail": "JSON nested deeper than 20 levels.",
    }
    # Still open and in its group.
    await db(services.mark_ready)(session_id=session.pk, mentor=mentor)
    assert (await ws.receive_json_from(timeout=2))["type"] == "mentor.ready"
    await ws.send_to(text_data=json.dumps({"type": "x", "pad": "x" * (16 * 1024)}))
    assert (await ws.receive_json_from(timeout=2))["code"] == "too_large"
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 1009}


async def test_every_message_type_after_its_action(world):
    session, mentor, learner = world["session"], world["mentor"], world["learner"]
    mentor_ws = await connect(mentor, session.pk)
    learner_ws = await connect(learner, session.pk)

    async def both():
        a = await mentor_ws.receive_json_from(timeout=2)
        b = await learner_ws.receive_json_from(timeout=2)
        assert a == b
        return a

    newcomer = await db(make_learner)()
    booking2 = await db(services.book_session)(session_id=session.pk, learner=newcomer)
    assert await both() == {"type": "booking.created", "booking_id": booking2.pk, "booked_count": 2}

    await db(services.mark_ready)(session_id=session.pk, mentor=mentor)
    assert await both() == {
        "type": "mentor.ready",
        "session_id": session.pk,
        "message": "Mentor is ready—please confirm.",
    }

    booking = world["booking"]
    await db(services.confirm_booking)(booking_id=booking.pk, learner=learner)
    assert await both() == {
        "type": "booking.confirmed",
        "booking_id": booking.pk,
        "learner_id": learner.pk,
        "learner_name": learner.name,
        "confirmed_count": 1,
    }

    await db(services.decline_booking)(booking_id=booking.pk, learner=learner)
    assert await both() == {
        "type": "booking.declined",
        "booking_id": booking.pk,
        "learner_id": learner.pk,
        "learner_name": learner.name,
        "confirmed_count": 0,
    }

    await db(services.cancel_ready)(session_id=session.pk, mentor=mentor)
    assert await both() == {"type": "mentor.cancel_ready", "session_id": session.pk}

    new_start = session.starts_at + timedelta(days=1)
    await db(services.update_session)(session_id=session.pk, mentor=mentor, starts_at=new_start)
    updated = await both()
    assert updated["type"] == "session.updated"
    assert updated["session"]["id"] == session.pk
    assert updated["session"]["booked_count"] == 2
    assert "email" not in str(updated)
    rescheduled = await both()
    assert datetime.fromisoformat(rescheduled.pop("starts_at")) == new_start
    assert rescheduled == {
        "type": "session.rescheduled",
        "session_id": session.pk,
        "bookings": [
            {"booking_id": booking.pk, "learner_id": learner.pk, "reconfirm_pending": True},
            {"booking_id": booking2.pk, "learner_id": newcomer.pk, "reconfirm_pending": True},
        ],
        "booked_count": 2,
        "reconfirm_pending_count": 2,
        "reconfirmed_count": 0,
    }

    # Cancelling instead of answering the new time is declining it.
    await db(services.cancel_booking)(booking_id=booking2.pk, learner=newcomer)
    assert await both() == {
        "type": "booking.cancelled",
        "booking_id": booking2.pk,
        "booked_count": 1,
        "confirmed_count": 0,
    }
    assert await both() == {
        "type": "booking.reconfirmed",
        "booking_id": booking2.pk,
        "learner_id": newcomer.pk,
        "learner_name": newcomer.name,
        "accepted": False,
        "booked_count": 1,
        "reconfirm_pending_count": 1,
        "reconfirmed_count": 0,
    }
    await db(services.reconfirm_booking)(booking_id=booking.pk, learner=learner, accept=True)
    assert await both() == {
        "type": "booking.reconfirmed",
        "booking_id": booking.pk,
        "learner_id": learner.pk,
        "learner_name": learner.name,
        "accepted": True,
        "booked_count": 1,
        "reconfirm_pending_count": 0,
        "reconfirmed_count": 1,
    }

    # Attendance opens once the session is live: its start comes into the room's window, the
    # mentor starts it, then marks the learner.
    await db(move_start)(session, to=timezone.now() + timedelta(minutes=2))
    await db(services.start_session)(session_id=session.pk, mentor=mentor)
    started = await both()
    assert started["type"] == "session.updated" and started["session"]["status"] == "live"
    await db(services.mark_attended)(booking_id=booking.pk, mentor=mentor, attended=True)
    assert await both() == {
        "type": "booking.attended",
        "booking_id": booking.pk,
        "attended": True,
        "attended_count": 1,
    }
    await mentor_ws.disconnect()
    await learner_ws.disconnect()


async def test_nothing_leaves_before_commit(world):
    """A failed action (409) pushes nothing; a successful one pushes only after commit."""
    session, learner = world["session"], world["learner"]
    mentor_ws = await connect(world["mentor"], session.pk)
    from peerlearn_core.exceptions import Conflict

    with pytest.raises(Conflict):
        await db(services.confirm_booking)(booking_id=world["booking"].pk, learner=learner)
    with pytest.raises(Conflict):
        await db(services.book_session)(session_id=session.pk, learner=learner)
    assert await mentor_ws.receive_nothing(timeout=0.3)
    await mentor_ws.disconnect()


async def notifications_socket(user):
    headers = [(b"authorization", f"Bearer {jwt_for(user)}".encode())]
    comm = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=2))["type"] == "badges"
    return comm


async def test_learners_notification_sockets_carry_browse_changes(world):
    """browse.session goes to every learner (Browse is public to them), never to mentors, and
    carries no per-user field."""
    learner_ws = await notifications_socket(world["other_learner"])
    mentor_ws = await notifications_socket(world["other_mentor"])

    created = await db(make_session)(mentor=world["mentor"], title="Graph algorithms clinic")
    # make_session is the service's create_session: the push leaves after its commit.
    message = await learner_ws.receive_json_from(timeout=2)
    assert message["type"] == "browse.session"
    assert message["session"]["id"] == created.pk
    assert message["session"]["title"] == "Graph algorithms clinic"
    assert message["session"]["seats_left"] == created.max_participants
    assert "waitlist_position" not in message["session"]

    await db(services.book_session)(session_id=created.pk, learner=world["learner"])
    seats = await learner_ws.receive_json_from(timeout=2)
    assert (seats["type"], seats["session"]["booked_count"]) == ("browse.session", 1)
    assert seats["session"]["seats_left"] == created.max_participants - 1

    # The mentor's socket got none of it: the first thing it receives is its own notification.
    from peerlearn_core.services import notify

    await db(notify)(user=world["other_mentor"], kind="test", title="Only for the mentor")
    first = await mentor_ws.receive_json_from(timeout=2)
    assert (first["type"], first["title"]) == ("notification", "Only for the mentor")
    for ws in (learner_ws, mentor_ws):
        await ws.disconnect()
