"""The mentor's Decline in the room cancels the session through bookings, and payouts refunds
every paid seat exactly once (real SDK, the loopback sandbox)."""

import pytest
from django.test import override_settings

from peerlearn_bookings.models import Booking
from peerlearn_payouts.models import EarningEntry, Refund
from peerlearn_payouts.services import reconcile_refunds
from peerlearn_payouts.testing.factories import pay_booking
from peerlearn_rtc import services as room
from peerlearn_rtc.testing.factories import make_room
from razorpay_sandbox import SandboxServer

pytestmark = [pytest.mark.django_db(transaction=True)]
KEYS = {"key_id": "rzp_test_decline", "key_secret": "decline-secret", "webhook_secret": "wh-secret"}


@pytest.fixture
def sandbox(settings):
    server = SandboxServer(**KEYS).start()
    overrides = {
        "KEY_ID": KEYS["key_id"],
        "KEY_SECRET": KEYS["key_secret"],
        "WEBHOOK_SECRET": KEYS["webhook_secret"],
        "ACCOUNT_NUMBER": server.account_number,
        "BASE_URL": server.url,
        "TIMEOUT": 2.0,
    }
    with override_settings(PEERLEARN_PAYOUTS={**settings.PEERLEARN_PAYOUTS, **overrides}):
        yield server
    server.stop()


def test_mentor_decline_in_the_room_refunds_every_paid_seat_once(sandbox):
    seats = make_room(learners=3, price_paise=25000)
    payments = [pay_booking(booking, sandbox) for booking in seats.bookings[:2]]  # one unpaid
    peer, _welcome = room.join_room(
        session_id=seats.session_id, user=seats.mentor, channel_name="test.mentor.decline"
    )
    assert room.decline(peer_id=peer.peer_id) == "mentor"  # cancels; refunds run on commit

    for payment in payments:
        [remote] = sandbox.refunds(payment.razorpay_payment_id)
        assert remote["amount"] == 25000
        sandbox.advance_refund(remote["id"], "processed")
    reconcile_refunds()
    states = {b.pk: b.payment_status for b in Booking.objects.filter(session=seats.session)}
    assert sorted(states.values()) == ["pending", "refunded", "refunded"]
    assert Refund.objects.count() == 2 == sandbox.refund_create_calls
    assert EarningEntry.objects.count() == 0
