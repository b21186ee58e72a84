"""Signed webhooks over real HTTP from the sandbox to a live server, and 1,000 randomized trials
of faults, duplicate clicks, concurrency and duplicated/shuffled deliveries."""

import os
import random
import threading

import pytest
from django.db import connection

from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_mentor
from peerlearn_payouts.models import RETURNED_STATUSES, Payout, WebhookEvent
from peerlearn_payouts.selectors import balance, wallet_available
from peerlearn_payouts.services import reconcile_payouts, request_payout
from peerlearn_payouts.testing.factories import give_earnings

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hooked(sandbox, live_server):
    sandbox.set_webhooks(url=f"{live_server.url}/api/payouts/razorpay/webhook/", enabled=True)
    return sandbox


def test_signed_webhooks_drive_the_status_and_notify(hooked):
    mentor = make_mentor()
    give_earnings(mentor, 100000)
    payout, _ = request_payout(mentor=mentor, amount_paise=30000, upi_id="asha@okaxis")
    assert hooked.flush_webhooks(10)
    hooked.advance(payout.razorpay_id, "processed")
    assert hooked.flush_webhooks(10)
    payout.refresh_from_db()
    assert payout.status == "processed" and payout.utr
    assert Notification.objects.filter(user=mentor, kind="payout.processed").count() == 1
    assert all(d["ok"] for d in hooked.deliveries)
    # Redelivery of the same event id is recognised and changes nothing.
    event_id = hooked.deliveries[-1]["event_id"]
    hooked.redeliver(event_id)
    assert hooked.flush_webhooks(10)
    assert WebhookEvent.objects.filter(event_id=event_id).count() == 1
    assert Notification.objects.filter(user=mentor, kind="payout.processed").count() == 1
    # Reversal after processed returns the money exactly once.
    hooked.advance(payout.razorpay_id, "reversed", reason="beneficiary_bank_offline")
    hooked.redeliver(event_id)
    assert hooked.flush_webhooks(10)
    payout.refresh_from_db()
    assert payout.status == "reversed" and payout.released_at is not None
    assert balance(mentor)["available"] == 90000 == wallet_available(mentor)


def _sandbox_status(sandbox, payout):
    remote = [p for p in sandbox.payouts() if p.get("reference_id") == f"payout_{payout.pk}"]
    return remote


def _click(mentor, amount, key, results):
    try:
        results.append(
            request_payout(
                mentor=mentor, amount_paise=amount, upi_id="trial.mentor@okicici", client_key=key
            )[0].pk
        )
    except Exception as exc:
        results.append(exc)
    finally:
        connection.close()


PATHS = {
    "processed": ["processed"],
    "failed": ["failed"],
    "reversed_after_processed": ["processed", "reversed"],
    "reversed": ["reversed"],
}
FAULTS = [None, None, "timeout", "timeout_unprocessed", "5xx", "5xx_processed"]
WEBHOOKS = ["on", "duplicate", "shuffle", "duplicate_shuffle", "off"]
TRIALS = int(os.environ.get("PAYOUT_TRIALS", "1000"))


