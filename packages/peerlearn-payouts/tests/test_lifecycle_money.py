"""A paid session cannot be completed (or started, or attended) ahead of its time to pull money
forward; done in its time, it credits once. A push that fails never skips the accrual."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import selectors as booking_selectors
from peerlearn_bookings import services as bookings
from peerlearn_bookings.signals import session_completed
from peerlearn_bookings.testing.factories import future, make_session, move_start
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts import receivers
from peerlearn_payouts.models import EarningEntry, MentorWallet
from peerlearn_payouts.selectors import balance
from peerlearn_payouts.testing.factories import pay_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_session(sandbox):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=50000, starts_at=future(days=2))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    pay_booking(booking, sandbox)
    return mentor, session, booking


def test_nothing_is_credited_before_the_session_happens(
    as_user, paid_session, django_capture_on_commit_callbacks
):
    mentor, session, booking = paid_session
    client = as_user(mentor)
    with django_capture_on_commit_callbacks(execute=True):
        for path in (
            f"/api/sessions/{session.pk}/complete/",
            f"/api/sessions/{session.pk}/start/",
            f"/api/bookings/{booking.pk}/attend/",
        ):
            assert client.post(path).status_code == 409, path
    assert EarningEntry.objects.count() == 0
    assert not MentorWallet.objects.filter(mentor=mentor, earned_paise__gt=0).exists()
    assert client.get("/api/payouts/balance/").json()["available"] == "0.00"
    withdraw = {"amount": "450.00", "upi_id": "asha.mentor@okhdfcbank"}
    assert client.post("/api/payouts/razorpay/", withdraw, format="json").status_code == 409
    # The learner can still cancel (and would be refunded): the session has not happened.
    assert (
        as_user(booking.learner)
        .get(f"/api/bookings/{booking.pk}/refund_quote/")
        .json()["full_refund"]
    )

    # In its time: the room opens, the mentor starts, attends, ends: credited once.
    move_start(session, to=timezone.now() + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/sessions/{session.pk}/start/").status_code == 200
        assert client.post(f"/api/bookings/{booking.pk}/attend/").status_code == 200
        assert client.post(f"/api/sessions/{session.pk}/complete/").status_code == 200
    assert balance(mentor)["available"] == 45000
    assert EarningEntry.objects.count() == 1


def test_a_failing_push_or_receiver_never_skips_the_accrual(
    paid_session, monkeypatch, django_capture_on_commit_callbacks
):
    """The session.updated push builder raises, and another receiver of session_completed raises:
    the mentor is still credited."""
    mentor, session, _booking = paid_session

    def broken(*args, **kwargs):
        raise RuntimeError("the push builder broke")

    monkeypatch.setattr(booking_selectors, "session_with_counts", broken)
    monkeypatch.setattr(booking_selectors, "session_counts", broken)

    def failing_receiver(sender, **kwargs):
        raise RuntimeError("another app's receiver broke")

    # The failing receiver runs first: payouts' accrual is reconnected behind it.
    accrue = "peerlearn_payouts.accrue_on_completion"
    assert session_completed.disconnect(dispatch_uid=accrue)
    session_completed.connect(failing_receiver, dispatch_uid="test.failing_receiver")
    session_completed.connect(receivers.accrue_on_completion, dispatch_uid=accrue)
    try:
        move_start(session, to=timezone.now() - timedelta(hours=3))
        with django_capture_on_commit_callbacks(execute=True):
            bookings.complete_session(session_id=session.pk, mentor=mentor)
    finally:
        session_completed.disconnect(dispatch_uid="test.failing_receiver")
    assert balance(mentor)["available"] == 45000
