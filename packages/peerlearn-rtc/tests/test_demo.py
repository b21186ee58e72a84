"""The rtc seeder: room chat for the completed sessions the bookings seeder made, written during
each session by its mentor and the learners who attended; only rtc's tables; idempotent."""

import pytest

from peerlearn_bookings.demo import seed_bookings
from peerlearn_bookings.models import Booking, LiveSession, SessionStatus
from peerlearn_core.demo import demo_people
from peerlearn_core.testing.demo import changed_apps, row_counts
from peerlearn_rtc.demo import CHAT, seed_chat
from peerlearn_rtc.models import ChatMessage

pytestmark = pytest.mark.django_db


def test_chat_is_written_during_completed_sessions_by_who_was_there():
    people = demo_people()
    seed_bookings(people)
    before = row_counts()
    seed_chat(people)
    assert changed_apps(before) == {"peerlearn_rtc"}

    completed = LiveSession.objects.filter(status=SessionStatus.COMPLETED)
    chatted = completed.filter(chat_messages__isnull=False).distinct()
    assert completed.count() > chatted.count() >= completed.count() // 2
    assert not ChatMessage.objects.exclude(session__status=SessionStatus.COMPLETED).exists()
    for session in chatted:
        chat = ChatMessage.objects.filter(session=session)
        assert chat.count() == len(CHAT)
        assert chat.first().user_id == session.mentor_id
        for message in chat:
            assert session.starts_at <= message.created_at < session.ends_at
        attendees = set(
            Booking.objects.filter(session=session, attended=True).values_list(
                "learner_id", flat=True
            )
        )
        assert set(chat.values_list("user_id", flat=True)) <= attendees | {session.mentor_id}

    counted = row_counts()
    seed_chat(demo_people())
    assert row_counts() == counted
