"""Why the mentor's "I'm Ready" stays fast at 500 learners: the session push leaves first and
alone, and the per-learner work after it (notification rows, their pushes, badge counts) costs a
constant number of queries and ONE channel-layer hop whatever the number of learners.

The channel layer here is the real in-memory layer with a recorder around ``group_send``: it
notes each send's group, message type and the event loop it ran on. Outside a server every
``async_to_sync`` call runs on a fresh loop, so distinct loops are the hops the request thread
made."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from peerlearn_bookings import services
from peerlearn_bookings.models import Booking, WaitlistEntry
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.models import Notification
from peerlearn_core.realtime.layers import InMemoryChannelLayer
from peerlearn_core.testing.factories import make_learner, make_mentor

pytestmark = pytest.mark.django_db(transaction=True)

SENDS: list[dict] = []
# The request's CaptureQueriesContext while one is open: each send notes how many queries the
# request had made by then.
CAPTURE: list[CaptureQueriesContext] = []


class RecordingLayer(InMemoryChannelLayer):
    async def group_send(self, group, message):
        import asyncio

        loop = asyncio.get_running_loop()
        if "messages" in message:  # a batch: its frames' types, in order
            kind = tuple(m["type"] for m in message["messages"])
        else:
            kind = message.get("message", message)["type"]
        made = len(CAPTURE[0].captured_queries) if CAPTURE else None
        SENDS.append({"group": group, "type": kind, "loop": loop, "queries_before": made})
        await super().group_send(group, message)


@pytest.fixture
def recorded(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.RecordingLayer"}}
    SENDS.clear()
    yield SENDS
    SENDS.clear()


def ready_with(as_user, n_learners: int, prepare=None):
    mentor = make_mentor()
    session = make_session(mentor=mentor, max_participants=max(n_learners, 1))
    learners = [make_learner() for _ in range(n_learners)]
    for learner in learners:
        services.book_session(session_id=session.pk, learner=learner)
    if prepare:
        prepare(session, learners)
    client = as_user(mentor)
    SENDS.clear()
    # The thread's own connection object, not the proxy: sends read it from the layer's thread.
    with CaptureQueriesContext(connections["default"]) as queries:
        CAPTURE[:] = [queries]
        try:
            response = client.post(f"/api/sessions/{session.pk}/ready/")
        finally:
            CAPTURE.clear()
    assert response.status_code == 200, response.content
    return session, learners, queries, list(SENDS), response


def test_ready_costs_the_same_queries_and_hops_for_3_or_40_learners(recorded, as_user):
    _s, _l, queries_small, sends_small, _r = ready_with(as_user, 3)
    _session, learners, queries_large, sends_large, _r = ready_with(as_user, 40)

    assert len(queries_small) == len(queries_large)
    hops = lambda sends: len({id(s["loop"]) for s in sends})  # noqa: E731
    # One hop for the session push, one for every learner's notification and badges.
    assert hops(sends_small) == hops(sends_large) == 2

    # Every learner got exactly their notification and their badge counts, in one send.
    per_learner = [s for s in sends_large if s["group"].startswith("notifications_")]
    assert len(per_learner) == len(learners)
    for learner in learners:
        kinds = [s["type"] for s in per_learner if s["group"] == f"notifications_{learner.pk}"]
        assert kinds == [("notification", "badges")]


def test_the_session_push_leaves_first_and_alone(recorded, as_user):
    session, _learners, _q, sends, _r = ready_with(as_user, 10)
    first, rest = sends[0], sends[1:]
    assert (first["group"], first["type"]) == (f"session_{session.pk}", "mentor.ready")
    # Alone on its hop: no per-learner send shares the session push's event loop.
    assert all(s["loop"] is not first["loop"] for s in rest)
    assert all(s["group"].startswith("notifications_") for s in rest)


def test_toggling_ready_leaves_each_learner_one_notification(recorded, as_user):
    mentor = make_mentor()
    session = make_session(mentor=mentor)
    learners = [make_learner() for _ in range(3)]
    for learner in learners:
        services.book_session(session_id=session.pk, learner=learner)
    for _ in range(5):
        services.mark_ready(session_id=session.pk, mentor=mentor)
        services.cancel_ready(session_id=session.pk, mentor=mentor)
    services.mark_ready(session_id=session.pk, mentor=mentor)
    for learner in learners:
        rows = list(Notification.objects.filter(user=learner, thread=f"session-ready:{session.pk}"))
        assert len(rows) == 1
        assert (rows[0].kind, rows[0].read) == ("session.ready", False)
    # Once read, the next call is news again.
    Notification.objects.filter(user=learners[0]).update(read=True)
    services.cancel_ready(session_id=session.pk, mentor=mentor)
    assert Notification.objects.filter(user=learners[0], read=False).count() == 1
    assert Notification.objects.filter(user=learners[1], read=False).count() == 1


def test_ready_toggles_are_throttled_per_user_with_retry_after(as_user, settings):
    settings.PEERLEARN_BOOKINGS = {"ACTION_THROTTLE_RATE": "4/min"}
    mentor, other_mentor = make_mentor(), make_mentor()
    session = make_session(mentor=mentor)
    other_session = make_session(mentor=other_mentor)
    learner = make_learner()
    services.book_session(session_id=session.pk, learner=learner)
    client = as_user(mentor)
    codes = [
        client.post(f"/api/sessions/{session.pk}/{action}/").status_code
        for action in ("ready", "cancel_ready", "ready", "cancel_ready", "ready")
    ]
    assert codes == [200, 200, 200, 200, 429]
    refused = client.post(f"/api/sessions/{session.pk}/cancel_ready/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # The refused toggles changed nothing and told nobody.
    session.refresh_from_db()
    assert session.mentor_ready is False
    assert Notification.objects.filter(user=learner).count() == 1  # coalesced thread
    # Another mentor has their own budget; the same mentor's other actions too.
    assert as_user(other_mentor).post(f"/api/sessions/{other_session.pk}/ready/").status_code == 200
    assert client.post(f"/api/sessions/{session.pk}/start/").status_code != 429


def test_book_cancel_and_request_loops_are_throttled(as_user, settings):
    settings.PEERLEARN_BOOKINGS = {"ACTION_THROTTLE_RATE": "2/min"}
    mentor = make_mentor()
    learner = make_learner()
    client = as_user(learner)
    sessions = [make_session(mentor=mentor) for _ in range(3)]
    booked = [client.post(f"/api/sessions/{s.pk}/book/") for s in sessions]
    assert [r.status_code for r in booked] == [201, 201, 429]
    cancels = [client.post(f"/api/bookings/{r.json()['id']}/cancel/") for r in booked[:2]]
    assert [r.status_code for r in cancels] == [200, 200]
    # A third cancel in the minute is refused even for a valid booking (third session's seat
    # was never taken: book it through the service, then try).
    third = services.book_session(session_id=sessions[2].pk, learner=learner)
    assert client.post(f"/api/bookings/{third.pk}/cancel/").status_code == 429
    body = {"mentor": mentor.pk, "topic": "Graphs", "message": "Please", "preferred_times": []}
    statuses = [client.post("/api/requests/", body, format="json").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    # Reads are never throttled.
    assert client.get("/api/requests/").status_code == 200


def test_the_ready_response_reads_nothing_after_the_push(recorded, as_user):
    """The counts in the mentor's response come from the write's own read of the learners: after
    the commit, while the push fans out, the request queries no session, booking or waitlist
    row (outside a server the learners' notification job runs inline; it reads none either)."""

    def prepare(session, learners):  # counts that are not all zero (set-up, not under test)
        cancelled = Booking.objects.get(learner=learners[5])
        services.cancel_booking(booking_id=cancelled.pk, learner=learners[5])
        # A cancelled booking counts for nothing, whatever its flags.
        Booking.objects.filter(learner__in=[*learners[:3], learners[5]]).update(attended=True)
        Booking.objects.filter(learner__in=learners[3:5]).update(reconfirm_pending=True)
        WaitlistEntry.objects.create(session=session, learner=make_learner())

    session, _learners, queries, sends, response = ready_with(as_user, 12, prepare)
    pushed_at = sends[0]["queries_before"]
    assert sends[0]["type"] == "mentor.ready" and pushed_at
    after = [q["sql"] for q in queries.captured_queries[pushed_at:]]
    for table in ("livesession", "booking", "waitlistentry"):
        assert not [sql for sql in after if f'"peerlearn_bookings_{table}"' in sql], table

    # They are the counts a fresh read gives.
    detail = as_user(session.mentor).get(f"/api/sessions/{session.pk}/").json()
    assert response.json() == detail
    shown = {k: detail[k] for k in ("booked_count", "attended_count", "reconfirm_pending_count")}
    assert shown == {"booked_count": 11, "attended_count": 3, "reconfirm_pending_count": 2}
    assert (detail["waitlist_count"], detail["mentor_ready"]) == (1, True)
