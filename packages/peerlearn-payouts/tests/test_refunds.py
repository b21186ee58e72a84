"""Refunds over the real SDK and the loopback sandbox: the cutoff policy, a mentor's cancel, money
that lands on a booking that can no longer take it, failures, timeouts and polling. Each ends with
exactly one refund per payment at the sandbox (by payment id), nothing accrued for a refunded
booking, and balance = earned − live payouts."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking
from peerlearn_bookings.testing.factories import future, make_session, move_start
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import RETURNED_STATUSES, EarningEntry, Payment, Payout, Refund
from peerlearn_payouts.selectors import balance, wallet_available
from peerlearn_payouts.services import (
    reconcile_refunds,
    refund_cancelled_booking,
    refund_cancelled_session,
    release_expired_holds,
    repair_missing_refunds,
    retry_refund,
    submit_refund,
)
from peerlearn_payouts.testing.factories import pay_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``with run():`` executes the on-commit work (signals, receivers, gateway calls) as a
    real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def refunds_at_sandbox(sandbox, payment: Payment) -> list[dict]:
    return sandbox.refunds(payment.razorpay_payment_id)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def assert_books_balance(mentor) -> None:
    live = sum(
        p.amount_paise
        for p in Payout.objects.filter(mentor=mentor)
        if p.status not in RETURNED_STATUSES
    )
    money = balance(mentor)
    assert money["available"] == money["earned"] - live == wallet_available(mentor)


def end_and_complete(session, run) -> None:
    """Time passes until the session is over (cancellations keep their distance to the start),
    then the clock completes it and the ledger accrues."""
    shift = timezone.now() - timedelta(hours=3) - session.starts_at
    Booking.objects.filter(session=session, cancelled_at__isnull=False).update(
        cancelled_at=F("cancelled_at") + shift
    )
    move_start(session, to=session.starts_at + shift)
    with run():
        assert bookings.complete_due_sessions() == [session.pk]


def process(sandbox, payment: Payment, status: str = "processed") -> None:
    """Razorpay finishes the payment's refund; polling (webhooks are off here) brings it home."""
    [remote] = refunds_at_sandbox(sandbox, payment)
    sandbox.advance_refund(remote["id"], status)
    counts = reconcile_refunds()
    assert counts["errors"] == 0


# --- a learner cancels -----------------------------------------------------------------------


def test_learner_cancel_before_the_cutoff_refunds_in_full_once(as_user, sandbox, run):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=49900, starts_at=future(days=2))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    client = as_user(booking.learner)

    quote = client.get(f"/api/bookings/{booking.pk}/refund_quote/").json()
    assert quote["refund"] == "499.00" and quote["full_refund"] is True
    with run():
        assert client.post(f"/api/bookings/{booking.pk}/cancel/").status_code == 200
    with run():  # the second click
        assert client.post(f"/api/bookings/{booking.pk}/cancel/").status_code == 409
    booking.refresh_from_db()
    assert booking.payment_status == "refund_pending"
    [remote] = refunds_at_sandbox(sandbox, payment)
    assert remote["amount"] == 49900 and remote["status"] == "pending"
    assert remote["receipt"] == f"refund_{Refund.objects.get().pk}"
    assert sandbox.payment(payment.razorpay_payment_id)["refund_status"] == "full"
    assert "refund.pending" in kinds(booking.learner)

    process(sandbox, payment)
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.payment_status == "refunded" and payment.status == "refunded"
    assert Refund.objects.get().status == "processed"
    assert "refund.processed" in kinds(booking.learner)
    # The session happens without them: nothing accrued for the refunded seat, still one refund.
    end_and_complete(session, run)
    assert EarningEntry.objects.count() == 0
    assert reconcile_refunds()["repaired"] == 0
    assert len(refunds_at_sandbox(sandbox, payment)) == 1
    assert sandbox.refund_create_calls == 1
    assert_books_balance(mentor)


