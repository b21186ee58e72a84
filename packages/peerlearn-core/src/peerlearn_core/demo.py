"""Demo data: core makes the people; apps above register seeders that fill their screens."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Role

DEMO_PASSWORD = "peerlearn-demo"


@dataclass
class DemoPeople:
    mentor: object
    other_mentor: object
    learners: list


_seeders: list[tuple[int, Callable[[DemoPeople], None]]] = []


def register_seeder(seeder: Callable[[DemoPeople], None], *, order: int = 50) -> None:
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


def _user(email, name, role, bio):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "role": role, "bio": bio}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_demo() -> DemoPeople:
    users = [_user(*row) for row in DEMO_USERS]
    people = DemoPeople(mentor=users[0], other_mentor=users[1], learners=users[2:])
    for _order, seeder in sorted(_seeders, key=lambda item: item[0]):
        seeder(people)
    return people
