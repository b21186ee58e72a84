"""Lists cost a constant number of queries, however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerlearn_bookings import services
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.testing.factories import make_learner, make_mentor

pytestmark = pytest.mark.django_db


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def test_mentor_scheduled_sessions_constant(as_user):
    small, large = make_mentor(), make_mentor()
    make_session(mentor=small)
    learners = [make_learner() for _ in range(3)]
    for _ in range(100):
        session = make_session(mentor=large)
        for learner in learners[:2]:
            services.book_session(session_id=session.pk, learner=learner)
    n_small = queries_for(as_user(small), "/api/sessions/?scope=scheduled")
    n_large = queries_for(as_user(large), "/api/sessions/?scope=scheduled")
    assert n_small == n_large
    assert len(as_user(large).get("/api/sessions/?scope=scheduled").json()) == 100


def test_learners_slide_over_constant(as_user):
    mentor = make_mentor()
    one = make_session(mentor=mentor, max_participants=60)
    many = make_session(mentor=mentor, max_participants=60)
    services.book_session(session_id=one.pk, learner=make_learner())
    for _ in range(50):
        services.book_session(session_id=many.pk, learner=make_learner())
    client = as_user(mentor)
    assert queries_for(client, f"/api/sessions/{one.pk}/learners/") == queries_for(
        client, f"/api/sessions/{many.pk}/learners/"
    )
    assert len(client.get(f"/api/sessions/{many.pk}/learners/").json()) == 50


def test_learner_bookings_constant(as_user):
    mentor = make_mentor()
    few, lots = make_learner(), make_learner()
    services.book_session(session_id=make_session(mentor=mentor).pk, learner=few)
    for _ in range(50):
        services.book_session(session_id=make_session(mentor=mentor).pk, learner=lots)
    assert queries_for(as_user(few), "/api/bookings/") == queries_for(
        as_user(lots), "/api/bookings/"
    )
    assert len(as_user(lots).get("/api/bookings/").json()) == 50


def test_bookable_sessions_constant(as_user):
    learner = make_learner()
    mentor = make_mentor()
    make_session(mentor=mentor)
    n_one = queries_for(as_user(learner), "/api/sessions/")
    for _ in range(99):
        make_session(mentor=make_mentor())
    assert queries_for(as_user(learner), "/api/sessions/") == n_one
