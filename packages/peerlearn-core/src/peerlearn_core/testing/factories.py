"""Factories for tests of peerlearn_core and the packages above it."""

import itertools

from django.contrib.auth import get_user_model

from ..models import Role

DEFAULT_PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def make_user(
    *,
    role: str = Role.LEARNER,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    **fields,
):
    n = next(_seq)
    return get_user_model().objects.create_user(
        email=email or f"{role}{n}@example.test",
        password=password,
        name=name or f"{role.title()} {n}",
        role=role,
        **fields,
    )


def make_mentor(**fields):
    return make_user(role=Role.MENTOR, **fields)


def make_learner(**fields):
    return make_user(role=Role.LEARNER, **fields)


def jwt_for(user) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)