def test_learner_cancel_after_the_cutoff_refunds_nothing_and_the_mentor_earns_it(
    as_user, sandbox, run
):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=49900, starts_at=future(hours=5))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    client = as_user(booking.learner)

    quote = client.get(f"/api/bookings/{booking.pk}/refund_quote/").json()
    assert quote["refund"] == "0.00" and quote["full_refund"] is False
    with run():
        assert client.post(f"/api/bookings/{booking.pk}/cancel/").status_code == 200
    booking.refresh_from_db()
    assert booking.cancelled_at and booking.payment_status == "paid"
    assert refunds_at_sandbox(sandbox, payment) == [] and Refund.objects.count() == 0
    assert "refund.none" in kinds(booking.learner)
    assert reconcile_refunds() == {"repaired": 0, "checked": 0, "changed": 0, "errors": 0}

    end_and_complete(session, run)
    [entry] = EarningEntry.objects.all()
    assert entry.booking_id == booking.pk and entry.net_paise == 44910
    assert sandbox.refund_create_calls == 0
    assert_books_balance(mentor)


def test_a_late_cancel_stays_unrefunded_when_the_mentor_later_moves_the_session(
    as_user, sandbox, run
):
    """The learner was told "not refunded" against the start as it was when they cancelled; a
    later reschedule moves the cutoff, but never turns that answer into a refund."""
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=49900, starts_at=future(hours=5))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    with run():
        assert (
            as_user(booking.learner).post(f"/api/bookings/{booking.pk}/cancel/").status_code == 200
        )
    assert "refund.none" in kinds(booking.learner)

    with run():
        bookings.update_session(session_id=session.pk, mentor=mentor, starts_at=future(days=3))
    session.refresh_from_db()
    booking.refresh_from_db()
    # Against the new start the cancel would be before the cutoff: the repair must not refund it.
    assert booking.cancelled_at < session.starts_at - timedelta(hours=24)
    with run():
        assert reconcile_refunds()["repaired"] == 0
    assert refunds_at_sandbox(sandbox, payment) == [] and Refund.objects.count() == 0

    end_and_complete(session, run)
    [entry] = EarningEntry.objects.all()
    assert entry.booking_id == booking.pk and entry.net_paise == 44910
    assert_books_balance(mentor)


def test_refund_quote_is_the_learners_own(as_user, sandbox):
    session = make_session(price_paise=20000)
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    url = f"/api/bookings/{booking.pk}/refund_quote/"
    unpaid = as_user(booking.learner).get(url).json()
    assert unpaid["refund"] == "0.00" and unpaid["paid"] == "0.00"
    assert as_user(make_learner()).get(url).status_code == 403
    assert as_user(make_mentor()).get(url).status_code == 403
    assert as_user(booking.learner).get("/api/bookings/999999/refund_quote/").status_code == 404


# --- the mentor cancels ----------------------------------------------------------------------


def test_mentor_cancel_refunds_every_paid_seat_once_even_clicked_twice(as_user, sandbox, run):
    mentor = make_mentor()
    session = make_session(
        mentor=mentor, price_paise=30000, max_participants=6, starts_at=future(hours=6)
    )
    paid = [bookings.book_session(session_id=session.pk, learner=make_learner()) for _ in range(3)]
    payments = [pay_booking(b, sandbox) for b in paid]
    # One paid learner already cancelled too late for a refund: the session not happening
    # refunds them too. One learner has an order open but has not paid.
    with run():
        bookings.cancel_booking(booking_id=paid[0].pk, learner=paid[0].learner)
    unpaid = bookings.book_session(session_id=session.pk, learner=make_learner())
    open_order = as_user(unpaid.learner).post(f"/api/bookings/{unpaid.pk}/pay/").json()
    assert sandbox.refund_create_calls == 0

    client = as_user(mentor)
    with run():
        assert client.post(f"/api/sessions/{session.pk}/cancel/").status_code == 200
    with run():
        assert client.post(f"/api/sessions/{session.pk}/cancel/").status_code == 409
    # The receiver running again, and the repair job, change nothing.
    with run():
        assert refund_cancelled_session(session_id=session.pk) == []
        assert repair_missing_refunds() == 0
    for booking, payment in zip(paid, payments, strict=True):
        [remote] = refunds_at_sandbox(sandbox, payment)
        assert remote["amount"] == 30000
        booking.refresh_from_db()
        assert booking.payment_status == "refund_pending"
    assert Payment.objects.get(razorpay_order_id=open_order["order_id"]).status == "expired"
    assert as_user(unpaid.learner).post(f"/api/bookings/{unpaid.pk}/pay/").status_code == 409

    for payment in payments:
        process(sandbox, payment)
    for booking in paid:
        booking.refresh_from_db()
        assert booking.payment_status == "refunded"
        assert "refund.processed" in kinds(booking.learner)
    assert sandbox.refund_create_calls == 3 == Refund.objects.count()
    assert EarningEntry.objects.count() == 0
    assert_books_balance(mentor)


