"""Reads of the room: who may enter, who is present, the call, chat and presence time."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from peerlearn_bookings.models import Booking, LiveSession, PaymentStatus, SessionStatus
from peerlearn_bookings.selectors import room_member_booking

from . import topology
from .app_settings import rtc_settings
from .models import ChatMessage, PresenceAttendance, Role, RoomCall, RoomPeer


@dataclass(frozen=True)
class RoomAccess:
    """Why a user may or may not enter a session's room; ``allowed`` is the only thing to trust."""

    session: LiveSession | None
    role: str | None = None
    booking: Booking | None = None
    refusal: str = ""  # not_found | forbidden | unpaid | closed | not_open_yet

    @property
    def allowed(self) -> bool:
        return not self.refusal


def room_access(user, session_id: int, *, now: datetime | None = None) -> RoomAccess:
    """The session's mentor and its learners with an active, not-declined booking, while the
    room's window is open (a few minutes before the start until the end)."""
    session = LiveSession.objects.select_related("mentor").filter(pk=session_id).first()
    if session is None:
        return RoomAccess(None, refusal="not_found")
    if user is None or not user.is_authenticated:
        return RoomAccess(session, refusal="forbidden")
    if session.mentor_id == user.pk:
        role, booking = Role.MENTOR, None
    else:
        booking = room_member_booking(user, session)
        if booking is None:
            return RoomAccess(session, refusal="forbidden")
        role = Role.LEARNER
        if booking.payment_status not in (PaymentStatus.FREE, PaymentStatus.PAID):
            # A seat held for payment is not a seat in the call until it is paid.
            return RoomAccess(session, role, booking, refusal="unpaid")
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.LIVE):
        return RoomAccess(session, role, booking, refusal="closed")
    now = now or timezone.now()
    if now >= session.ends_at:
        return RoomAccess(session, role, booking, refusal="closed")
    if now < session.room_opens_at:
        return RoomAccess(session, role, booking, refusal="not_open_yet")
    return RoomAccess(session, role, booking)


def stale_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=rtc_settings.PEER_STALE_SECONDS)


def present_peers(session_id: int, *, now: datetime | None = None) -> QuerySet[RoomPeer]:
    return RoomPeer.objects.filter(
        session_id=session_id, left_at__isnull=True, seen_at__gte=stale_before(now)
    )


def peer_payload(peer: RoomPeer) -> dict:
    return {
        "peer_id": peer.peer_id,
        "user_id": peer.user_id,
        "name": peer.name,
        "role": peer.role,
        "ready": peer.ready,
        "hand_raised": peer.hand_raised,
    }


def all_ready(session_id: int) -> bool:
    """The mentor and every learner present are ready, and at least one learner is present."""
    states = list(present_peers(session_id).values_list("role", "ready"))
    mentor_ready = any(role == Role.MENTOR and ready for role, ready in states)
    learners = [ready for role, ready in states if role == Role.LEARNER]
    return mentor_ready and bool(learners) and all(learners)


def call_of(session_id: int) -> RoomCall | None:
    return RoomCall.objects.filter(session_id=session_id).first()


def mode_for(session: LiveSession) -> str:
    return topology.mode_for(session)


def chat_payload(message: ChatMessage) -> dict:
    return {
        "from": message.peer_id,
        "user_id": message.user_id,
        "name": message.name,
        "text": message.text,
        "at": message.created_at.isoformat(),
    }


def recent_chat(session_id: int, limit: int = 50) -> list[dict]:
    messages = ChatMessage.objects.filter(session_id=session_id).order_by("-created_at", "-id")
    return [chat_payload(m) for m in reversed(messages[:limit])]


def transcript_messages(session_id: int) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(session_id=session_id).order_by("created_at", "id")


def can_read_transcript(user, session: LiveSession) -> bool:
    """The mentor, and learners who booked (and did not cancel) or attended."""
    if session.mentor_id == user.pk:
        return True
    return Booking.objects.filter(
        Q(cancelled_at__isnull=True) | Q(attended=True), session=session, learner_id=user.pk
    ).exists()


def seconds_present(session_id: int, user_id: int, *, since: datetime, now: datetime) -> float:
    """Time the user spent in the room after ``since`` (the call's start), over all their sockets."""
    total = 0.0
    spans = RoomPeer.objects.filter(session_id=session_id, user_id=user_id).filter(
        Q(left_at__isnull=True) | Q(left_at__gt=since)
    )
    for joined_at, left_at, seen_at in spans.values_list("joined_at", "left_at", "seen_at"):
        # A socket whose process died stops counting at its last heartbeat.
        end = left_at or (now if seen_at >= stale_before(now) else seen_at)
        total += max((min(end, now) - max(joined_at, since)).total_seconds(), 0.0)
    return total


def presence_marked(session_id: int, user_id: int) -> bool:
    return PresenceAttendance.objects.filter(session_id=session_id, user_id=user_id).exists()


def room_member_booking_for(peer: RoomPeer) -> Booking | None:
    return Booking.objects.filter(
        session_id=peer.session_id, learner_id=peer.user_id, cancelled_at__isnull=True
    ).first()
