"""The demo mentor's history fills every chart and report, coherently, and seeding twice is
the same as seeding once."""

from decimal import Decimal

import pytest
from django.db.models import F, Sum

from peerlearn_bookings.demo import HISTORY
from peerlearn_bookings.models import Booking, Feedback, LiveSession, SessionStatus
from peerlearn_core.demo import seed_demo
from peerlearn_payouts.models import EarningEntry
from peerlearn_payouts.selectors import balance
from peerlearn_rtc.models import ChatMessage

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def snapshot(mentor) -> dict:
    return {
        "sessions": LiveSession.objects.filter(mentor=mentor).count(),
        "bookings": Booking.objects.filter(session__mentor=mentor).count(),
        "entries": list(
            EarningEntry.objects.filter(mentor=mentor)
            .order_by("pk")
            .values_list("booking_id", "net_paise", "earned_at")
        ),
        "feedback": Feedback.objects.filter(booking__session__mentor=mentor).count(),
        "chat": ChatMessage.objects.filter(session__mentor=mentor).count(),
        "balance": balance(mentor),
    }


def test_demo_history_is_coherent_and_fills_the_charts(as_user):
    people = seed_demo()
    mentor = people.mentor
    completed = LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED)
    assert completed.count() >= 15
    assert not Booking.objects.filter(
        session__in=completed, booked_at__gte=F("session__starts_at")
    ).exists()
    assert not completed.exclude(completed_at__gt=F("starts_at")).exists()
    entries = EarningEntry.objects.filter(mentor=mentor)
    assert not entries.exclude(earned_at=F("session__completed_at")).exists()
    assert not entries.exclude(booking__payment_status="paid").exists()
    refunded = Booking.objects.filter(session__in=completed, payment_status="refunded")
    assert refunded.exists()
    assert not refunded.exclude(refunds__status="processed").exists()
    history = completed.filter(title__in=[title for title, _price, _minutes in HISTORY])
    assert history.count() == len(HISTORY)
    assert (
        not Booking.objects.filter(session__in=history, payment_status="paid")
        .exclude(payments__status="paid")
        .exists()
    )
    assert not Feedback.objects.filter(
        booking__session__in=completed, created_at__lt=F("booking__session__completed_at")
    ).exists()
    assert ChatMessage.objects.filter(session__in=completed).count() >= 40

    client = as_user(mentor)
    monthly = client.get("/api/analytics/earnings/?period=monthly").json()["buckets"]
    weekly = client.get("/api/analytics/earnings/?period=weekly").json()["buckets"]
    assert sum(1 for b in monthly if b["sessions"]) >= 5  # five months of history
    assert sum(1 for b in weekly if b["sessions"]) >= 8
    earned = Decimal(client.get("/api/payouts/balance/").json()["earned"])
    assert sum(Decimal(b["net"]) for b in monthly) == earned
    assert earned * 100 == entries.aggregate(s=Sum("net_paise"))["s"]

    listed = client.get("/api/analytics/sessions/?page_size=100").json()["results"]
    assert len(listed) == completed.count()
    rated = [r for r in listed if r["average_rating"] is not None]
    assert len(rated) >= 10
    with_chat = [
        client.get(f"/api/sessions/{r['id']}/report/").json()["chat_messages"] for r in listed
    ]
    assert sum(1 for n in with_chat if n) >= 10

    before = snapshot(mentor)
    seed_demo()
    assert snapshot(mentor) == before
