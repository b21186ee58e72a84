"""Refund webhooks over real HTTP from the sandbox to a live server: duplicated, shuffled, out of
order and forged; and twenty concurrent Pay clicks that must make one order."""

import hashlib
import hmac
import json
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking
from peerlearn_bookings.testing.factories import future, make_session
from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import jwt_for, make_learner, make_mentor
from peerlearn_payouts import services
from peerlearn_payouts.gateway import get_gateway
from peerlearn_payouts.models import EarningEntry, Payment, Payout, Refund, WebhookEvent
from peerlearn_payouts.selectors import balance, wallet_available
from peerlearn_payouts.services import reconcile_refunds, request_payout
from peerlearn_payouts.testing.factories import give_earnings, pay_booking

from .conftest import KEYS

pytestmark = [pytest.mark.django_db(transaction=True)]
WEBHOOK = "/api/payouts/razorpay/webhook/"


@pytest.fixture
def hooked(sandbox, live_server):
    sandbox.set_webhooks(url=f"{live_server.url}{WEBHOOK}", enabled=True)
    return sandbox


def sign(body: bytes, secret: str = KEYS["webhook_secret"]) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(body: bytes, *, event_id: str, signature: str | None = None):
    return Client().post(
        WEBHOOK,
        body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=signature or sign(body),
        HTTP_X_RAZORPAY_EVENT_ID=event_id,
    )


def paid_session(sandbox, *, seats: int, price: int = 30000):
    mentor = make_mentor()
    session = make_session(
        mentor=mentor, price_paise=price, max_participants=seats + 1, starts_at=future(days=2)
    )
    paid = [
        bookings.book_session(session_id=session.pk, learner=make_learner()) for _ in range(seats)
    ]
    return mentor, session, paid, [pay_booking(b, sandbox) for b in paid]


@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
def test_duplicated_and_shuffled_refund_webhooks_converge_once(hooked):
    mentor, session, paid, payments = paid_session(hooked, seats=4)
    assert hooked.flush_webhooks(10)
    hooked.set_webhooks(duplicate=True, shuffle=True)
    bookings.cancel_session(session_id=session.pk, mentor=mentor)  # receivers run on commit
    remotes = [hooked.refunds(p.razorpay_payment_id) for p in payments]
    assert [len(r) for r in remotes] == [1, 1, 1, 1]
    outcomes = ["processed", "processed", "processed", "failed"]
    for [remote], status in zip(remotes, outcomes, strict=True):
        hooked.advance_refund(remote["id"], status)
    assert hooked.flush_webhooks(15)
    assert all(d["ok"] for d in hooked.deliveries)

    for booking, status in zip(paid, outcomes, strict=True):
        booking.refresh_from_db()
        refund = Refund.objects.get(booking=booking)
        assert refund.status == status
        assert booking.payment_status == ("refunded" if status == "processed" else "paid")
        notes = Notification.objects.filter(user=booking.learner, kind=f"refund.{status}")
        assert notes.count() == 1
    events = [d["event_id"] for d in hooked.deliveries if d["event"].startswith("refund.")]
    assert len(events) == 2 * 8  # created + final, four refunds, each delivered twice
    assert WebhookEvent.objects.filter(event__startswith="refund.").count() == 8
    # A redelivery of a final event is recognised and changes nothing.
    hooked.redeliver(events[-1])
    assert hooked.flush_webhooks(10)
    assert WebhookEvent.objects.filter(event__startswith="refund.").count() == 8
    assert Refund.objects.count() == 4 and hooked.refund_create_calls == 4
    assert EarningEntry.objects.count() == 0
    assert balance(mentor)["available"] == 0 == wallet_available(mentor)


def test_out_of_order_refund_events_never_move_back(sandbox):
    """refund.processed delivered before refund.created: the late "pending" changes nothing."""
    _mentor, _session, [booking], [payment] = paid_session(sandbox, seats=1)
    bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
    [remote] = sandbox.refunds(payment.razorpay_payment_id)
    sandbox.advance_refund(remote["id"], "processed")
    created, processed = [e for e in sandbox.events if e["event"].startswith("refund.")]
    assert (created["event"], processed["event"]) == ("refund.created", "refund.processed")
    # Our own create call already stored "pending": make it unknown again to need the events.
    Refund.objects.update(status="created", razorpay_id=None)
    booking.refresh_from_db()
    assert booking.payment_status == "refund_pending"
    for event in (processed, created, processed):
        response = deliver(event["body"].encode(), event_id=event["event_id"])
        assert response.status_code == 200, response.content
    refund = Refund.objects.get()
    assert refund.status == "processed" and refund.razorpay_id == remote["id"]
    booking.refresh_from_db()
    assert booking.payment_status == "refunded"
    assert reconcile_refunds()["checked"] == 0


