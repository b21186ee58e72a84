"""pytest fixtures shared by every package's tests (``pytest_plugins = ["peerlearn_testing.fixtures"]``,
as the root conftest does)."""

import pytest
from django.core.cache import cache

from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def mentor(db):
    return make_mentor()


@pytest.fixture
def learner(db):
    return make_learner()


@pytest.fixture
def as_user(db):
    """``as_user(user)`` → an APIClient that sends the user's JWT."""

    def build(user):
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(user)}")
        return client

    return build
