"""The room page /room/{id}: who sees it (200), who is refused (403/404/410), login redirect,
and what its JSON config carries (never the TURN secret)."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import SessionStatus
from peerlearn_bookings.testing.factories import move_start, set_status
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_rtc.testing.factories import make_room
from peerlearn_rtc.testing.turn import coturn_password

pytestmark = [pytest.mark.django_db]

SECRET = "coturn-static-auth-secret-Qp27"
TURN_URLS = ["turn:turn.example.test:3478?transport=udp"]
STUN = {"urls": "stun:stun.example.test:3478"}
CONFIG = re.compile(r'<script id="room-config" type="application/json">(.*?)</script>', re.S)


def page(client, user, session_id):
    client.force_login(user)
    return client.get(f"/room/{session_id}")


def room_config(response) -> dict:
    found = CONFIG.search(response.content.decode())
    assert found, "no room-config JSON on the page"
    return json.loads(found.group(1))


def test_mentor_and_booked_learner_get_the_room(client):
    room = make_room(learners=1, title="Dynamic programming")
    for user, role in ((room.mentor, "mentor"), (room.learners[0], "learner")):
        response = page(client, user, room.session_id)
        assert response.status_code == 200
        assert "Dynamic programming" in response.content.decode()
        config = room_config(response)
        assert config["sessionId"] == room.session_id
        assert config["user"] == {"id": user.pk, "name": user.name, "role": role}
        assert config["wsPath"] == f"/ws/room/{room.session_id}/"
        assert config["openNow"] is True
        assert config["transcriptUrl"] == f"/api/sessions/{room.session_id}/transcript/"
        assert config["iceServersUrl"] == f"/api/rtc/sessions/{room.session_id}/ice-servers/"
    # With a trailing slash too.
    assert client.get(f"/room/{room.session_id}/").status_code == 200


def test_before_the_window_the_page_shows_but_is_not_open(client):
    room = make_room(learners=1, starts_in=timedelta(hours=3))
    response = page(client, room.learners[0], room.session_id)
    assert response.status_code == 200
    assert room_config(response)["openNow"] is False


def test_no_seat_is_403(client):
    room = make_room(learners=2)
    bookings.decline_booking(booking_id=room.bookings[1].pk, learner=room.learners[1])
    for user in (make_learner(), make_mentor(), room.learners[1]):
        response = page(client, user, room.session_id)
        assert response.status_code == 403
        assert "room-config" not in response.content.decode()
        assert 'data-testid="room-unavailable"' in response.content.decode()


def test_cancelled_booking_is_403(client):
    room = make_room(learners=1)
    bookings.cancel_booking(booking_id=room.bookings[0].pk, learner=room.learners[0])
    assert page(client, room.learners[0], room.session_id).status_code == 403


def test_missing_session_is_404(client):
    assert page(client, make_mentor(), 987654).status_code == 404


@pytest.mark.parametrize("how", ["completed", "cancelled", "ended"])
def test_session_over_is_410(client, how):
    room = make_room(learners=1)
    if how == "completed":
        set_status(room.session, SessionStatus.COMPLETED)
    elif how == "cancelled":
        bookings.cancel_session(session_id=room.session_id, mentor=room.mentor)
    else:
        move_start(room.session, to=timezone.now() - timedelta(hours=2))
    for user in (room.mentor, room.learners[0]):
        response = page(client, user, room.session_id)
        assert response.status_code == 410
        assert "room-config" not in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    room = make_room(learners=1)
    response = client.get(f"/room/{room.session_id}")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert f"next=/room/{room.session_id}" in response["Location"]


def test_turn_credentials_on_the_page_never_the_secret(client, rtc_override):
    rtc_override(ICE_SERVERS=[STUN], TURN_URLS=TURN_URLS, TURN_SECRET=SECRET, TURN_TTL_SECONDS=300)
    room = make_room(learners=1)
    user = room.learners[0]
    response = page(client, user, room.session_id)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    servers = room_config(response)["iceServers"]
    assert servers[0] == STUN
    turn = servers[1]
    assert turn["urls"] == TURN_URLS
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(user.pk)
    assert 0 < int(expiry) - timezone.now().timestamp() <= 300
    assert turn["credential"] == coturn_password(SECRET, turn["username"])


def test_chat_limit_and_mode_reach_the_page(client, rtc_override):
    rtc_override(MAX_CHAT_CHARS=123, MAX_MESH_PEERS=2)
    room = make_room(learners=2)
    config = room_config(page(client, room.mentor, room.session_id))
    assert config["maxChatChars"] == 123
    assert config["mode"] == "lecture"


def test_unpaid_seat_is_403_with_a_pay_first_message(client):
    room = make_room(learners=1, price_paise=49900)
    response = page(client, room.learners[0], room.session_id)
    assert response.status_code == 403
    assert "Finish paying for your seat" in response.content.decode()
    bookings.record_payment(booking_id=room.bookings[0].pk, payment_status="paid")
    assert page(client, room.learners[0], room.session_id).status_code == 200
