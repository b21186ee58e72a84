"""The seat hold on the wire: a priced, unpaid booking says when its hold runs out (booking JSON
and the order), and the order names the Checkout script the page opens over itself."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.testing.factories import make_session
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.services import release_expired_holds

pytestmark = pytest.mark.django_db


def _book(price_paise):
    session = make_session(mentor=make_mentor(), max_participants=3, price_paise=price_paise)
    return bookings.book_session(session_id=session.pk, learner=make_learner())


def _listed(client, booking_id):
    [row] = [b for b in client.get("/api/bookings/").json() if b["id"] == booking_id]
    return row


def test_pending_booking_shows_when_its_hold_runs_out(as_user, settings):
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "SEAT_HOLD_MINUTES": 15,
    }
    booking = _book(107730)
    client = as_user(booking.learner)
    row = _listed(client, booking.pk)
    assert row["payment_status"] == "pending"
    expires = datetime.fromisoformat(row["hold_expires_at"])
    assert expires == booking.booked_at + timedelta(minutes=15)
    # A settings change applies live.
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "SEAT_HOLD_MINUTES": 5,
    }
    expires = datetime.fromisoformat(_listed(client, booking.pk)["hold_expires_at"])
    assert expires == booking.booked_at + timedelta(minutes=5)


def test_free_paid_and_released_bookings_hold_nothing(as_user, sandbox):
    free = _book(0)
    assert _listed(as_user(free.learner), free.pk)["hold_expires_at"] is None

    priced = _book(49900)
    client = as_user(priced.learner)
    order = client.post(f"/api/bookings/{priced.pk}/pay/").json()
    client.post("/api/payments/verify/", sandbox.pay_order(order["order_id"]), format="json")
    row = _listed(client, priced.pk)
    assert row["payment_status"] == "paid" and row["hold_expires_at"] is None

    lapsed = _book(49900)
    release_expired_holds(now=timezone.now() + timedelta(hours=1))
    client = as_user(lapsed.learner)
    [row] = [
        b
        for b in client.get("/api/bookings/?include_cancelled=true").json()
        if b["id"] == lapsed.pk
    ]
    assert row["cancelled"] and row["cancel_reason"] == "hold_released"
    assert row["hold_expires_at"] is None


def test_order_carries_the_hold_and_the_checkout_script(as_user, sandbox, settings):
    booking = _book(107730)
    client = as_user(booking.learner)
    order = client.post(f"/api/bookings/{booking.pk}/pay/").json()
    assert order["amount"] == "1077.30"
    assert datetime.fromisoformat(order["hold_expires_at"]) == datetime.fromisoformat(
        _listed(client, booking.pk)["hold_expires_at"]
    )
    # Pointed at the sandbox's Checkout page, the script is the sandbox's stand-in beside it.
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "CHECKOUT_URL": "http://localhost:8765/checkout",
    }
    order = client.post(f"/api/bookings/{booking.pk}/pay/").json()
    assert order["checkout_js_url"] == "http://localhost:8765/v1/checkout.js"
    # Without the sandbox: Razorpay's own script.
    settings.PEERLEARN_PAYOUTS = {**getattr(settings, "PEERLEARN_PAYOUTS", {}), "CHECKOUT_URL": ""}
    order = client.post(f"/api/bookings/{booking.pk}/pay/").json()
    assert order["checkout_js_url"] == "https://checkout.razorpay.com/v1/checkout.js"
