"""The payouts seeder over the bookings seeder's sessions: a payment captured minutes after
every paid seat was booked, refunds for refunded seats, earnings credited when sessions ended, a
payout in each state, a wallet that matches its rows; only payouts' tables (and the mentor's
"Earnings added" notifications, through core's services); idempotent."""

from datetime import timedelta

import pytest
from django.db.models import F, Sum

from peerlearn_bookings.demo import seed_bookings
from peerlearn_bookings.models import Booking, PaymentStatus, SessionStatus
from peerlearn_core.demo import demo_people
from peerlearn_core.models import Notification
from peerlearn_core.testing.demo import row_counts
from peerlearn_payouts.demo import PAYOUTS, seed_payouts
from peerlearn_payouts.models import (
    RETURNED_STATUSES,
    EarningEntry,
    MentorWallet,
    Payment,
    Payout,
    Refund,
    RefundStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    people = demo_people()
    seed_bookings(people)
    before = row_counts()
    seed_payouts(people)
    changed = {label for label, count in row_counts().items() if before[label] != count}
    assert changed - {"peerlearn_core.Notification"} <= {
        label for label in before if label.startswith("peerlearn_payouts.")
    }
    return people


def test_every_paid_seat_was_paid_minutes_after_booking_and_before_the_session(people):
    paid = Booking.objects.filter(
        amount_paise__gt=0, payment_status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED]
    )
    assert paid.count() == Payment.objects.count() >= 60
    for payment in Payment.objects.select_related("booking__session"):
        booking = payment.booking
        assert payment.created_at == booking.booked_at
        assert booking.booked_at < payment.paid_at <= booking.booked_at + timedelta(minutes=5)
        assert payment.paid_at < booking.session.starts_at
        assert payment.amount_paise == booking.amount_paise
        assert payment.status == (
            Payment.Status.REFUNDED
            if booking.payment_status == PaymentStatus.REFUNDED
            else Payment.Status.PAID
        )
    refunds = Refund.objects.all()
    assert refunds.count() == paid.filter(payment_status=PaymentStatus.REFUNDED).count() >= 2
    assert not refunds.exclude(status=RefundStatus.PROCESSED).exists()
    assert not refunds.filter(created_at__lt=F("payment__paid_at")).exists()
    assert not refunds.filter(processed_at__lt=F("created_at")).exists()
    assert not Payment.objects.filter(booking__payment_status=PaymentStatus.PENDING).exists()


def test_earnings_credited_when_sessions_ended_and_old_news_read(people):
    entries = EarningEntry.objects.all()
    assert not entries.exclude(earned_at=F("session__completed_at")).exists()
    assert not entries.exclude(session__status=SessionStatus.COMPLETED).exists()
    assert not entries.filter(booking__refunds__isnull=False).exists()
    news = Notification.objects.filter(user=people.mentor, kind="earnings.accrued")
    assert news.count() == entries.values("session").distinct().count()
    assert not news.filter(read=False).exists()
    for notification in news:
        entry = entries.filter(session_id=notification.data["session_id"]).first()
        assert notification.created_at == entry.earned_at


def test_a_payout_in_each_state_and_the_wallet_matches(people):
    payouts = Payout.objects.filter(mentor=people.mentor)
    assert sorted(payouts.values_list("status", flat=True)) == sorted(row[3] for row in PAYOUTS)
    assert len({row[3] for row in PAYOUTS}) >= 5
    assert not payouts.filter(updated_at__lt=F("created_at")).exists()
    assert not payouts.filter(status__in=RETURNED_STATUSES, released_at__isnull=True).exists()
    wallet = MentorWallet.objects.get(mentor=people.mentor)
    assert wallet.earned_paise == EarningEntry.objects.aggregate(s=Sum("net_paise"))["s"]
    held = payouts.exclude(status__in=RETURNED_STATUSES).aggregate(s=Sum("amount_paise"))["s"]
    assert wallet.reserved_paise == held < wallet.earned_paise


def test_seeding_twice_is_seeding_once(people):
    before = row_counts()
    seed_bookings(people)
    seed_payouts(demo_people())
    assert row_counts() == before