def test_forged_or_unknown_refund_webhooks_change_nothing(sandbox):
    _mentor, _session, [booking], [payment] = paid_session(sandbox, seats=1)
    bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
    [remote] = sandbox.refunds(payment.razorpay_payment_id)
    sandbox.advance_refund(remote["id"], "processed")
    event = sandbox.events[-1]
    body = event["body"].encode()
    for signature in ("0" * 64, sign(body, "another-secret"), sign(body).upper()):
        assert deliver(body, event_id="evt_forged", signature=signature).status_code == 400
    assert Refund.objects.get().status == "pending"
    assert not WebhookEvent.objects.filter(event_id="evt_forged").exists()
    # Correctly signed, about a refund we never made: recorded, nothing else moves.
    stranger = json.loads(body)
    stranger["payload"]["refund"]["entity"].update(
        id="rfnd_NotOurs0000001", payment_id="pay_NotOurs0000001", receipt=None
    )
    stranger_body = json.dumps(stranger).encode()
    response = deliver(stranger_body, event_id="evt_stranger")
    assert response.status_code == 200 and response.json()["status"] == "unknown refund"
    assert Refund.objects.get().status == "pending"
    # The genuine delivery applies.
    assert deliver(body, event_id=event["event_id"]).json()["status"] == "applied"
    booking.refresh_from_db()
    assert booking.payment_status == "refunded"


def test_payout_webhook_asks_razorpay_outside_any_transaction(sandbox, monkeypatch):
    """failed <-> reversed out of order: the truth is fetched before the transaction opens."""
    mentor = make_mentor()
    give_earnings(mentor, 100000)
    payout, _ = request_payout(mentor=mentor, amount_paise=30000, upi_id="asha@okaxis")
    sandbox.advance(payout.razorpay_id, "failed")
    sandbox.advance(payout.razorpay_id, "reversed")
    failed, reversed_ = [
        e for e in sandbox.events if e["event"] in {"payout.failed", "payout.reversed"}
    ]
    gateway = get_gateway()
    seen = []
    real_fetch = gateway.fetch_payout

    def fetch(payout_id):
        seen.append(transaction.get_connection().in_atomic_block)
        return real_fetch(payout_id)

    monkeypatch.setattr(gateway, "fetch_payout", fetch)
    assert deliver(reversed_["body"].encode(), event_id=reversed_["event_id"]).status_code == 200
    assert deliver(failed["body"].encode(), event_id=failed["event_id"]).status_code == 200
    assert seen == [False]  # the stale "failed" after "reversed" asked, outside a transaction
    payout.refresh_from_db()
    assert payout.status == "reversed"
    assert balance(mentor)["available"] == 90000 == wallet_available(mentor)
    assert Payout.objects.get().released_at is not None


# --- twenty concurrent Pay clicks ------------------------------------------------------------


@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
def test_twenty_concurrent_pay_clicks_make_one_order(sandbox, settings):
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "MONEY_THROTTLE_RATE": "1000/min",
    }
    session = make_session(price_paise=49900, max_participants=2)
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    token = jwt_for(booking.learner)
    barrier = threading.Barrier(20)
    statuses: Counter = Counter()
    orders: set = set()
    errors: list = []
    lock = threading.Lock()

    def click():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(f"/api/bookings/{booking.pk}/pay/")
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    orders.add(response.json()["order_id"])
                elif response.status_code >= 500:
                    errors.append(response.content[:300])
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert statuses == Counter({201: 20}), statuses
    assert len(orders) == 1 and len(sandbox.orders()) == 1
    assert Payment.objects.filter(booking=booking).count() == 1
    # And it pays once.
    [order_id] = orders
    callback = sandbox.pay_order(order_id)
    services.verify_checkout(
        learner=booking.learner,
        order_id=order_id,
        payment_id=callback["razorpay_payment_id"],
        signature=callback["razorpay_signature"],
    )
    assert Booking.objects.get(pk=booking.pk).payment_status == "paid"
