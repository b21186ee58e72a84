"""Demo data: core makes the people; apps above register seeders that fill their screens.

Every seeder writes only its own package's models (an upper package fills in its own rows for
what the lower ones made: payouts pays for bookings' seats, rtc adds the chat of their sessions)
and is idempotent: seeding twice is the same as seeding once. ``manage.py seed_demo`` refuses to
run without DEBUG (it creates accounts with a known password)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Notification, Role

DEMO_PASSWORD = "peerlearn-demo"


@dataclass
class DemoPeople:
    mentor: object
    other_mentor: object
    # The three demo logins.
    learners: list
    # More learners without a usable password, so past sessions have realistic class sizes.
    crowd: list = field(default_factory=list)


_seeders: list[tuple[int, Callable[[DemoPeople], None]]] = []


def register_seeder(seeder: Callable[[DemoPeople], None], *, order: int = 50) -> None:
    if any(existing is seeder for _order, existing in _seeders):
        return  # ready() may run more than once (tests that reload apps)
    _seeders.append((order, seeder))


DEMO_USERS = [
    (
        "mentor@peerlearn.demo",
        "Asha Mentor",
        Role.MENTOR,
        "Data-science mentor. 8 years teaching Python and statistics.",
    ),
    ("mentor2@peerlearn.demo", "Ravi Mentor", Role.MENTOR, "Frontend engineer, loves CSS."),
    ("learner1@peerlearn.demo", "Meera Learner", Role.LEARNER, "Learning pandas for work."),
    ("learner2@peerlearn.demo", "Kabir Learner", Role.LEARNER, "Final-year CS student."),
    ("learner3@peerlearn.demo", "Zoya Learner", Role.LEARNER, "Switching careers into analytics."),
]

CROWD = [
    ("arjun.learner@peerlearn.demo", "Arjun Nair"),
    ("divya.learner@peerlearn.demo", "Divya Rao"),
    ("ishaan.learner@peerlearn.demo", "Ishaan Gupta"),
    ("priya.learner@peerlearn.demo", "Priya Menon"),
    ("sana.learner@peerlearn.demo", "Sana Qureshi"),
]


def _user(email, name, role, bio):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "role": role, "bio": bio}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _crowd_member(email, name):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "role": Role.LEARNER, "bio": "Demo learner."}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def date_notifications(*, user, kind: str, dated: dict[int, object], key: str) -> None:
    """Old news is old: the ``kind`` notifications of ``user`` whose ``data[key]`` is in
    ``dated`` are marked read and dated when it happened. For seeders above core, whose
    services notify as they go."""
    for value, when in dated.items():
        Notification.objects.filter(user=user, kind=kind, **{f"data__{key}": value}).update(
            read=True, created_at=when
        )


def demo_people() -> DemoPeople:
    """The demo's people (created when missing, passwords reset to the demo one), no seeding."""
    users = [_user(*row) for row in DEMO_USERS]
    return DemoPeople(
        mentor=users[0],
        other_mentor=users[1],
        learners=users[2:],
        crowd=[_crowd_member(*row) for row in CROWD],
    )


@transaction.atomic
def seed_demo() -> DemoPeople:
    people = demo_people()
    for _order, seeder in sorted(_seeders, key=lambda item: item[0]):
        seeder(people)
    return people
