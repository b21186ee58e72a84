"""Short-lived TURN credentials (coturn use-auth-secret) and the ICE servers API."""

import base64
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import SessionStatus
from peerlearn_bookings.testing.factories import set_status
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_rtc.app_settings import check_settings
from peerlearn_rtc.testing.factories import make_room
from peerlearn_rtc.testing.turn import coturn_password
from peerlearn_rtc.turn import ice_servers_for, turn_credential

SECRET = "coturn-static-auth-secret-Zx81"
TURN_URLS = ["turn:turn.example.test:3478?transport=udp", "turns:turn.example.test:5349"]
STUN = {"urls": "stun:stun.example.test:3478"}


@pytest.fixture
def turn(rtc_override):
    rtc_override(ICE_SERVERS=[STUN], TURN_URLS=TURN_URLS, TURN_SECRET=SECRET, TURN_TTL_SECONDS=600)


def url(session_id: int) -> str:
    return f"/api/rtc/sessions/{session_id}/ice-servers/"


def test_credential_format_and_signature():
    cred = turn_credential(42, secret=SECRET, ttl=3600, now=1_700_000_000)
    assert cred["username"] == "1700003600:42"
    assert cred["expires"] == 1_700_003_600
    assert cred["credential"] == coturn_password(SECRET, "1700003600:42")
    assert len(base64.b64decode(cred["credential"])) == 20  # an SHA-1 digest
    # Another secret or another user gives another password.
    other = turn_credential(42, secret="other", ttl=3600, now=1_700_000_000)
    assert other["credential"] != cred["credential"]
    assert turn_credential(43, secret=SECRET, ttl=3600, now=1_700_000_000)["username"] == (
        "1700003600:43"
    )


@pytest.mark.django_db
def test_ice_servers_for_a_user_mint_a_fresh_credential_with_the_ttl(turn, rtc_override):
    user = make_learner()
    before = int(time.time())
    servers = ice_servers_for(user)
    after = int(time.time())
    assert servers[0] == STUN
    turn_server = servers[1]
    assert turn_server["urls"] == TURN_URLS
    expiry, user_id = turn_server["username"].split(":")
    assert user_id == str(user.pk)
    assert before + 600 <= int(expiry) <= after + 600
    assert turn_server["credential"] == coturn_password(SECRET, turn_server["username"])
    assert SECRET not in repr(servers)

    rtc_override(TURN_TTL_SECONDS=90)
    expiry = int(ice_servers_for(user)[1]["username"].split(":")[0])
    assert int(time.time()) + 85 <= expiry <= int(time.time()) + 90


@pytest.mark.django_db
def test_no_turn_without_urls_and_secret(rtc_override):
    rtc_override(ICE_SERVERS=[], TURN_URLS=[], TURN_SECRET="")
    assert ice_servers_for(make_learner()) == []
    rtc_override(ICE_SERVERS=[STUN])
    assert ice_servers_for(make_learner()) == [STUN]


def test_turn_urls_need_a_secret(rtc_override):
    rtc_override(TURN_URLS=TURN_URLS, TURN_SECRET="")
    with pytest.raises(ImproperlyConfigured):
        check_settings()
    rtc_override(TURN_SECRET=SECRET)
    check_settings()


def test_unknown_settings_are_refused(rtc_override):
    rtc_override(TURN_SECRETS="typo")
    with pytest.raises(ImproperlyConfigured):
        check_settings()


@pytest.mark.django_db
def test_ice_servers_api_gives_members_fresh_credentials_never_the_secret(turn, as_user):
    room = make_room(learners=1)
    for user in (room.mentor, room.learners[0]):
        response = as_user(user).get(url(room.session_id))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert SECRET not in response.content.decode()
        servers = response.json()["ice_servers"]
        assert servers[0] == STUN
        turn_server = servers[1]
        assert turn_server["urls"] == TURN_URLS
        assert turn_server["username"].endswith(f":{user.pk}")
        assert int(turn_server["username"].split(":")[0]) > time.time() + 590
        assert turn_server["credential"] == coturn_password(SECRET, turn_server["username"])


@pytest.mark.django_db
def test_ice_servers_api_permissions(turn, as_user, api_client):
    room = make_room(learners=2)
    assert api_client.get(url(room.session_id)).status_code == 401
    for outsider in (make_learner(), make_mentor()):
        response = as_user(outsider).get(url(room.session_id))
        assert response.status_code == 403
        assert "credential" not in response.content.decode()
    assert as_user(room.mentor).get(url(987654)).status_code == 404
    declined = room.learners[1]
    bookings.decline_booking(booking_id=room.bookings[1].pk, learner=declined)
    assert as_user(declined).get(url(room.session_id)).status_code == 403
    set_status(room.session, SessionStatus.COMPLETED)
    assert as_user(room.learners[0]).get(url(room.session_id)).status_code == 403
