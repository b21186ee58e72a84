"""Demo room chat for the sessions the bookings seeder made: the completed sessions of the demo
mentors (most of them; some had no chat at all), written during the session by the mentor and
the learners who attended. Writes only this package's models. Idempotent: a session that has
chat already is left alone."""

import uuid
import zlib
from datetime import timedelta

from peerlearn_bookings.models import Booking, LiveSession, SessionStatus

from .models import ChatMessage

CHAT = [
    ("mentor", "Welcome everyone! We'll start in a minute."),
    ("learner", "Hi! Excited for this one."),
    ("learner", "Could you share the notebook link?"),
    ("mentor", "Sure, it's in the session description. Let's begin."),
    ("learner", "Why do we reset the index after the groupby?"),
    ("mentor", "Good question: so the keys become ordinary columns again."),
    ("learner", "That makes sense now, thanks!"),
    ("mentor", "Thanks for joining. Please leave a rating if you have a minute."),
]


def _had_chat(session) -> bool:
    """About three sessions in four used the chat; which ones depends only on the title."""
    return zlib.crc32(session.title.encode()) % 4 != 1


def _chat(session) -> None:
    attendees = [
        booking.learner
        for booking in Booking.objects.filter(session=session, attended=True)
        .select_related("learner")
        .order_by("attended_at", "pk")
    ]
    if not attendees:
        return
    mentor = session.mentor
    peers = {user.pk: uuid.uuid4().hex[:16] for user in [mentor, *attendees]}
    step = timedelta(minutes=session.duration_minutes) / len(CHAT)
    messages = []
    for line, (who, text) in enumerate(CHAT):
        user = mentor if who == "mentor" else attendees[line % len(attendees)]
        messages.append(
            ChatMessage(
                session=session,
                user=user,
                peer_id=peers[user.pk],
                name=user.name,
                text=text,
                # Within the session: the first line as it starts, the last before it ends.
                created_at=session.starts_at + step * line + timedelta(seconds=30),
            )
        )
    ChatMessage.objects.bulk_create(messages)


def seed_chat(people) -> None:
    sessions = LiveSession.objects.filter(
        mentor__in=[people.mentor, people.other_mentor],
        status=SessionStatus.COMPLETED,
        chat_messages__isnull=True,
    ).select_related("mentor")
    for session in sessions:
        if _had_chat(session):
            _chat(session)
