"""Orders: only for a pending booking of a scheduled session, one open order per booking (a
database constraint), expired when the booking is cancelled or released."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import SessionStatus
from peerlearn_bookings.testing.factories import make_session, move_start, set_status
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import Payment
from peerlearn_payouts.testing.factories import pay_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(db):
    session = make_session(mentor=make_mentor(), price_paise=20000, max_participants=3)
    return bookings.book_session(session_id=session.pk, learner=make_learner())


def pay(as_user, booking):
    return as_user(booking.learner).post(f"/api/bookings/{booking.pk}/pay/")


@pytest.mark.parametrize(
    "status", [SessionStatus.LIVE, SessionStatus.COMPLETED, SessionStatus.CANCELLED]
)
def test_no_order_for_a_session_that_is_not_scheduled(as_user, booking, sandbox, status):
    set_status(booking.session, status)
    response = pay(as_user, booking)
    assert response.status_code == 409 and response.json()["code"] == "session_closed"
    assert sandbox.orders() == [] and Payment.objects.count() == 0


def test_no_order_for_a_booking_that_is_not_pending(
    as_user, booking, sandbox, django_capture_on_commit_callbacks
):
    pay_booking(booking, sandbox)
    assert pay(as_user, booking).json()["code"] == "not_payable"
    other = bookings.book_session(session_id=booking.session_id, learner=make_learner())
    with django_capture_on_commit_callbacks(execute=True):
        bookings.cancel_booking(booking_id=other.pk, learner=other.learner)
    assert pay(as_user, other).json()["code"] == "booking_cancelled"
    assert len(sandbox.orders()) == 1


def test_the_open_order_expires_when_the_learner_cancels(
    as_user, booking, sandbox, django_capture_on_commit_callbacks
):
    order = pay(as_user, booking).json()
    with django_capture_on_commit_callbacks(execute=True):
        bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
    assert Payment.objects.get(razorpay_order_id=order["order_id"]).status == "expired"


def test_one_open_order_per_booking_is_a_database_constraint(booking):
    Payment.objects.create(booking=booking, learner=booking.learner, amount_paise=20000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(booking=booking, learner=booking.learner, amount_paise=20000)
    # Closed orders do not count: a new open one may follow an expired one.
    Payment.objects.update(status=Payment.Status.EXPIRED)
    Payment.objects.create(booking=booking, learner=booking.learner, amount_paise=20000)


def test_a_failed_order_call_frees_the_booking_for_the_next_click(as_user, booking, sandbox):
    sandbox.inject_fault("5xx", path="/v1/orders")
    response = pay(as_user, booking)
    assert response.status_code == 409 and response.json()["code"] == "gateway_unavailable"
    assert Payment.objects.get().status == "failed"
    second = pay(as_user, booking)
    assert second.status_code == 201
    assert Payment.objects.filter(status="created").count() == 1


def test_a_claim_whose_process_died_stops_blocking_the_booking(as_user, booking, sandbox):
    stuck = Payment.objects.create(booking=booking, learner=booking.learner, amount_paise=20000)
    Payment.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    response = pay(as_user, booking)
    assert response.status_code == 201
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert Payment.objects.get(status="created").razorpay_order_id == response.json()["order_id"]


def test_a_payment_after_the_session_ended_counts_and_accrues(
    booking, sandbox, django_capture_on_commit_callbacks
):
    """The order was made while scheduled; the money lands after the session completed (the seat
    hold had not run out): the seat is paid and the mentor credited."""
    from peerlearn_payouts.selectors import balance
    from peerlearn_payouts.services import create_order, verify_checkout

    payment = create_order(booking_id=booking.pk, learner=booking.learner)
    move_start(booking.session, to=timezone.now() - timedelta(hours=2))
    bookings.complete_session(session_id=booking.session_id)
    callback = sandbox.pay_order(payment.razorpay_order_id)
    with django_capture_on_commit_callbacks(execute=True):
        verify_checkout(
            learner=booking.learner,
            order_id=payment.razorpay_order_id,
            payment_id=callback["razorpay_payment_id"],
            signature=callback["razorpay_signature"],
        )
    booking.refresh_from_db()
    assert booking.payment_status == "paid"
    assert balance(booking.session.mentor)["available"] == 18000
    assert sandbox.refunds() == []
