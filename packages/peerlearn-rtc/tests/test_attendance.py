"""Attendance from presence: a learner in the call long enough is marked attended through
bookings (``booking.attended`` on /ws/sessions/{id}/), once; one who left early is not."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking
from peerlearn_rtc import selectors, services
from peerlearn_rtc.models import PresenceAttendance, RoomCall, RoomPeer
from peerlearn_rtc.testing.factories import make_room

# The session socket also carries bookings' own pushes (the start makes the session live).
SESSION_NOISE = ("session.updated",)


async def enter(sockets, user, session_id, *present):
    sock = await sockets.room(user, session_id)
    for other in present:
        await other.expect("peer.joined", peer_id=sock.peer_id)
    return sock


async def start_call(socks):
    mentor, learners = socks[0], socks[1:]
    for sock in learners:
        await sock.ready()
        for s in socks:
            await s.expect("peer.ready", peer_id=sock.peer_id)
    await mentor.ready()
    for s in socks:
        await s.expect("peer.ready", peer_id=mentor.peer_id)
        await s.expect("all_ready")
    await mentor.send({"type": "start"})
    for s in socks:
        await s.expect("call.started")


def attended(booking_id) -> bool:
    return Booking.objects.get(pk=booking_id).attended


def marked(session_id, user_id) -> bool:
    return PresenceAttendance.objects.filter(session_id=session_id, user_id=user_id).exists()


@pytest.mark.django_db(transaction=True)
async def test_present_learner_is_marked_and_one_who_left_early_is_not(sockets, rtc_override):
    rtc_override(ATTENDED_AFTER_SECONDS=1)
    room = await db(make_room)(learners=2)
    (stayer, leaver), (stayer_booking, leaver_booking) = room.learners, room.bookings
    session_ws = await sockets.session(room.mentor, room.session_id)
    mentor_ws = await enter(sockets, room.mentor, room.session_id)
    stayer_ws = await enter(sockets, stayer, room.session_id, mentor_ws)
    leaver_ws = await enter(sockets, leaver, room.session_id, mentor_ws, stayer_ws)
    await start_call([mentor_ws, stayer_ws, leaver_ws])
    await leaver_ws.leave()

    pushed = await session_ws.expect_skipping(
        "booking.attended", SESSION_NOISE, timeout=5, booking_id=stayer_booking.pk
    )
    assert pushed == {
        "type": "booking.attended",
        "booking_id": stayer_booking.pk,
        "attended": True,
        "attended_count": 1,
    }
    assert await db(attended)(stayer_booking.pk) is True
    call = await db(RoomCall.objects.get)(session_id=room.session_id)
    marked_at = (await db(Booking.objects.get)(pk=stayer_booking.pk)).attended_at
    assert marked_at - call.started_at >= timedelta(seconds=1)  # not before the threshold
    mark = await db(PresenceAttendance.objects.get)(session_id=room.session_id, user_id=stayer.pk)
    assert mark.seconds_present >= 1

    # The threshold has passed for both, and only the one who stayed was marked.
    assert await db(attended)(leaver_booking.pk) is False
    assert await db(marked)(room.session_id, leaver.pk) is False
    assert (
        await db(services.credit_presence)(session_id=room.session_id, user_id=leaver.pk) is False
    )
    assert await db(attended)(leaver_booking.pk) is False
    # The mentor is nobody's attendee, and nothing else was pushed.
    assert await db(marked)(room.session_id, room.mentor.pk) is False
    await session_ws.nothing(0.3)


@pytest.mark.django_db(transaction=True)
async def test_mentor_unmarking_afterwards_stands(sockets, rtc_override):
    rtc_override(ATTENDED_AFTER_SECONDS=1)
    room = await db(make_room)(learners=2)
    (learner, newcomer), (booking, newcomer_booking) = room.learners, room.bookings
    session_ws = await sockets.session(room.mentor, room.session_id)
    mentor_ws = await enter(sockets, room.mentor, room.session_id)
    learner_ws = await enter(sockets, learner, room.session_id, mentor_ws)
    await start_call([mentor_ws, learner_ws])
    await session_ws.expect_skipping(
        "booking.attended", SESSION_NOISE, timeout=5, booking_id=booking.pk, attended=True
    )

    # The mentor unticks them.
    await db(bookings.mark_attended)(booking_id=booking.pk, mentor=room.mentor, attended=False)
    await session_ws.expect("booking.attended", booking_id=booking.pk, attended=False)

    # They keep being present, even on a fresh socket, next to a newcomer who gets marked.
    await learner_ws.leave()
    await mentor_ws.expect("peer.left", peer_id=learner_ws.peer_id)
    again = await enter(sockets, learner, room.session_id, mentor_ws)
    newcomer_ws = await enter(sockets, newcomer, room.session_id, mentor_ws, again)
    assert newcomer_ws.welcome["call_started"] is True

    pushed = await session_ws.expect_skipping("booking.attended", SESSION_NOISE, timeout=5)
    # The first attendance push after the un-mark is the newcomer's, never the un-marked learner's.
    assert pushed["booking_id"] == newcomer_booking.pk and pushed["attended"] is True
    assert await db(attended)(booking.pk) is False
    assert (
        await db(services.credit_presence)(session_id=room.session_id, user_id=learner.pk) is False
    )
    assert await db(attended)(booking.pk) is False
    await session_ws.nothing(0.3)


@pytest.mark.django_db(transaction=True)
async def test_no_attendance_before_the_call_starts(sockets, rtc_override):
    rtc_override(ATTENDED_AFTER_SECONDS=1)
    room = await db(make_room)(learners=1)
    session_ws = await sockets.session(room.mentor, room.session_id)
    mentor_ws = await enter(sockets, room.mentor, room.session_id)
    learner_ws = await enter(sockets, room.learners[0], room.session_id, mentor_ws)
    await session_ws.nothing(1.5)  # past the threshold, but no call yet
    assert await db(attended)(room.bookings[0].pk) is False
    assert (
        await db(services.seconds_until_attended)(
            session_id=room.session_id, user_id=room.learners[0].pk
        )
        is None
    )
    await learner_ws.nothing(0.01)


# --- presence time (no sockets: rows with known times) ---------------------------------------


def peer_row(room, user, *, joined, left=None, seen=None, role="learner"):
    return RoomPeer.objects.create(
        session=room.session,
        user=user,
        channel_name=f"test.{user.pk}.{joined.timestamp()}",
        role=role,
        name=user.name,
        joined_at=joined,
        seen_at=seen or left or joined,
        left_at=left,
        left_reason="disconnected" if left else "",
    )


@pytest.mark.django_db
def test_seconds_present_adds_up_sockets_after_the_start_only(rtc_override):
    rtc_override(PEER_STALE_SECONDS=45)
    room = make_room(learners=1)
    learner = room.learners[0]
    now = timezone.now()
    start = now - timedelta(seconds=100)
    s = timedelta(seconds=1)
    # Joined before the start and left 10 s after it: 10 s count.
    peer_row(room, learner, joined=start - 30 * s, left=start + 10 * s)
    # Left before the start: nothing.
    peer_row(room, learner, joined=start - 60 * s, left=start - 40 * s)
    # Back for 20 s.
    peer_row(room, learner, joined=start + 30 * s, left=start + 50 * s)
    # Present now, heartbeat fresh: counts until now (10 s).
    peer_row(room, learner, joined=now - 10 * s, seen=now - 5 * s)
    total = selectors.seconds_present(room.session_id, learner.pk, since=start, now=now)
    assert total == pytest.approx(40, abs=0.01)


@pytest.mark.django_db
def test_a_socket_whose_process_died_counts_until_its_last_heartbeat(rtc_override):
    rtc_override(PEER_STALE_SECONDS=45)
    room = make_room(learners=1)
    learner = room.learners[0]
    now = timezone.now()
    start = now - timedelta(seconds=300)
    peer_row(room, learner, joined=start, seen=start + timedelta(seconds=15))
    total = selectors.seconds_present(room.session_id, learner.pk, since=start, now=now)
    assert total == pytest.approx(15, abs=0.01)


@pytest.mark.django_db
def test_credit_presence_marks_once_through_bookings(rtc_override):
    rtc_override(ATTENDED_AFTER_SECONDS=60)
    room = make_room(learners=1)
    learner, booking = room.learners[0], room.bookings[0]
    now = timezone.now()
    # The call started (the session went live, as the room's start does): attendance is open.
    bookings.start_session(session_id=room.session_id, mentor=room.mentor)
    RoomCall.objects.create(session=room.session, started_at=now - timedelta(seconds=120))
    peer_row(room, learner, joined=now - timedelta(seconds=50), seen=now)
    assert services.seconds_until_attended(
        session_id=room.session_id, user_id=learner.pk
    ) == pytest.approx(10, abs=1)
    assert services.credit_presence(session_id=room.session_id, user_id=learner.pk) is False
    assert not Booking.objects.get(pk=booking.pk).attended

    RoomPeer.objects.filter(user=learner).update(joined_at=now - timedelta(seconds=70))
    assert services.credit_presence(session_id=room.session_id, user_id=learner.pk) is True
    assert Booking.objects.get(pk=booking.pk).attended is True
    assert services.seconds_until_attended(session_id=room.session_id, user_id=learner.pk) is None

    bookings.mark_attended(booking_id=booking.pk, mentor=room.mentor, attended=False)
    assert services.credit_presence(session_id=room.session_id, user_id=learner.pk) is False
    assert Booking.objects.get(pk=booking.pk).attended is False
    assert PresenceAttendance.objects.filter(user=learner).count() == 1
