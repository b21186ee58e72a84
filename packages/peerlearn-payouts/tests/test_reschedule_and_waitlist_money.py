"""Money of issue 9 parts 4 and 5: a learner who declines the mentor's new time is refunded in
full whatever the cutoff (exactly one refund at the sandbox, by payment id), nothing accrued for
it; a waitlisted learner promoted into a priced seat holds it SEAT_HOLD_MINUTES, and an unpaid
promotion released by the hold passes to the next."""

from datetime import timedelta

import pytest
from django.utils import timezone

from peerlearn_bookings import services as bookings
from peerlearn_bookings.models import Booking, WaitlistEntry
from peerlearn_bookings.testing.factories import future, make_session
from peerlearn_core.models import Notification
from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import EarningEntry, Refund
from peerlearn_payouts.services import reconcile_refunds, release_expired_holds
from peerlearn_payouts.testing.factories import pay_booking

from .test_refunds import assert_books_balance, end_and_complete, process, refunds_at_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


@pytest.mark.parametrize("hours_to_new_start", [5, 80], ids=["after-cutoff", "before-cutoff"])
def test_declining_the_new_time_refunds_in_full_once_whatever_the_cutoff(
    as_user, sandbox, run, hours_to_new_start
):
    mentor = make_mentor()
    session = make_session(mentor=mentor, price_paise=49900, starts_at=future(days=3))
    keeper = bookings.book_session(session_id=session.pk, learner=make_learner())
    decliner = bookings.book_session(session_id=session.pk, learner=make_learner())
    keeper_payment = pay_booking(keeper, sandbox)
    payment = pay_booking(decliner, sandbox)

    with run():
        response = as_user(mentor).patch(
            f"/api/sessions/{session.pk}/",
            {"starts_at": future(hours=hours_to_new_start).isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.content
    client = as_user(decliner.learner)
    quote = client.get(f"/api/bookings/{decliner.pk}/refund_quote/").json()
    assert quote["full_refund"] is True and quote["refund"] == "499.00"

    with run():
        response = client.post(
            f"/api/bookings/{decliner.pk}/reconfirm/", {"accept": False}, format="json"
        )
    assert response.status_code == 200, response.content
    with run():  # the second click
        again = client.post(
            f"/api/bookings/{decliner.pk}/reconfirm/", {"accept": False}, format="json"
        )
    assert again.status_code == 409
    with run():
        keep = as_user(keeper.learner).post(
            f"/api/bookings/{keeper.pk}/reconfirm/", {"accept": True}, format="json"
        )
    assert keep.status_code == 200

    decliner.refresh_from_db()
    assert decliner.cancel_reason == "reschedule_declined"
    assert decliner.payment_status == "refund_pending"
    [remote] = refunds_at_sandbox(sandbox, payment)
    assert remote["amount"] == 49900
    assert Refund.objects.get().reason == "reschedule_declined"
    assert "refund.pending" in kinds(decliner.learner)
    assert "refund.none" not in kinds(decliner.learner)
    process(sandbox, payment)
    decliner.refresh_from_db()
    assert decliner.payment_status == "refunded"

    # The session happens: the keeper's seat accrues, the declined one never does.
    end_and_complete(session, run)
    assert list(EarningEntry.objects.values_list("booking_id", flat=True)) == [keeper.pk]
    assert reconcile_refunds()["repaired"] == 0
    assert len(refunds_at_sandbox(sandbox, payment)) == 1
    assert refunds_at_sandbox(sandbox, keeper_payment) == []
    assert sandbox.refund_create_calls == 1
    assert_books_balance(mentor)


def test_cancelling_while_asked_to_reconfirm_is_a_full_refund_after_the_cutoff(
    as_user, sandbox, run
):
    session = make_session(price_paise=30000, starts_at=future(days=3))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    bookings.update_session(session_id=session.pk, mentor=session.mentor, starts_at=future(hours=4))
    with run():
        response = as_user(booking.learner).post(f"/api/bookings/{booking.pk}/cancel/")
    assert response.status_code == 200
    [remote] = refunds_at_sandbox(sandbox, payment)
    assert remote["amount"] == 30000
    booking.refresh_from_db()
    assert booking.payment_status == "refund_pending"


def test_repair_owes_a_declined_new_time_even_after_the_cutoff(sandbox, run):
    """The receiver never ran (a crash after commit): reconciliation writes the refund."""
    session = make_session(price_paise=30000, starts_at=future(days=3))
    booking = bookings.book_session(session_id=session.pk, learner=make_learner())
    payment = pay_booking(booking, sandbox)
    bookings.update_session(session_id=session.pk, mentor=session.mentor, starts_at=future(hours=4))
    bookings.reconfirm_booking(booking_id=booking.pk, learner=booking.learner, accept=False)
    assert Refund.objects.count() == 0  # on-commit work was not run
    with run():
        assert reconcile_refunds()["repaired"] == 1
    assert len(refunds_at_sandbox(sandbox, payment)) == 1


def test_unpaid_promotion_released_by_the_hold_passes_to_the_next_who_pays(sandbox, run):
    session = make_session(price_paise=25000, max_participants=1, starts_at=future(days=3))
    holder = bookings.book_session(session_id=session.pk, learner=make_learner())
    first, second = make_learner(), make_learner()
    for learner in (first, second):
        bookings.join_waitlist(session_id=session.pk, learner=learner)

    # The first seat's hold runs out: the first waitlisted learner is promoted with a new hold.
    Booking.objects.filter(pk=holder.pk).update(booked_at=timezone.now() - timedelta(hours=1))
    with run():
        assert release_expired_holds() == [holder.pk]
    promoted = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert promoted.learner == first and promoted.payment_status == "pending"
    with run():
        assert release_expired_holds() == []  # a fresh hold is not released

    # They never pay: the hold passes the seat to the next, who pays.
    Booking.objects.filter(pk=promoted.pk).update(booked_at=timezone.now() - timedelta(hours=1))
    with run():
        assert release_expired_holds() == [promoted.pk]
    nxt = Booking.objects.get(session=session, cancelled_at__isnull=True)
    assert nxt.learner == second
    payment = pay_booking(nxt, sandbox)
    nxt.refresh_from_db()
    assert nxt.payment_status == "paid" and payment.status == "paid"
    session.refresh_from_db()
    assert session.booked_count == 1
    assert WaitlistEntry.objects.count() == 0
    assert "waitlist.promoted" in kinds(first) and "booking.released" in kinds(first)