# --- money that lands where no seat takes it -------------------------------------------------


def test_payment_after_the_hold_was_released_and_the_seat_resold_is_refunded(as_user, sandbox, run):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=25000, max_participants=1)
    slow = bookings.book_session(session_id=session.pk, learner=make_learner())
    order = as_user(slow.learner).post(f"/api/bookings/{slow.pk}/pay/").json()
    Booking.objects.filter(pk=slow.pk).update(booked_at=timezone.now() - timedelta(minutes=16))
    with run():
        assert release_expired_holds() == [slow.pk]
    assert Payment.objects.get(razorpay_order_id=order["order_id"]).status == "expired"
    fast = bookings.book_session(session_id=session.pk, learner=make_learner())  # seat resold
    pay_booking(fast, sandbox)

    callback = sandbox.pay_order(order["order_id"])  # the slow learner's bank finally answers
    with run():
        response = as_user(slow.learner).post("/api/payments/verify/", callback, format="json")
    assert response.status_code == 200 and response.json()["payment_status"] == "refund_pending"
    late = Payment.objects.get(razorpay_order_id=order["order_id"])
    assert late.status == "paid"
    [remote] = refunds_at_sandbox(sandbox, late)
    assert remote["amount"] == 25000
    assert Refund.objects.get().reason == "late_payment"
    assert "refund.pending" in kinds(slow.learner)
    # Verifying again (or the webhook) does not refund twice.
    with run():
        assert (
            as_user(slow.learner).post("/api/payments/verify/", callback, format="json").status_code
            == 200
        )
    process(sandbox, late)
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert slow.payment_status == "refunded" and slow.cancelled_at is not None
    assert fast.payment_status == "paid" and fast.cancelled_at is None
    session.refresh_from_db()
    assert session.booked_count == 1
    end_and_complete(session, run)
    assert list(EarningEntry.objects.values_list("booking_id", flat=True)) == [fast.pk]
    assert len(refunds_at_sandbox(sandbox, late)) == 1
    assert_books_balance(mentor)


def test_payment_for_a_cancelled_booking_or_session_is_refunded(as_user, sandbox, run):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=15000, max_participants=4)
    gone = bookings.book_session(session_id=session.pk, learner=make_learner())
    gone_order = as_user(gone.learner).post(f"/api/bookings/{gone.pk}/pay/").json()
    with run():
        bookings.cancel_booking(booking_id=gone.pk, learner=gone.learner)
    assert Payment.objects.get(razorpay_order_id=gone_order["order_id"]).status == "expired"
    staying = bookings.book_session(session_id=session.pk, learner=make_learner())
    staying_order = as_user(staying.learner).post(f"/api/bookings/{staying.pk}/pay/").json()
    with run():
        bookings.cancel_session(session_id=session.pk, mentor=mentor)

    for booking, order in ((gone, gone_order), (staying, staying_order)):
        callback = sandbox.pay_order(order["order_id"])
        with run():
            response = as_user(booking.learner).post(
                "/api/payments/verify/", callback, format="json"
            )
        assert response.json()["payment_status"] == "refund_pending"
        payment = Payment.objects.get(razorpay_order_id=order["order_id"])
        assert len(refunds_at_sandbox(sandbox, payment)) == 1
        process(sandbox, payment)
        booking.refresh_from_db()
        assert booking.payment_status == "refunded"
    assert sandbox.refund_create_calls == 2
    assert EarningEntry.objects.count() == 0


# --- failures, timeouts and polling ----------------------------------------------------------


@pytest.fixture
def cancelled_paid(as_user, sandbox, run):
    """A paid booking cancelled two days ahead, its refund not yet sent (the test sends it)."""
    session = make_session(price_paise=40000, starts_at=future(days=2))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    bookings.cancel_booking(booking_id=booking.pk, learner=booking.learner)
    return booking, payment


