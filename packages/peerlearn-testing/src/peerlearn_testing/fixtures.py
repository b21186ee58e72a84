"""pytest fixtures shared by every package's tests (``pytest_plugins = ["peerlearn_testing.fixtures"]``,
as the root conftest does)."""

import pytest
from django.core.cache import cache


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
    from peerlearn_core.testing.factories import make_mentor

    return make_mentor()


@pytest.fixture
def learner(db):
    from peerlearn_core.testing.factories import make_learner

    return make_learner()


@pytest.fixture
def as_user(db):
    """``as_user(user)`` → an APIClient that sends the user's JWT."""

    def build(user):
        from rest_framework.test import APIClient

        from peerlearn_core.testing.factories import jwt_for

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(user)}")
        return client

    return build


@pytest.fixture
def openapi_schema(monkeypatch):
    """``openapi_schema()`` → the OpenAPI document of the installed apps as drf-spectacular
    generates it in the host, request and response components apart (``PayoutRequestRequest``)
    as our site's SPECTACULAR_SETTINGS has them."""
    from drf_spectacular.settings import spectacular_settings

    # drf-spectacular reads its settings once, at import; override_settings cannot reach them.
    monkeypatch.setattr(spectacular_settings, "COMPONENT_SPLIT_REQUEST", True)

    def generate() -> dict:
        from drf_spectacular.generators import SchemaGenerator

        return SchemaGenerator().get_schema(request=None, public=True)

    return generate
