"""Factories for tests of peerlearn_rtc: a session whose room is open, with booked learners.

Everything goes through bookings' services, so the rows are in states the app can reach.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from peerlearn_bookings.models import Booking, LiveSession
from peerlearn_bookings.testing.factories import make_booking, make_session
from peerlearn_core.testing.factories import make_learner, make_mentor


@dataclass
class Room:
    """A session with its mentor and booked learners (``bookings[i]`` belongs to ``learners[i]``)."""

    session: LiveSession
    mentor: object
    learners: list = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)

    @property
    def session_id(self) -> int:
        return self.session.pk

    def refresh(self) -> "Room":
        self.session.refresh_from_db()
        for booking in self.bookings:
            booking.refresh_from_db()
        return self


def make_room(
    *,
    learners: int = 1,
    mentor=None,
    starts_in: timedelta = timedelta(minutes=2),
    **session_fields,
) -> Room:
    """A scheduled session starting ``starts_in`` from now (inside the window in which its room
    is open by default) with ``learners`` new learners booked."""
    mentor = mentor or make_mentor()
    session_fields.setdefault("max_participants", max(learners, 1) + 2)
    session = make_session(
        mentor=mentor,
        starts_at=(timezone.now() + starts_in).replace(microsecond=0),
        **session_fields,
    )
    room = Room(session=session, mentor=mentor)
    for _ in range(learners):
        learner = make_learner()
        room.learners.append(learner)
        room.bookings.append(make_booking(session, learner))
    session.refresh_from_db()
    return room


def add_learner(room: Room, learner=None) -> tuple[object, Booking]:
    """Book one more learner (a new one by default) into ``room``."""
    learner = learner or make_learner()
    booking = make_booking(room.session, learner)
    room.learners.append(learner)
    room.bookings.append(booking)
    room.session.refresh_from_db()
    return learner, booking
