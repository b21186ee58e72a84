"""Completed sessions with their earnings, the drill-down, the session report and the CSV."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerlearn_analytics.testing.factories import make_paid_session
from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Feedback, LiveSession, SessionStatus
from peerlearn_bookings.testing.factories import make_booking, make_session, move_start
from peerlearn_core.testing.factories import jwt_for, make_mentor
from peerlearn_payouts.models import EarningEntry
from peerlearn_rtc.models import ChatMessage

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
LIST = "/api/analytics/sessions/"
ROW_KEYS = {
    # the contract ...
    "id", "date", "title", "gross", "commission", "net", "learners", "average_rating",
    # ... and additions
    "status", "duration_minutes", "completed_at", "currency", "ratings_count",
}  # fmt: skip


def ago(**delta) -> datetime:
    return (timezone.now() - timedelta(**delta)).replace(microsecond=0)


def rate(booking, rating: int, comment: str = ""):
    return bookings.leave_feedback(
        booking_id=booking.pk, learner=booking.learner, rating=rating, comment=comment
    )


@pytest.fixture
def history(db):
    """Three completed sessions (₹333.33 × 2 paid + refunds and unpaid; ₹0.05; ₹999.95), a
    cancelled one and a scheduled one."""
    mentor = make_mentor()
    awkward, seats = make_paid_session(
        mentor,
        price_paise=33333,
        paid=2,
        unpaid=1,
        refunded=1,
        refunded_active=1,
        started=ago(days=3),
        title="Pandas groupby",
    )
    rate(seats[0], 5, "Loved it")
    rate(seats[1], 4)
    tiny, _ = make_paid_session(mentor, price_paise=5, started=ago(days=2), title="Tiny")
    big, big_seats = make_paid_session(
        mentor, price_paise=99995, started=ago(days=1), title="=HYPERLINK(evil)"
    )
    rate(big_seats[0], 3, "Too fast")
    cancelled = make_session(mentor=mentor, title="Cancelled one")
    bookings.cancel_session(session_id=cancelled.pk, mentor=mentor)
    make_session(mentor=mentor, title="Still scheduled")
    return {"mentor": mentor, "awkward": awkward, "tiny": tiny, "big": big, "seats": seats}


# --- list -----------------------------------------------------------------------------------


def test_list_is_completed_sessions_newest_first_with_ledger_figures(as_user, history):
    body = as_user(history["mentor"]).get(LIST).json()
    assert body["count"] == 3 and body["next"] is None
    rows = body["results"]
    assert [r["title"] for r in rows] == ["=HYPERLINK(evil)", "Tiny", "Pandas groupby"]
    assert set(rows[0]) == ROW_KEYS
    figures = {r["title"]: (r["gross"], r["commission"], r["net"]) for r in rows}
    assert figures == {
        "Pandas groupby": ("666.66", "66.66", "600.00"),
        "Tiny": ("0.05", "0.01", "0.04"),
        "=HYPERLINK(evil)": ("999.95", "100.00", "899.95"),
    }
    pandas = rows[2]
    # Learners holding a seat: 2 paid, 1 unpaid, 1 refunded but still booked (the cancelled
    # and refunded one gave its seat back).
    assert pandas["learners"] == 4
    assert pandas["average_rating"] == 4.5 and pandas["ratings_count"] == 2
    assert rows[1]["average_rating"] is None and rows[1]["ratings_count"] == 0
    assert datetime.fromisoformat(pandas["date"]) == history["awkward"].starts_at
    assert pandas["status"] == "completed" and pandas["currency"] == "INR"
    for row in rows:
        entries = EarningEntry.objects.filter(session_id=row["id"])
        assert Decimal(row["gross"]) * 100 == sum(e.gross_paise for e in entries)
        assert Decimal(row["commission"]) * 100 == sum(e.commission_paise for e in entries)
        assert Decimal(row["net"]) * 100 == sum(e.net_paise for e in entries)


def test_list_sums_to_the_balance(as_user, history):
    client = as_user(history["mentor"])
    rows = client.get(LIST).json()["results"]
    earned = client.get("/api/payouts/balance/").json()["earned"]
    assert sum(Decimal(r["net"]) for r in rows) == Decimal(earned) == Decimal("1499.99")


def test_list_is_paginated(as_user, history, settings):
    client = as_user(history["mentor"])
    first = client.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert [r["title"] for r in second["results"]] == ["Pandas groupby"]
    assert second["next"] is None and second["previous"]
    assert client.get(LIST, {"page": 9}).status_code == 404
    settings.PEERLEARN_ANALYTICS = {"PAGE_SIZE": 1, "MAX_PAGE_SIZE": 2}
    assert len(client.get(LIST).json()["results"]) == 1
    assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 2


def test_free_session_is_listed_at_zero(as_user):
    mentor = make_mentor()
    make_paid_session(mentor, price_paise=0, paid=3)
    (row,) = as_user(mentor).get(LIST).json()["results"]
    assert (row["gross"], row["commission"], row["net"], row["learners"]) == (
        "0.00",
        "0.00",
        "0.00",
        3,
    )


# --- drill-down -----------------------------------------------------------------------------


def test_drill_down_payments_ratings_comments(as_user, history):
    session = history["awkward"]
    body = as_user(history["mentor"]).get(f"/api/analytics/sessions/{session.pk}/").json()
    assert body["session"]["id"] == session.pk
    assert (body["session"]["gross"], body["session"]["commission"], body["session"]["net"]) == (
        "666.66",
        "66.66",
        "600.00",
    )
    payments = body["payments"]
    assert sorted((p["status"], p["amount"], p["credited"]) for p in payments) == [
        ("paid", "333.33", True),
        ("paid", "333.33", True),
        ("pending", "333.33", False),
        ("refunded", "333.33", False),
        ("refunded", "333.33", False),
    ]
    credited = [p for p in payments if p["credited"]]
    assert {(p["commission"], p["net"]) for p in credited} == {("33.33", "300.00")}
    assert all(p["commission"] is None and p["net"] is None for p in payments if not p["credited"])
    assert sum(Decimal(p["amount"]) for p in credited) == Decimal(body["session"]["gross"])
    assert all(set(p["learner"]) == {"id", "name"} for p in payments)
    assert sorted(r["rating"] for r in body["ratings"]) == [4, 5]
    assert [(c["rating"], c["comment"]) for c in body["comments"]] == [(5, "Loved it")]
    assert body["comments"][0]["learner"]["id"] == history["seats"][0].learner_id


def test_a_seat_cancelled_after_the_refund_cutoff_is_credited_and_listed(as_user):
    mentor = make_mentor()
    session, (kept, late) = make_paid_session(mentor, price_paise=49900, paid=1, late_cancelled=1)
    assert late.cancelled_at is not None and late.payment_status == "paid"
    body = as_user(mentor).get(f"/api/analytics/sessions/{session.pk}/").json()
    assert body["session"]["gross"] == "998.00" and body["session"]["learners"] == 1
    by_booking = {p["booking"]: p for p in body["payments"]}
    assert by_booking[late.pk]["credited"] and by_booking[late.pk]["cancelled"]
    assert not by_booking[kept.pk]["cancelled"]
    report = as_user(mentor).get(f"/api/sessions/{session.pk}/report/").json()
    assert report["booked"] == 1
    balance = as_user(mentor).get("/api/payouts/balance/").json()["earned"]
    assert balance == body["session"]["net"] == "898.20"


def test_drill_down_of_a_scheduled_session_has_no_money_yet(as_user):
    mentor = make_mentor()
    session, _ = make_paid_session(mentor, price_paise=49900, paid=2, complete=False)
    body = as_user(mentor).get(f"/api/analytics/sessions/{session.pk}/").json()
    assert body["session"]["gross"] == "0.00" and body["session"]["status"] == "scheduled"
    assert [(p["status"], p["credited"]) for p in body["payments"]] == [("paid", False)] * 2


# --- report ---------------------------------------------------------------------------------


def test_report_counts_ratings_comments_and_transcript(as_user):
    mentor = make_mentor()
    session = make_session(mentor=mentor, max_participants=10)
    seats = [make_booking(session) for _ in range(6)]
    bookings.mark_ready(session_id=session.pk, mentor=mentor)
    for booking in seats[:4]:
        bookings.confirm_booking(booking_id=booking.pk, learner=booking.learner)
    bookings.decline_booking(booking_id=seats[4].pk, learner=seats[4].learner)
    gone = make_booking(session)
    bookings.cancel_booking(booking_id=gone.pk, learner=gone.learner)
    move_start(session, to=timezone.now() - timedelta(minutes=5))
    bookings.start_session(session_id=session.pk, mentor=mentor)
    for booking in seats[:3]:
        bookings.mark_attended(booking_id=booking.pk, mentor=mentor)
    ChatMessage.objects.create(session=session, user=mentor, peer_id="p1", name="M", text="hi")
    ChatMessage.objects.create(
        session=session, user=seats[0].learner, peer_id="p2", name="L", text="hello"
    )
    url = f"/api/sessions/{session.pk}/report/"
    before = as_user(mentor).get(url).json()
    assert (before["booked"], before["attended"], before["no_shows"]) == (6, 3, 0)

    bookings.complete_session(session_id=session.pk, mentor=mentor)
    rate(seats[0], 5, "Great")
    rate(seats[1], 4, "")
    rate(seats[2], 2, "Audio was bad")
    body = as_user(mentor).get(url).json()
    assert body["booked"] == 6  # the cancelled booking gave its seat back
    assert (body["attended"], body["no_shows"]) == (3, 3)
    assert (body["confirmed"], body["declined"]) == (4, 1)
    assert (body["average_rating"], body["ratings_count"]) == (3.67, 3)
    assert [(c["rating"], c["comment"]) for c in body["comments"]] == [
        (2, "Audio was bad"),
        (5, "Great"),
    ]
    assert body["comments"][0]["learner"]["name"] == seats[2].learner.name
    assert body["transcript_url"] == f"/api/sessions/{session.pk}/transcript/"
    assert body["chat_messages"] == 2
    assert body["session"]["title"] == session.title
    assert body["session"]["price"] == "0.00"
    transcript = as_user(mentor).get(body["transcript_url"])
    assert transcript.status_code == 200 and b"hello" in transcript.content


def test_report_of_a_cancelled_session_has_no_no_shows(as_user):
    mentor = make_mentor()
    session = make_session(mentor=mentor)
    make_booking(session)
    bookings.cancel_session(session_id=session.pk, mentor=mentor)
    body = as_user(mentor).get(f"/api/sessions/{session.pk}/report/").json()
    assert (body["booked"], body["attended"], body["no_shows"]) == (1, 0, 0)
    assert body["average_rating"] is None and body["comments"] == []


# --- CSV ------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="peerlearn-')
    assert response["Cache-Control"] == "private, no-store"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("path", ["/api/analytics/sessions.csv", "/api/analytics/sessions/export/"])
def test_csv_has_the_ledger_figures(as_user, history, path):
    rows = read_csv(as_user(history["mentor"]).get(path))
    assert rows[0] == ["date", "title", "learners", "gross", "commission", "net"]
    local = {
        key: timezone.localtime(history[key].starts_at, IST).date().isoformat()
        for key in ("awkward", "tiny", "big")
    }
    assert rows[1:] == [
        # a title that looks like a formula is quoted so a spreadsheet shows it as text
        [local["big"], "'=HYPERLINK(evil)", "1", "999.95", "100.00", "899.95"],
        [local["tiny"], "Tiny", "1", "0.05", "0.01", "0.04"],
        [local["awkward"], "Pandas groupby", "4", "666.66", "66.66", "600.00"],
    ]
    api = as_user(history["mentor"]).get(LIST).json()["results"]
    assert [r[3:] for r in rows[1:]] == [[a["gross"], a["commission"], a["net"]] for a in api]


def test_csv_accepts_text_csv(api_client, history):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(history['mentor'])}")
    response = api_client.get("/api/analytics/sessions.csv", HTTP_ACCEPT="text/csv")
    assert len(read_csv(response)) == 4
    api_client.credentials()
    refused = api_client.get("/api/analytics/sessions.csv", HTTP_ACCEPT="text/csv")
    assert refused.status_code == 401 and b"detail" in refused.content


def test_csv_with_no_sessions_is_just_the_header(as_user, mentor):
    assert read_csv(as_user(mentor).get("/api/analytics/sessions.csv")) == [
        ["date", "title", "learners", "gross", "commission", "net"]
    ]


def test_csv_chunks_cover_every_row_once_even_with_equal_start_times(as_user, settings):
    """Keyset chunks on (starts_at, id): sessions sharing a start time straddle chunk edges."""
    mentor = make_mentor()
    same = ago(days=5)
    for index in range(7):
        make_paid_session(
            mentor, price_paise=100 + index, started=same if index < 5 else ago(days=index)
        )
    settings.PEERLEARN_ANALYTICS = {"CSV_CHUNK_SIZE": 2}
    rows = read_csv(as_user(mentor).get("/api/analytics/sessions.csv"))[1:]
    listed = as_user(mentor).get(LIST, {"page_size": 100}).json()["results"]
    assert len(rows) == 7
    assert [r[3] for r in rows] == [r["gross"] for r in listed]
    assert sorted(r[3] for r in rows) == sorted(f"1.{index:02d}" for index in range(7))


def test_csv_of_thousands_of_sessions_streams_in_chunks(as_user, settings):
    mentor = make_mentor()
    start = timezone.now() - timedelta(days=900)
    LiveSession.objects.bulk_create(
        LiveSession(
            mentor=mentor,
            title=f"Archived session {index}",
            starts_at=start + timedelta(hours=6 * index),
            duration_minutes=60,
            max_participants=5,
            status=SessionStatus.COMPLETED,
            completed_at=start + timedelta(hours=6 * index + 1),
        )
        for index in range(3000)
    )
    make_paid_session(mentor, price_paise=33333, paid=2)
    settings.PEERLEARN_ANALYTICS = {"CSV_CHUNK_SIZE": 1000}
    client = as_user(mentor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/analytics/sessions.csv")
        rows = read_csv(response)[1:]
    assert len(rows) == 3001
    assert len({r[1] for r in rows}) == 3001
    assert rows[0][3:] == ["666.66", "66.66", "600.00"]
    assert sum(Decimal(r[5]) for r in rows) == Decimal("600.00")
    assert rows[-1][1] == "Archived session 0"
    # 4 chunk queries for 3001 rows (plus the user of the JWT), not one per row
    chunk_queries = [q for q in captured if "peerlearn_bookings_livesession" in q["sql"]]
    assert len(chunk_queries) == 4


@pytest.mark.django_db(transaction=True)  # the ASGI handler runs the view on another thread
async def test_csv_streams_asynchronously_under_asgi(async_client, history):
    from asgiref.sync import sync_to_async

    token = await sync_to_async(jwt_for)(history["mentor"])
    try:
        response = await async_client.get(
            "/api/analytics/sessions.csv", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200 and response.streaming
        assert response.is_async  # an async iterator: Daphne streams it instead of buffering
        text = b"".join([chunk async for chunk in response.streaming_content]).decode()
    finally:
        # The view and the chunks ran on the sync thread, with its own connection.
        await sync_to_async(connections.close_all)()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and rows[3][3:] == ["666.66", "66.66", "600.00"]


# --- cross-checks ---------------------------------------------------------------------------


def test_every_endpoint_agrees_with_the_ledger(as_user, history):
    client = as_user(history["mentor"])
    ledger = sum(e.net_paise for e in EarningEntry.objects.filter(mentor=history["mentor"]))
    weekly = client.get("/api/analytics/earnings/").json()["buckets"]
    listed = client.get(LIST).json()["results"]
    detail = [
        client.get(f"/api/analytics/sessions/{r['id']}/").json()["session"]["net"] for r in listed
    ]
    exported = read_csv(client.get("/api/analytics/sessions.csv"))[1:]
    balance = client.get("/api/payouts/balance/").json()["earned"]
    as_paise = [
        sum(Decimal(b["net"]) for b in weekly),
        sum(Decimal(r["net"]) for r in listed),
        sum(Decimal(n) for n in detail),
        sum(Decimal(r[5]) for r in exported),
        Decimal(balance),
    ]
    assert {int(value * 100) for value in as_paise} == {ledger} == {149999}


def test_feedback_rows_are_the_learners_own(as_user, history):
    session = history["awkward"]
    body = as_user(history["mentor"]).get(f"/api/analytics/sessions/{session.pk}/").json()
    learners = {
        f.booking.learner_id: f.rating for f in Feedback.objects.filter(booking__session=session)
    }
    assert {r["learner"]["id"]: r["rating"] for r in body["ratings"]} == learners


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/analytics/sessions/99999999999999999999/", 404),
        ("/api/sessions/99999999999999999999/report/", 404),
        ("/api/analytics/sessions/?page=abc", 404),
        ("/api/analytics/sessions/?page=", 404),  # not page 1 (schemathesis, ST201)
        ("/api/analytics/sessions/?page=0", 404),
        ("/api/analytics/sessions/?page=99999999999999999999999", 404),
        ("/api/analytics/sessions/?page_size=-3", 400),  # the schema says a positive integer
        ("/api/analytics/sessions/?page_size=abc", 400),
        ("/api/analytics/sessions/?page_size=null", 400),
        ("/api/analytics/sessions/?page_size=5", 200),
    ],
)
def test_odd_ids_and_pages_are_never_a_500(as_user, mentor, path, status):
    assert as_user(mentor).get(path).status_code == status
