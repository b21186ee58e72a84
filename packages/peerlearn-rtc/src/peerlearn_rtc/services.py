"""Every write of the room: one transaction each, pushes to ``room_{id}`` after commit.

Room state changes for one session are serialised on the session's row, so two peers becoming
ready at the same moment cannot both miss the ``all_ready`` transition.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from peerlearn_bookings import services as bookings_services
from peerlearn_bookings.models import LiveSession
from peerlearn_core.exceptions import Conflict, DomainError, NotAllowed
from peerlearn_core.realtime import room_group

from . import selectors
from .app_settings import rtc_settings
from .models import ChatMessage, PresenceAttendance, Role, RoomCall, RoomPeer

logger = logging.getLogger(__name__)

# Close codes the room uses beyond the contract's 4401/4403.
CLOSE_REPLACED = 4409  # the same user opened the room elsewhere


class RoomRefused(DomainError):
    status_code = 403
    default_code = "room_refused"


# --- pushes ----------------------------------------------------------------------------------


def _group_send(session_id: int, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(room_group(session_id), event)
    except Exception:  # best effort: the state already lives in the database
        logger.exception("room push to %s failed", session_id)


def _channel_send(channel_name: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.send)(channel_name, event)
    except Exception:
        logger.exception("room push to channel %s failed", channel_name)


def push_room(
    session_id: int,
    message: dict,
    *,
    exclude: str | None = None,
    joined: dict | None = None,
    left: str | None = None,
    close: bool = False,
) -> None:
    """After commit, ``message`` to every socket of the room. ``joined``/``left`` keep each
    consumer's address book of peer channels in step; ``close`` ends every socket after the
    message (the session is over for everyone)."""
    event = {"type": "room.event", "message": message, "exclude": exclude, "close": close}
    if joined:
        event["joined"] = joined
    if left:
        event["left"] = left
    transaction.on_commit(lambda: _group_send(session_id, event))


def _close_channel(channel_name: str, *, code: int, message: dict | None = None) -> None:
    transaction.on_commit(
        lambda: _channel_send(
            channel_name, {"type": "room.close", "code": code, "message": message}
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def _locked_session(session_id: int) -> LiveSession:
    return LiveSession.objects.select_for_update().get(pk=session_id)


def _present_peer(peer_id: str) -> RoomPeer:
    peer = RoomPeer.objects.filter(peer_id=peer_id, left_at__isnull=True).first()
    if peer is None:
        raise Conflict("You are no longer in this room.", code="not_in_room")
    return peer


def _mark_left(peer: RoomPeer, reason: str, now=None) -> None:
    peer.left_at = now or timezone.now()
    peer.left_reason = reason
    peer.ready = False
    peer.save(update_fields=["left_at", "left_reason", "ready"])


def _announce_left(
    session_id: int, peer_id: str, reason: str, *, was_all_ready: bool = True
) -> None:
    """``peer.left`` to the room; and ``all_ready`` when the one who left was the last peer not
    ready (``was_all_ready``: the room's state before they left)."""
    now_all_ready = selectors.all_ready(session_id)
    push_room(
        session_id,
        {
            "type": "peer.left",
            "peer_id": peer_id,
            "reason": reason,
            "all_ready": now_all_ready,
        },
        left=peer_id,
    )
    if now_all_ready and not was_all_ready:
        push_room(session_id, {"type": "all_ready"})


def _prune_stale(session_id: int, now) -> None:
    """Sockets whose process died without a disconnect: gone after PEER_STALE_SECONDS silent."""
    stale = RoomPeer.objects.filter(
        session_id=session_id, left_at__isnull=True, seen_at__lt=selectors.stale_before(now)
    )
    for peer in stale:
        _mark_left(peer, "lost", now)
        _announce_left(session_id, peer.peer_id, "lost")


# --- joining and leaving ---------------------------------------------------------------------


@transaction.atomic
def join_room(*, session_id: int, user, channel_name: str) -> tuple[RoomPeer, dict]:
    """Enter the room with a fresh peer id; returns the peer and the ``welcome`` payload.

    An older socket of the same user (a reload, a phone that switched networks) is replaced.
    """
    access = selectors.room_access(user, session_id)
    if not access.allowed:
        raise RoomRefused(access.refusal, code=access.refusal)
    session = _locked_session(session_id)
    now = timezone.now()
    _prune_stale(session_id, now)
    for old in RoomPeer.objects.filter(session_id=session_id, user=user, left_at__isnull=True):
        _mark_left(old, "replaced", now)
        _announce_left(session_id, old.peer_id, "replaced")
        _close_channel(old.channel_name, code=CLOSE_REPLACED)
    peer = RoomPeer.objects.create(
        session_id=session_id,
        user=user,
        channel_name=channel_name,
        role=access.role,
        name=(getattr(user, "name", "") or user.get_username())[:150],
        joined_at=now,
        seen_at=now,
    )
    push_room(
        session_id,
        {"type": "peer.joined", **selectors.peer_payload(peer), "all_ready": False},
        exclude=channel_name,
        joined={"peer_id": peer.peer_id, "channel_name": channel_name},
    )
    call = selectors.call_of(session_id)
    others = selectors.present_peers(session_id, now=now).exclude(pk=peer.pk)
    welcome = {
        "type": "welcome",
        "peer_id": peer.peer_id,
        "role": peer.role,
        "user_id": user.pk,
        "name": peer.name,
        "peers": [selectors.peer_payload(p) for p in others],
        "all_ready": False,  # the newcomer is not ready yet
        "call_started": call is not None,
        "mode": call.mode if call else selectors.mode_for(session),
        "chat": selectors.recent_chat(session_id),
    }
    return peer, welcome


def peer_channels(session_id: int) -> dict[str, str]:
    return dict(selectors.present_peers(session_id).values_list("peer_id", "channel_name"))


def channel_of(session_id: int, peer_id: str) -> tuple[str, str] | None:
    """(channel name, role) of a present peer of this room, or None."""
    return (
        selectors.present_peers(session_id)
        .filter(peer_id=peer_id)
        .values_list("channel_name", "role")
        .first()
    )


@transaction.atomic
def leave_room(*, peer_id: str, reason: str = "disconnected") -> bool:
    peer = RoomPeer.objects.filter(peer_id=peer_id).first()
    if peer is None:
        return False
    _locked_session(peer.session_id)
    peer.refresh_from_db()
    if peer.left_at is not None:
        return False
    was_all_ready = selectors.all_ready(peer.session_id)
    _mark_left(peer, reason)
    _announce_left(peer.session_id, peer.peer_id, reason, was_all_ready=was_all_ready)
    return True


def heartbeat(*, peer_id: str) -> bool:
    """Refresh a present peer's row; False when it was pruned or replaced meanwhile."""
    return bool(
        RoomPeer.objects.filter(peer_id=peer_id, left_at__isnull=True).update(
            seen_at=timezone.now()
        )
    )


@transaction.atomic
def revoke_user(*, session_id: int, user_id: int, reason: str) -> int:
    """Take a user out of the room now (booking cancelled or declined): their sockets close."""
    _locked_session(session_id)
    peers = list(
        RoomPeer.objects.filter(session_id=session_id, user_id=user_id, left_at__isnull=True)
    )
    for peer in peers:
        was_all_ready = selectors.all_ready(session_id)
        _mark_left(peer, reason)
        _announce_left(session_id, peer.peer_id, reason, was_all_ready=was_all_ready)
        _close_channel(peer.channel_name, code=4403)
    return len(peers)


@transaction.atomic
def close_room(*, session_id: int, message: dict) -> None:
    """The session is over for everyone: tell every socket, then close them."""
    now = timezone.now()
    for peer in RoomPeer.objects.filter(session_id=session_id, left_at__isnull=True):
        _mark_left(peer, "closed", now)
    push_room(session_id, message, close=True)


# --- ready and start -------------------------------------------------------------------------


@transaction.atomic
def set_ready(*, peer_id: str, ready: bool) -> bool:
    """Returns whether the room is all ready afterwards."""
    peer = _present_peer(peer_id)
    _locked_session(peer.session_id)
    peer = _present_peer(peer_id)
    was_all_ready = selectors.all_ready(peer.session_id)
    if peer.ready != ready:
        peer.ready = ready
        peer.save(update_fields=["ready"])
    now_all_ready = selectors.all_ready(peer.session_id)
    push_room(
        peer.session_id,
        {"type": "peer.ready", "peer_id": peer.peer_id, "ready": ready, "all_ready": now_all_ready},
    )
    if now_all_ready and not was_all_ready:
        push_room(peer.session_id, {"type": "all_ready"})
    return now_all_ready


@transaction.atomic
def set_hand(*, peer_id: str, raised: bool) -> None:
    peer = _present_peer(peer_id)
    if peer.role != Role.LEARNER:
        raise NotAllowed("Only learners raise a hand.")
    if peer.hand_raised != raised:
        peer.hand_raised = raised
        peer.save(update_fields=["hand_raised"])
    push_room(peer.session_id, {"type": "peer.hand", "peer_id": peer.peer_id, "raised": raised})


@transaction.atomic
def start_call(*, peer_id: str) -> RoomCall:
    peer = _present_peer(peer_id)
    if peer.role != Role.MENTOR:
        raise NotAllowed("Only the mentor can start the call.")
    session = _locked_session(peer.session_id)
    if selectors.call_of(session.pk) is not None:
        raise Conflict("The call has already started.", code="already_started")
    if not selectors.all_ready(session.pk):
        raise Conflict("Everyone in the room must be ready first.", code="not_all_ready")
    bookings_services.start_session(session_id=session.pk, mentor=peer.user)
    call = RoomCall.objects.create(session=session, mode=selectors.mode_for(session))
    push_room(
        session.pk,
        {"type": "call.started", "mode": call.mode, "started_at": call.started_at.isoformat()},
    )
    return call


# --- decline ---------------------------------------------------------------------------------


@transaction.atomic
def decline(*, peer_id: str) -> str:
    """A learner declines and leaves; the mentor's decline cancels the session for everyone.
    Returns the peer's role."""
    peer = _present_peer(peer_id)
    if peer.role == Role.MENTOR:
        # bookings announces session_cancelled after commit; our receiver closes the room.
        bookings_services.cancel_session(
            session_id=peer.session_id,
            mentor=peer.user,
            reason="Cancelled by the mentor in the room.",
        )
        return peer.role
    booking = selectors.room_member_booking_for(peer)
    if booking is not None:
        bookings_services.decline_booking(booking_id=booking.pk, learner=peer.user)
    revoke_user(session_id=peer.session_id, user_id=peer.user_id, reason="declined")
    return peer.role


# --- chat ------------------------------------------------------------------------------------


def clean_chat_text(text) -> str:
    if not isinstance(text, str):
        raise DomainError("Chat text must be a string.", field="text")
    if not text.strip():
        raise DomainError("Chat text is empty.", field="text")
    if len(text) > rtc_settings.MAX_CHAT_CHARS:
        raise DomainError(
            f"Chat text is longer than {rtc_settings.MAX_CHAT_CHARS} characters.", field="text"
        )
    return text


@transaction.atomic
def post_chat(*, peer_id: str, text) -> ChatMessage:
    text = clean_chat_text(text)
    peer = _present_peer(peer_id)
    message = ChatMessage.objects.create(
        session_id=peer.session_id,
        user_id=peer.user_id,
        peer_id=peer.peer_id,
        name=peer.name,
        text=text,
    )
    push_room(peer.session_id, {"type": "chat", **selectors.chat_payload(message)})
    return message


# --- attendance from presence ----------------------------------------------------------------


def seconds_until_attended(*, session_id: int, user_id: int) -> float | None:
    """How much longer this learner must stay to count as attended; None when nothing is left to
    decide (no call yet, or presence already marked them)."""
    call = selectors.call_of(session_id)
    if call is None or selectors.presence_marked(session_id, user_id):
        return None
    present = selectors.seconds_present(
        session_id, user_id, since=call.started_at, now=timezone.now()
    )
    return max(float(rtc_settings.ATTENDED_AFTER_SECONDS) - present, 0.0)


@transaction.atomic
def credit_presence(*, session_id: int, user_id: int) -> bool:
    """Mark the learner attended through bookings once they were present long enough after the
    call started. Once only: a mentor who unticks them afterwards keeps the last word."""
    session = _locked_session(session_id)
    call = selectors.call_of(session_id)
    if call is None or selectors.presence_marked(session_id, user_id):
        return False
    present = selectors.seconds_present(
        session_id, user_id, since=call.started_at, now=timezone.now()
    )
    if present < rtc_settings.ATTENDED_AFTER_SECONDS:
        return False
    booking = session.bookings.filter(learner_id=user_id, cancelled_at__isnull=True).first()
    if booking is None:
        return False
    PresenceAttendance.objects.create(
        session=session, user_id=user_id, seconds_present=int(present)
    )
    if not booking.attended:
        bookings_services.mark_attended(booking_id=booking.pk, mentor=session.mentor, attended=True)
    return True
