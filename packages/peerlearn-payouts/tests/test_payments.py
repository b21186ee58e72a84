"""Learners pay at booking: order, Checkout signature, webhooks, seat holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import Payment
from peerlearn_payouts.services import release_expired_holds

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced_booking(db):
    session = make_session(mentor=make_mentor(), max_participants=3, price_paise=49900)
    learner = make_learner()
    return bookings.book_session(session_id=session.pk, learner=learner)


def test_priced_booking_pays_through_checkout(as_user, priced_booking, sandbox):
    client = as_user(priced_booking.learner)
    order = client.post(f"/api/bookings/{priced_booking.pk}/pay/")
    assert order.status_code == 201, order.content
    body = order.json()
    assert body["amount"] == "499.00" and body["currency"] == "INR"
    assert body["order_id"].startswith("order_") and body["key_id"] == "rzp_test_suite"
    # A second click reuses the same order.
    assert (
        client.post(f"/api/bookings/{priced_booking.pk}/pay/").json()["order_id"]
        == body["order_id"]
    )
    assert len(sandbox.orders()) == 1

    callback = sandbox.pay_order(body["order_id"])
    verified = client.post("/api/payments/verify/", callback, format="json")
    assert verified.status_code == 200, verified.content
    assert verified.json()["payment_status"] == "paid"
    priced_booking.refresh_from_db()
    assert priced_booking.payment_status == "paid"
    # Verifying again is harmless.
    assert client.post("/api/payments/verify/", callback, format="json").status_code == 200
    assert Payment.objects.get().status == "paid"
    assert client.post(f"/api/bookings/{priced_booking.pk}/pay/").status_code == 409


def test_bad_signature_changes_nothing(as_user, priced_booking, sandbox):
    client = as_user(priced_booking.learner)
    order = client.post(f"/api/bookings/{priced_booking.pk}/pay/").json()
    callback = sandbox.pay_order(order["order_id"])
    forged = {**callback, "razorpay_signature": "0" * 64}
    response = client.post("/api/payments/verify/", forged, format="json")
    assert response.status_code == 400 and "razorpay_signature" in response.json()
    swapped = {**callback, "razorpay_payment_id": "pay_someoneelse00"}
    assert client.post("/api/payments/verify/", swapped, format="json").status_code == 400
    priced_booking.refresh_from_db()
    assert priced_booking.payment_status == "pending"


def test_only_the_learner_pays_their_booking(as_user, priced_booking, sandbox):
    other = make_learner()
    assert as_user(other).post(f"/api/bookings/{priced_booking.pk}/pay/").status_code == 403
    assert as_user(make_mentor()).post(f"/api/bookings/{priced_booking.pk}/pay/").status_code == 403
    order = as_user(priced_booking.learner).post(f"/api/bookings/{priced_booking.pk}/pay/").json()
    callback = sandbox.pay_order(order["order_id"])
    assert as_user(other).post("/api/payments/verify/", callback, format="json").status_code == 403
    for bad in ({}, {"razorpay_order_id": "order_x"}):
        assert as_user(other).post("/api/payments/verify/", bad, format="json").status_code == 400


def test_free_bookings_have_nothing_to_pay(as_user, sandbox):
    session = make_session(mentor=make_mentor(), price_paise=0)
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    assert as_user(booking.learner).post(f"/api/bookings/{booking.pk}/pay/").status_code == 409
    assert sandbox.orders() == []


def test_unpaid_seat_is_released_after_the_hold(as_user, priced_booking, sandbox, settings):
    as_user(priced_booking.learner).post(f"/api/bookings/{priced_booking.pk}/pay/")
    assert release_expired_holds() == []
    Booking.objects.filter(pk=priced_booking.pk).update(
        booked_at=timezone.now() - timedelta(minutes=16)
    )
    assert release_expired_holds() == [priced_booking.pk]
    priced_booking.refresh_from_db()
    priced_booking.session.refresh_from_db()
    assert priced_booking.cancelled_at is not None and priced_booking.payment_status == "failed"
    assert priced_booking.session.booked_count == 0
    assert Payment.objects.get().status == "expired"
    assert priced_booking.learner.notifications.filter(kind="booking.released").exists()
    assert release_expired_holds() == []