def test_refund_failure_keeps_the_booking_paid_and_support_can_retry(cancelled_paid, sandbox, run):
    booking, payment = cancelled_paid
    with run():
        refund_cancelled_booking(booking_id=booking.pk)
    process(sandbox, payment, "failed")
    refund = Refund.objects.get()
    booking.refresh_from_db()
    assert refund.status == "failed" and refund.failure_reason
    assert booking.payment_status == "paid"
    assert "refund.failed" in kinds(booking.learner)
    assert sandbox.payment(payment.razorpay_payment_id)["amount_refunded"] == 0
    assert reconcile_refunds()["checked"] == 0  # failed is final: support staff decide

    with run():
        retry_refund(refund_id=refund.pk)
    remote = refunds_at_sandbox(sandbox, payment)
    assert [r["status"] for r in remote] == ["failed", "pending"]
    sandbox.advance_refund(remote[1]["id"], "processed")
    reconcile_refunds()
    booking.refresh_from_db()
    assert booking.payment_status == "refunded"
    assert Refund.objects.get().razorpay_id == remote[1]["id"]


@pytest.mark.parametrize(
    ("kind", "processed"),
    [("timeout", True), ("timeout", False), ("5xx", False), ("5xx", True)],
)
def test_a_refund_that_timed_out_is_retried_with_its_key_and_made_once(
    cancelled_paid, sandbox, kind, processed
):
    booking, payment = cancelled_paid
    sandbox.inject_fault(kind, path="/v1/payments/", process=processed, delay=0.3)
    refund_cancelled_booking(booking_id=booking.pk)  # on-commit not run: send it ourselves
    submit_refund(refund_id=Refund.objects.get().pk)
    refund = Refund.objects.get()
    assert refund.status == "created" and refund.last_error and refund.attempts == 1
    assert len(refunds_at_sandbox(sandbox, payment)) == (1 if processed else 0)

    counts = reconcile_refunds()
    assert counts["changed"] == 1
    refund.refresh_from_db()
    assert refund.status == "pending" and refund.razorpay_id and refund.attempts == 2
    assert len(refunds_at_sandbox(sandbox, payment)) == 1
    assert sandbox.refund_create_calls == 1
    process(sandbox, payment)
    booking.refresh_from_db()
    assert booking.payment_status == "refunded"


def test_a_refund_razorpay_already_holds_is_adopted_not_failed(cancelled_paid, sandbox):
    """The first attempt's answer was lost and its key is unknown to Razorpay now: the payment
    reads "fully refunded already"; we find our refund by its receipt rather than failing."""
    import razorpay

    booking, payment = cancelled_paid
    refund_cancelled_booking(booking_id=booking.pk)
    refund = Refund.objects.get()
    client = razorpay.Client(auth=(sandbox.key_id, sandbox.key_secret), base_url=sandbox.url)
    made = client.payment.refund(
        payment.razorpay_payment_id, {"amount": 40000, "receipt": f"refund_{refund.pk}"}
    )
    submit_refund(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == "pending" and refund.razorpay_id == made["id"]
    assert len(refunds_at_sandbox(sandbox, payment)) == 1


def test_reconciliation_alone_converges_and_repairs_a_missed_receiver(cancelled_paid, sandbox):
    booking, payment = cancelled_paid
    # The cancel committed but its receiver never ran (a crash): the repair writes the refund.
    counts = reconcile_refunds()
    assert counts["repaired"] == 1 and counts["checked"] == 1
    assert len(refunds_at_sandbox(sandbox, payment)) == 1
    booking.refresh_from_db()
    assert booking.payment_status == "refund_pending"
    assert reconcile_refunds() == {"repaired": 0, "checked": 1, "changed": 0, "errors": 0}
    process(sandbox, payment)
    booking.refresh_from_db()
    assert booking.payment_status == "refunded"
    assert reconcile_refunds()["checked"] == 0
    assert len(refunds_at_sandbox(sandbox, payment)) == 1


def test_a_gateway_outage_while_polling_changes_nothing(cancelled_paid, sandbox):
    _booking, payment = cancelled_paid
    reconcile_refunds()
    sandbox.inject_fault("5xx", method="GET", path="/v1/refunds/")
    counts = reconcile_refunds()
    assert counts["errors"] == 1 and Refund.objects.get().last_error
    process(sandbox, payment)
    assert Refund.objects.get().status == "processed"
