"""GET /api/sessions/{id}/transcript/: the room's chat as a text/plain attachment."""

import pytest
from channels.db import database_sync_to_async as db
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_rtc import services
from peerlearn_rtc.models import ChatMessage
from peerlearn_rtc.testing.factories import make_room

pytestmark = [pytest.mark.django_db]


def url(session_id: int) -> str:
    return f"/api/sessions/{session_id}/transcript/"


def chat(room, user, *texts):
    """``user`` enters the room (as the socket would) and writes ``texts``."""
    peer, _welcome = services.join_room(
        session_id=room.session_id, user=user, channel_name=f"test.{user.pk}"
    )
    return [services.post_chat(peer_id=peer.peer_id, text=text) for text in texts]


def expected_line(message: ChatMessage) -> str:
    at = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"[{at}] {message.name}: {message.text}"


def body_lines(response) -> list[str]:
    return response.content.decode("utf-8").split("\n")


def test_one_line_per_message_with_time_name_and_text(as_user):
    room = make_room(learners=1, title="Graphs & <Trees>")
    learner = room.learners[0]
    first = chat(room, room.mentor, "Welcome, everyone")
    second = chat(room, learner, "<b>bold?</b> & 'quotes' \"too\"", "नमस्ते 🙏")

    response = as_user(room.mentor).get(url(room.session_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="peerlearn-session-{room.session_id}-transcript.txt"' in disposition
    assert "no-store" in response["Cache-Control"]

    lines = body_lines(response)
    assert lines[0] == "# Graphs & <Trees> — chat transcript"
    assert lines[1] == ""
    messages = first + second
    assert lines[2:-1] == [expected_line(m) for m in messages]
    assert lines[-1] == ""  # ends with a newline
    # Stored and exported as sent: no HTML escaping in a text file.
    assert lines[3].endswith(f"] {learner.name}: <b>bold?</b> & 'quotes' \"too\"")
    assert "&amp;" not in response.content.decode() and "&lt;" not in response.content.decode()
    assert lines[4].endswith("नमस्ते 🙏")
    # The time is the site's local time with its zone, to the second.
    local = timezone.localtime(messages[0].created_at)
    assert lines[2].startswith(f"[{local:%Y-%m-%d %H:%M:%S} {local:%Z}] {room.mentor.name}: ")


def test_a_message_over_several_lines_stays_on_one_line(as_user):
    room = make_room(learners=1)
    chat(room, room.learners[0], "line one\nline two\r\nline three\rfour")
    lines = body_lines(as_user(room.mentor).get(url(room.session_id)))
    assert len(lines) == 4
    assert lines[2].endswith(": line one / line two / line three / four")
    # The stored text itself is kept as sent.
    assert ChatMessage.objects.get().text == "line one\nline two\r\nline three\rfour"


def test_names_are_the_ones_used_when_writing(as_user):
    room = make_room(learners=1)
    learner = room.learners[0]
    old_name = learner.name
    chat(room, learner, "before the rename")
    learner.name = "Someone Else"
    learner.save(update_fields=["name"])
    lines = body_lines(as_user(room.mentor).get(url(room.session_id)))
    assert lines[2].endswith(f"] {old_name}: before the rename")


def test_empty_transcript_has_the_heading_only(as_user):
    room = make_room(learners=1, title="Quiet")
    response = as_user(room.learners[0]).get(url(room.session_id))
    assert response.status_code == 200
    assert response.content.decode() == "# Quiet — chat transcript\n\n"


def test_only_this_sessions_chat(as_user):
    here, there = make_room(learners=1), make_room(learners=1)
    chat(here, here.learners[0], "here")
    chat(there, there.learners[0], "there")
    text = as_user(here.mentor).get(url(here.session_id)).content.decode()
    assert ": here" in text and ": there" not in text


def test_who_may_download(as_user, api_client, client):
    room = make_room(learners=3)
    booked, declined, cancelled = room.learners
    chat(room, booked, "hello")
    bookings.decline_booking(booking_id=room.bookings[1].pk, learner=declined)
    bookings.cancel_booking(booking_id=room.bookings[2].pk, learner=cancelled)

    assert as_user(room.mentor).get(url(room.session_id)).status_code == 200
    assert as_user(booked).get(url(room.session_id)).status_code == 200
    # Declining attendance does not take away the record of what was said while booked.
    assert as_user(declined).get(url(room.session_id)).status_code == 200
    for outsider in (make_learner(), make_mentor(), cancelled):
        response = as_user(outsider).get(url(room.session_id))
        assert response.status_code == 403, outsider
        assert "hello" not in response.content.decode()
    response = api_client.get(url(room.session_id))
    assert response.status_code == 401
    assert "hello" not in response.content.decode()
    assert as_user(room.mentor).get(url(987654)).status_code == 404
    # The browser's session cookie works as well as the JWT.
    client.force_login(booked)
    assert client.get(url(room.session_id)).status_code == 200


def test_an_attended_learner_who_cancelled_keeps_access(as_user):
    """A learner marked attended keeps the transcript even if the booking is later cancelled."""
    room = make_room(learners=1)
    learner, booking = room.learners[0], room.bookings[0]
    chat(room, learner, "I was here")
    bookings.start_session(session_id=room.session_id, mentor=room.mentor)  # attendance opens live
    bookings.mark_attended(booking_id=booking.pk, mentor=room.mentor, attended=True)
    # Cancel the seat behind the services' back (a state reachable e.g. by an admin refund).
    type(booking).objects.filter(pk=booking.pk).update(cancelled_at=timezone.now())
    assert as_user(learner).get(url(room.session_id)).status_code == 200


def test_costs_the_same_queries_for_few_or_many_messages(as_user):
    few, many = make_room(learners=1), make_room(learners=1)
    chat(few, few.learners[0], "one")
    chat(many, many.learners[0], *[f"message {n}" for n in range(60)])
    counts = []
    for room in (few, many):
        client = as_user(room.mentor)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(room.session_id)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
async def test_chat_sent_on_the_socket_is_in_the_transcript(sockets, as_user):
    room = await db(make_room)(learners=1)
    learner = room.learners[0]
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    learner_ws = await sockets.room(learner, room.session_id)
    await mentor_ws.expect("peer.joined", peer_id=learner_ws.peer_id)
    text = "<img src=x onerror=alert(1)> & done"
    await learner_ws.chat(text)
    sent = await mentor_ws.expect("chat", text=text)
    await learner_ws.expect("chat", text=text)

    response = await db(lambda: as_user(room.mentor).get(url(room.session_id)))()
    lines = body_lines(response)
    stored = await db(ChatMessage.objects.get)()
    assert stored.created_at.isoformat() == sent["at"]
    assert lines[2:-1] == [expected_line(stored)]
    assert lines[2].endswith(f"] {learner.name}: {text}")
