"""Correctly signed but malformed webhook bodies (payouts, refunds, payments): every one is a 400,
never a 500, and changes nothing — no event recorded, no row moved, nobody notified."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking
from peerlearn_bookings.testing.factories import future, make_session
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import MentorWallet, Payment, Payout, Refund, WebhookEvent
from peerlearn_payouts.services import request_payout
from peerlearn_payouts.testing.factories import give_earnings, pay_booking

from .conftest import KEYS

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/payouts/razorpay/webhook/"


def post(body: bytes, event_id: str = "evt_malformed"):
    signature = hmac.new(KEYS["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
    return Client().post(
        WEBHOOK,
        body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=signature,
        HTTP_X_RAZORPAY_EVENT_ID=event_id,
    )


def snapshot() -> dict:
    return {
        "events": list(WebhookEvent.objects.values_list("event_id", flat=True)),
        "payouts": list(Payout.objects.order_by("pk").values()),
        "payments": list(Payment.objects.order_by("pk").values()),
        "refunds": list(Refund.objects.order_by("pk").values()),
        "bookings": list(Booking.objects.order_by("pk").values()),
        "wallets": list(
            MentorWallet.objects.order_by("pk").values("earned_paise", "reserved_paise")
        ),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def money(sandbox, django_capture_on_commit_callbacks):
    """A payout in flight, a paid booking with an open order beside it, and a refund pending:
    real ids a malformed body can name."""
    mentor = make_mentor()
    give_earnings(mentor, 100000)
    payout, _ = request_payout(mentor=mentor, amount_paise=30000, upi_id="asha@okaxis")
    session = make_session(
        mentor=mentor, price_paise=20000, max_participants=4, starts_at=future(days=2)
    )
    kept = bookings.book_session(session_id=session.pk, learner=make_learner())
    kept_payment = pay_booking(kept, sandbox)
    gone = bookings.book_session(session_id=session.pk, learner=make_learner())
    gone_payment = pay_booking(gone, sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.cancel_booking(booking_id=gone.pk, learner=gone.learner)
    refund = Refund.objects.get()
    assert refund.status == "pending"
    return {
        "payout": payout.razorpay_id,
        "order": kept_payment.razorpay_order_id,
        "payment": kept_payment.razorpay_payment_id,
        "refund": refund.razorpay_id,
        "refunded_payment": gone_payment.razorpay_payment_id,
    }


def envelope(event: str, name: str, entity) -> dict:
    return {
        "entity": "event",
        "event": event,
        "contains": [name],
        "payload": {name: {"entity": entity}},
    }


def bodies(ids: dict) -> list[bytes]:
    payout = {"id": ids["payout"], "status": "processed", "reference_id": None, "utr": "1"}
    refund = {"id": ids["refund"], "payment_id": ids["refunded_payment"], "status": "processed"}
    payment = {"id": ids["payment"], "order_id": ids["order"]}
    raw = [
        b"",
        b"not json",
        b"[]",
        b'"payout.processed"',
        b"null",
        b"{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"event": "payout.processed", "payload": {}, "x": NaN}',
        b'{"event": "payout.processed", "payload": {"payout": {"entity": {"id": "pout_\\u0000", "status": "processed"}}}}',
        b'{"event": "refund.processed", "note": "\\ud800"}',
    ]
    objects = [
        {"event": 5},
        {"event": ""},
        {"event": None, "payload": {}},
        {"event": "payout." + "x" * 60},
        {"event": "payout.processed"},
        {"event": "payout.processed", "payload": []},
        {"event": "payout.processed", "payload": {"payout": []}},
        {"event": "payout.processed", "payload": {"payout": {"entity": "pout_1"}}},
        {"event": "payout.processed", "payload": {"refund": {"entity": payout}}},
        envelope("payout.processed", "payout", {**payout, "id": None}),
        envelope("payout.processed", "payout", {**payout, "id": 42}),
        envelope("payout.processed", "payout", {**payout, "id": "pout_" + "9" * 80}),
        envelope("payout.processed", "payout", {k: v for k, v in payout.items() if k != "status"}),
        envelope("payout.processed", "payout", {**payout, "status": ["processed"]}),
        envelope(
            "payout.failed", "payout", {**payout, "status": "failed", "status_details": "bad"}
        ),
        envelope(
            "payout.failed",
            "payout",
            {**payout, "status": "failed", "status_details": {"description": 7}},
        ),
        envelope("payout.processed", "payout", {**payout, "utr": 523223155921}),
        envelope("payout.processed", "payout", {**payout, "utr": "9" * 65}),
        envelope("payout.processed", "payout", {**payout, "reference_id": {"id": 1}}),
        envelope("payout.failed", "payout", {**payout, "status": "failed", "failure_reason": 3}),
        envelope(
            "refund.processed", "refund", {k: v for k, v in refund.items() if k != "payment_id"}
        ),
        envelope("refund.processed", "refund", {**refund, "id": None}),
        envelope("refund.processed", "refund", {**refund, "status": 1}),
        envelope("refund.failed", "refund", {**refund, "receipt": ["refund_1"]}),
        envelope("refund.processed", "refund", []),
        {"event": "refund.processed", "payload": {"refund": None}},
        envelope("payment.captured", "payment", {"id": ids["payment"]}),
        envelope("payment.captured", "payment", {**payment, "order_id": 7}),
        envelope("order.paid", "payment", {**payment, "id": ""}),
        {"event": "order.paid", "payload": {"order": {"entity": {"id": ids["order"]}}}},
    ]
    return raw + [json.dumps(o).encode() for o in objects]


def test_every_malformed_signed_body_is_a_400_that_changes_nothing(money):
    before = snapshot()
    for index, body in enumerate(bodies(money)):
        response = post(body, event_id=f"evt_bad_{index}")
        assert response.status_code == 400, (index, body[:120], response.status_code)
        assert "detail" in response.json()
        assert snapshot() == before, (index, body[:120])


def test_the_same_ids_well_formed_do_apply(money, sandbox):
    """The fixture's ids are real: the well-formed twin of a malformed body is applied."""
    sandbox.advance(money["payout"], "processed")
    event = sandbox.events[-1]
    response = post(event["body"].encode(), event_id=event["event_id"])
    assert response.status_code == 200 and response.json()["status"] == "applied"
    assert Payout.objects.get().status == "processed"


def test_unknown_events_and_overlong_event_ids_are_fine(money):
    body = json.dumps({"event": "invoice.paid", "payload": {}}).encode()
    response = post(body, event_id="evt_" + "x" * 300)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert post(body, event_id="evt_" + "x" * 300).json()["status"] == "duplicate"