@pytest.mark.trials
@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
def test_thousand_randomized_trials(sandbox, live_server):
    rng = random.Random(20261125)
    url = f"{live_server.url}/api/payouts/razorpay/webhook/"
    mentors = [make_mentor() for _ in range(10)]
    for mentor in mentors:
        give_earnings(mentor, 10_000_000)
    stats = {"faults": 0, "payouts": 0, "reconciled_in_two": 0, "bad_signatures": 0}

    for trial in range(TRIALS):
        mentor = rng.choice(mentors)
        mode = rng.choice(WEBHOOKS)
        sandbox.set_webhooks(
            url=url, enabled=mode != "off", duplicate="duplicate" in mode, shuffle="shuffle" in mode
        )
        fault = rng.choice(FAULTS)
        if fault:
            stats["faults"] += 1
            kind, _, processed = fault.partition("_")
            sandbox.inject_fault(
                kind,
                path="/v1/payouts",
                process={"": None, "processed": True, "unprocessed": False}[processed],
                delay=0.2 if kind == "timeout" else None,
            )
        amount = rng.randrange(100, 50_000)
        key = f"trial-{trial}"
        clicks = rng.choice([1, 1, 2, 3])
        results: list = []
        if clicks > 1 and rng.random() < 0.5:
            threads = [
                threading.Thread(target=_click, args=(mentor, amount, key, results))
                for _ in range(clicks)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        else:
            for _ in range(clicks):
                _click(mentor, amount, key, results)
        ids = {r for r in results if isinstance(r, int)}
        assert len(ids) == 1, (trial, results)
        payout = Payout.objects.get(pk=ids.pop())
        stats["payouts"] += 1
        sandbox.clear_faults()

        if payout.status == "created":
            reconcile_payouts(payout_ids=[payout.pk])  # the retry with the same key
            payout.refresh_from_db()
        remote = _sandbox_status(sandbox, payout)
        assert len(remote) <= 1, f"duplicate payout at the sandbox in trial {trial}"
        if not remote:
            # The create never reached Razorpay (unprocessed fault): the retry made it.
            reconcile_payouts(payout_ids=[payout.pk])
            remote = _sandbox_status(sandbox, payout)
        assert len(remote) == 1, (trial, fault, payout.status)
        path = rng.choice(list(PATHS))
        for status in PATHS[path]:
            sandbox.advance(remote[0]["id"], status)
        if trial % 50 == 0:
            # A forged delivery changes nothing.
            from django.test import Client

            response = Client().post(
                "/api/payouts/razorpay/webhook/",
                b'{"event":"payout.failed","payload":{}}',
                content_type="application/json",
                HTTP_X_RAZORPAY_SIGNATURE="f" * 64,
            )
            assert response.status_code == 400
            stats["bad_signatures"] += 1
        assert sandbox.flush_webhooks(15)
        final_remote = sandbox.payout(remote[0]["id"])["status"]
        payout.refresh_from_db()
        if mode == "off":
            # No webhooks: polling alone converges within two runs.
            for _ in range(2):
                if payout.status == final_remote:
                    break
                reconcile_payouts(payout_ids=[payout.pk])
                payout.refresh_from_db()
            stats["reconciled_in_two"] += 1
        assert payout.status == final_remote, (trial, mode, fault, path, payout.status)
        live = sum(
            p.amount_paise
            for p in Payout.objects.filter(mentor=mentor)
            if p.status not in RETURNED_STATUSES
        )
        earned = balance(mentor)["earned"]
        assert balance(mentor)["available"] == earned - live == wallet_available(mentor), trial

    # Zero duplicates at the sandbox across every trial.
    references = [p["reference_id"] for p in sandbox.payouts()]
    assert len(references) == len(set(references)) == stats["payouts"] == TRIALS
    print(stats)


def test_payment_webhooks_mark_paid_once(hooked):
    from peerlearn_bookings import services as bookings
    from peerlearn_bookings.testing.factories import make_session
    from peerlearn_core.testing.factories import make_learner
    from peerlearn_payouts.services import create_order

    session = make_session(mentor=make_mentor(), price_paise=33333)
    learner = make_learner()
    booking = bookings.book_session(session_id=session.pk, learner=learner)
    payment = create_order(booking_id=booking.pk, learner=learner)
    hooked.set_webhooks(duplicate=True, shuffle=True)
    hooked.pay_order(payment.razorpay_order_id)  # the learner closed the tab: webhooks only
    assert hooked.flush_webhooks(10)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.payment_status == "paid" and payment.status == "paid"
    assert learner.notifications.filter(kind="payment.paid").count() == 1
    assert {d["event"] for d in hooked.deliveries} >= {"payment.captured", "order.paid"}
