"""Every analytics endpoint costs the same number of queries for 1 session and booking as for
200 sessions, 200 bookings of one session, 200 ratings and 200 chat lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerlearn_analytics.testing.factories import make_paid_session
from peerlearn_bookings import services as bookings
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_rtc.models import ChatMessage

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

N = 200


def queries_for(client, path) -> int:
    connection.queries_log.clear()  # set-up made thousands; only this request's are counted
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (path, response.content)
    return len(captured)


def fill(mentor, session, seats):
    for booking in seats:
        bookings.leave_feedback(
            booking_id=booking.pk, learner=booking.learner, rating=4, comment="Nice"
        )
    ChatMessage.objects.bulk_create(
        ChatMessage(
            session=session, user=seats[i % len(seats)].learner, peer_id="p", name="L", text="hi"
        )
        for i in range(len(seats))
    )


def test_query_counts_do_not_grow_with_sessions_and_bookings(as_user):
    small, large = make_mentor(), make_mentor()
    one, one_seats = make_paid_session(small, price_paise=33333)
    fill(small, one, one_seats)

    learners = [make_learner() for _ in range(N)]
    for index in range(N):
        make_paid_session(large, price_paise=100 + index, learners=[learners[index]])
    crowded, crowded_seats = make_paid_session(large, price_paise=99995, paid=N, learners=learners)
    fill(large, crowded, crowded_seats)

    paths = [
        ("/api/analytics/earnings/?period=weekly", None),
        ("/api/analytics/earnings/?period=monthly", None),
        ("/api/analytics/sessions/?page_size=100", None),
        ("/api/analytics/sessions.csv", None),
        ("/api/analytics/sessions/{id}/", "session"),
        ("/api/sessions/{id}/report/", "session"),
    ]
    counts = {}
    for template, _ in paths:
        small_path = template.format(id=one.pk)
        large_path = template.format(id=crowded.pk)
        counts[template] = (
            queries_for(as_user(small), small_path),
            queries_for(as_user(large), large_path),
        )
    assert all(a == b for a, b in counts.values()), counts
    # and they are few: the JWT's user, then one or two reads
    assert all(a <= 4 for a, _ in counts.values()), counts

    body = as_user(large).get(f"/api/analytics/sessions/{crowded.pk}/").json()
    assert len(body["payments"]) == len(body["ratings"]) == len(body["comments"]) == N
    report = as_user(large).get(f"/api/sessions/{crowded.pk}/report/").json()
    assert report["booked"] == N and len(report["comments"]) == N
    assert as_user(large).get("/api/analytics/sessions/").json()["count"] == N + 1
