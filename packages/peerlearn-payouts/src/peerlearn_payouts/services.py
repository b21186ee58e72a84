"""Every money movement of PeerLearn. Each runs in one transaction; calls to Razorpay happen
outside transactions, carry idempotency keys and time out.

Lock order, everywhere: session → booking → payment (→ refund). Bookings' ``lock_booking`` takes
the first two; payments are locked after it. See the package README.
"""

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from peerlearn_bookings import selectors as booking_selectors
from peerlearn_bookings import services as booking_services
from peerlearn_bookings.models import Booking, CancelReason, PaymentStatus, SessionStatus
from peerlearn_core.exceptions import Conflict, DomainError, NotAllowed
from peerlearn_core.money import display as display_money
from peerlearn_core.money import percent_of
from peerlearn_core.services import notify, push_badges

from .app_settings import payout_settings
from .gateway import GatewayError, get_gateway, is_valid_vpa
from .models import (
    OPEN_PAYOUT_STATUSES,
    OPEN_REFUND_STATUSES,
    RETURNED_STATUSES,
    EarningEntry,
    LateCancellation,
    MentorWallet,
    Payment,
    Payout,
    PayoutStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)

logger = logging.getLogger(__name__)
S = PayoutStatus
R = RefundStatus


class BadSignature(DomainError):
    status_code = 400
    default_code = "bad_signature"


class MalformedWebhook(DomainError):
    """Correctly signed, but not a body we can read: 400, and nothing is recorded or changed."""

    status_code = 400
    default_code = "malformed_webhook"


# --- earnings ledger -------------------------------------------------------------------------


def _wallet(mentor_id: int) -> None:
    MentorWallet.objects.get_or_create(mentor_id=mentor_id)


def _accruable_bookings(session_id: int):
    """The session's paid bookings not yet credited: the active ones and those a learner cancelled
    after the refund cutoff (no refund: the seat was held for them, so the mentor earns it). A
    booking cancelled before the cutoff, or whose payment is being (or was) refunded, is never
    credited: every paid booking ends exactly one way, accrued once or refunded once."""
    refunded = Refund.objects.filter(booking=OuterRef("pk")).exclude(
        reason=Refund.Reason.DUPLICATE_PAYMENT
    )
    cutoff = F("session__starts_at") - timedelta(hours=payout_settings.REFUND_CUTOFF_HOURS)
    return (
        Booking.objects.filter(
            # A late cancel is judged against the start when it happened (LateCancellation);
            # without that record (its receiver never ran), against the start now.
            Q(cancelled_at__isnull=True)
            | Q(late_cancellation__isnull=False)
            | Q(cancelled_at__gte=cutoff),
            session_id=session_id,
            payment_status=PaymentStatus.PAID,
            amount_paise__gt=0,
            earning__isnull=True,
        )
        .exclude(Exists(refunded))
        # Declining a new time is refunded whatever the cutoff: never the mentor's.
        .exclude(cancelled_at__isnull=False, cancel_reason=CancelReason.RESCHEDULE_DECLINED)
        .select_related("session", "session__mentor")
        .order_by("pk")
    )


def accrue_session_earnings(*, session_id: int) -> int:
    """Credit the mentor with every paid booking of a completed session, exactly once per booking
    (the unique booking on EarningEntry decides, even when two accruals race). Returns the paise
    credited by this call."""
    credited = 0
    with transaction.atomic():
        bookings = list(_accruable_bookings(session_id))
        if not bookings or bookings[0].session.status != SessionStatus.COMPLETED:
            return 0
        session = bookings[0].session
        _wallet(session.mentor_id)
        for booking in bookings:
            commission = percent_of(booking.amount_paise, payout_settings.COMMISSION_PERCENT)
            try:
                with transaction.atomic():
                    EarningEntry.objects.create(
                        mentor_id=session.mentor_id,
                        booking=booking,
                        session=session,
                        gross_paise=booking.amount_paise,
                        commission_paise=commission,
                        net_paise=booking.amount_paise - commission,
                    )
            except IntegrityError:
                continue  # already accrued by a concurrent run
            credited += booking.amount_paise - commission
        if credited:
            MentorWallet.objects.filter(mentor_id=session.mentor_id).update(
                earned_paise=F("earned_paise") + credited
            )
            notify(
                user=session.mentor,
                kind="earnings.accrued",
                title="Earnings added",
                body=f"{display_money(credited)} from “{session.title}” is now available.",
                data={"session_id": session.pk},
            )
    return credited


def accrue_missing_earnings() -> int:
    """Repair: accrue every completed session whose receiver never ran (e.g. a crash)."""
    return sum(
        accrue_session_earnings(session_id=sid) for sid in booking_selectors.completed_session_ids()
    )


# --- learner payments ------------------------------------------------------------------------


def _order_grace() -> timedelta:
    """How long a click waits for another click's order, and after which an order row that never
    got its Razorpay id (the process died mid-call) stops blocking the booking."""
    return timedelta(seconds=2 * float(payout_settings.TIMEOUT) + 5)


def _require_payable(booking: Booking, learner) -> None:
    if booking.learner_id != learner.pk:
        raise NotAllowed("This is not your booking.")
    if booking.cancelled_at is not None:
        raise Conflict("This booking was cancelled.", code="booking_cancelled")
    if booking.payment_status != PaymentStatus.PENDING:
        raise Conflict(f"This booking is {booking.payment_status}.", code="not_payable")
    if booking.session.status != SessionStatus.SCHEDULED:
        raise Conflict(f"The session is {booking.session.status}.", code="session_closed")


def create_order(*, booking_id: int, learner) -> Payment:
    """One open order per booking, however many clicks arrive at once. The payment row is
    claimed first (session → booking locked, and a partial unique constraint on the booking's
    ``created`` payments as the database's last word); Razorpay is asked after the commit, and
    every other click answers with that same order."""
    with transaction.atomic():
        booking = booking_services.lock_booking(booking_id)
        _require_payable(booking, learner)
        open_payment = Payment.objects.select_for_update().filter(
            booking=booking, status=Payment.Status.CREATED
        )
        current = open_payment.first()
        if current is not None and (
            current.razorpay_order_id or current.created_at > timezone.now() - _order_grace()
        ):
            mine = None
        else:
            if current is not None:  # a claim whose process died before Razorpay answered
                open_payment.update(status=Payment.Status.FAILED)
            try:
                with transaction.atomic():
                    mine = Payment.objects.create(
                        booking=booking, learner=learner, amount_paise=booking.amount_paise
                    )
            except IntegrityError:
                mine, current = None, open_payment.first()
    if mine is None:
        return _wait_for_order(current.pk)
    try:
        order = get_gateway().create_order(
            amount_paise=mine.amount_paise,
            receipt=f"booking_{booking.pk}_{mine.pk}",
            notes={
                "booking_id": str(booking.pk),
                "session_id": str(booking.session_id),
                "payment_id": str(mine.pk),
            },
        )
    except GatewayError as exc:
        # Free the claim: the next click asks again (an order Razorpay made anyway is never
        # paid, so it costs nothing).
        Payment.objects.filter(
            pk=mine.pk, status=Payment.Status.CREATED, razorpay_order_id__isnull=True
        ).update(status=Payment.Status.FAILED)
        raise Conflict(
            "The payment service is not answering. Try again.", code="gateway_unavailable"
        ) from exc
    # Stored whatever happened meanwhile: a payment of this order must always find its row.
    Payment.objects.filter(pk=mine.pk).update(razorpay_order_id=order.id)
    mine.refresh_from_db()
    if mine.status != Payment.Status.CREATED:
        raise Conflict("This booking was cancelled.", code="booking_cancelled")
    return mine


def _wait_for_order(payment_id: int) -> Payment:
    """Another click holds the booking's open order: answer with it, once Razorpay gave it."""
    deadline = time.monotonic() + _order_grace().total_seconds()
    delay = 0.02
    while True:
        payment = Payment.objects.get(pk=payment_id)
        if payment.razorpay_order_id and payment.status == Payment.Status.CREATED:
            return payment
        if payment.status == Payment.Status.EXPIRED:
            raise Conflict("This booking was cancelled.", code="booking_cancelled")
        if payment.status != Payment.Status.CREATED:
            raise Conflict(
                "The payment service is not answering. Try again.", code="gateway_unavailable"
            )
        if time.monotonic() >= deadline:
            raise Conflict("Your order is still being prepared. Try again.", code="order_pending")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _expire_open_orders(booking: Booking) -> None:
    """Inside the booking's lock: its open orders can no longer be paid into a seat."""
    Payment.objects.filter(booking=booking, status=Payment.Status.CREATED).update(
        status=Payment.Status.EXPIRED
    )


@transaction.atomic
def mark_payment_paid(*, order_id: str, payment_id: str) -> Payment | None:
    """Idempotent: Checkout's callback and the payment.captured / order.paid webhooks all land
    here, in any order and any number of times. Money that arrives for a booking that can no
    longer take it (cancelled, released, the session cancelled, or already paid by another
    order) is refunded automatically and the learner told."""
    row = Payment.objects.filter(razorpay_order_id=order_id).values("pk", "booking_id").first()
    if row is None:
        logger.warning("payment for unknown order %s", order_id)
        return None
    booking = booking_services.lock_booking(row["booking_id"])  # session → booking → payment
    payment = Payment.objects.select_for_update().get(pk=row["pk"])
    if payment.status in (Payment.Status.PAID, Payment.Status.REFUNDED):
        return payment
    payment.status = Payment.Status.PAID
    payment.razorpay_payment_id = payment_id
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "razorpay_payment_id", "paid_at"])
    session = booking.session
    takes_it = (
        booking.is_active
        and booking.payment_status == PaymentStatus.PENDING
        and session.status != SessionStatus.CANCELLED
    )
    if takes_it:
        booking_services.record_payment(booking_id=booking.pk, payment_status=PaymentStatus.PAID)
        notify(
            user=payment.learner,
            kind="payment.paid",
            title="Payment received",
            body=f"{display_money(payment.amount_paise)} paid — your seat is confirmed.",
            data={"booking_id": booking.pk},
        )
        if session.status == SessionStatus.COMPLETED:
            # Paid after the session ended: it counts, and the ledger picks it up now.
            transaction.on_commit(
                lambda: accrue_session_earnings(session_id=session.pk), robust=True
            )
        return payment
    settles = booking.payment_status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
    reason = Refund.Reason.LATE_PAYMENT if settles else Refund.Reason.DUPLICATE_PAYMENT
    refund = _open_refund(payment=payment, booking=booking, reason=reason)
    if refund:
        if not settles:
            why = "this seat was already paid for"
        elif session.status == SessionStatus.CANCELLED:
            why = "the session was cancelled"
        else:
            why = "the booking was no longer held"
        notify(
            user=payment.learner,
            kind="refund.pending",
            title="Payment refunded automatically",
            body=f"{display_money(payment.amount_paise)} for “{session.title}” arrived when {why}, "
            "so it is on its way back to you.",
            data={"booking_id": booking.pk, "refund_id": refund.pk},
        )
    return payment


def verify_checkout(*, learner, order_id: str, payment_id: str, signature: str) -> Booking:
    """Checkout's signed result. ``learner`` None is Checkout's own callback POST, which carries
    no session cookie cross-site: the signature alone proves Razorpay settled our order."""
    payment = Payment.objects.select_related("booking").filter(razorpay_order_id=order_id).first()
    if payment is None:
        raise DomainError("Unknown order.", field="razorpay_order_id", code="unknown_order")
    if learner is not None and payment.learner_id != learner.pk:
        raise NotAllowed("This is not your payment.")
    # The order id we stored, never the browser's copy, is what the signature must cover.
    if not get_gateway().verify_payment_signature(
        order_id=payment.razorpay_order_id, payment_id=payment_id, signature=signature
    ):
        raise BadSignature("The payment signature does not match.", field="razorpay_signature")
    mark_payment_paid(order_id=payment.razorpay_order_id, payment_id=payment_id)
    return Booking.objects.get(pk=payment.booking_id)


def release_expired_holds(*, now=None) -> list[int]:
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=payout_settings.SEAT_HOLD_MINUTES)
    released = []
    for booking_id in booking_selectors.unpaid_booking_ids(booked_before=cutoff):
        with transaction.atomic():
            # bookings locks session → booking; the payment rows come after.
            booking = booking_services.release_unpaid_booking(booking_id=booking_id)
            if booking:
                _expire_open_orders(booking)
                released.append(booking_id)
    return released


# --- refunds ---------------------------------------------------------------------------------


def refund_cutoff(session) -> datetime:
    return session.starts_at - timedelta(hours=payout_settings.REFUND_CUTOFF_HOURS)


def learner_refund_due(booking: Booking, *, cancelled_at=None) -> bool:
    """The policy: a learner who cancels before the cutoff gets everything back; after it,
    nothing. A learner who declines the mentor's new time (or cancels while asked to
    re-confirm it) gets everything back whatever the cutoff."""
    if booking.reconfirm_pending or booking.cancel_reason == CancelReason.RESCHEDULE_DECLINED:
        return True
    if booking.pk and LateCancellation.objects.filter(booking_id=booking.pk).exists():
        return False  # decided when they cancelled, against the start as it was then
    when = cancelled_at or booking.cancelled_at or timezone.now()
    return when < refund_cutoff(booking.session)


def refund_quote(*, booking_id: int, learner) -> dict:
    """What cancelling now would refund (the cancel dialog says it before the learner confirms)."""
    booking = Booking.objects.select_related("session").get(pk=booking_id)
    if booking.learner_id != learner.pk:
        raise NotAllowed("This is not your booking.")
    paid = booking.payment_status == PaymentStatus.PAID and booking.amount_paise > 0
    due = paid and booking.is_active and learner_refund_due(booking, cancelled_at=timezone.now())
    return {
        "booking_id": booking.pk,
        "payment_status": booking.payment_status,
        "paid": booking.amount_paise if paid else 0,
        "refund": booking.amount_paise if due else 0,
        "full_refund": due,
        "cutoff_at": refund_cutoff(booking.session),
        "cutoff_hours": payout_settings.REFUND_CUTOFF_HOURS,
    }


def _open_refund(*, payment: Payment, booking: Booking, reason: str) -> Refund | None:
    """Inside a transaction holding session → booking → payment: write the refund row (its
    idempotency key with it) and send it to Razorpay after commit. Returns the new refund, or
    None when this payment already has one (exactly once) or there is nothing to refund."""
    if payment.status != Payment.Status.PAID or Refund.objects.filter(payment=payment).exists():
        return None
    settles = reason != Refund.Reason.DUPLICATE_PAYMENT
    if settles and EarningEntry.objects.filter(booking=booking).exists():
        logger.error("refusing to refund booking %s: it was already accrued", booking.pk)
        return None
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                payment=payment, booking=booking, amount_paise=payment.amount_paise, reason=reason
            )
    except IntegrityError:  # a concurrent path wrote it first
        return None
    if settles and booking.payment_status != PaymentStatus.REFUND_PENDING:
        booking_services.record_payment(
            booking_id=booking.pk, payment_status=PaymentStatus.REFUND_PENDING
        )
    transaction.on_commit(lambda: submit_refund(refund_id=refund.pk), robust=True)
    return refund


def _paid_payments(booking: Booking) -> list[Payment]:
    """The booking's paid payments without a refund, locked (after session → booking)."""
    has_refund = Refund.objects.filter(payment=OuterRef("pk"))
    return list(
        Payment.objects.select_for_update()
        .filter(booking=booking, status=Payment.Status.PAID)
        .exclude(Exists(has_refund))
        .order_by("paid_at", "pk")
    )


def refund_cancelled_booking(*, booking_id: int) -> Refund | None:
    """A learner cancelled (or an unpaid hold was released): its open orders expire, and a paid
    seat cancelled before the cutoff is refunded in full."""
    with transaction.atomic():
        booking = booking_services.lock_booking(booking_id)
        _expire_open_orders(booking)
        if booking.is_active or booking.payment_status != PaymentStatus.PAID:
            return None
        session = booking.session
        if session.status == SessionStatus.CANCELLED:
            reason = Refund.Reason.SESSION_CANCELLED
        elif booking.cancel_reason == CancelReason.RESCHEDULE_DECLINED:
            reason = Refund.Reason.RESCHEDULE_DECLINED
        elif learner_refund_due(booking):
            reason = Refund.Reason.LEARNER_CANCELLED
        else:
            notify(
                user=booking.learner,
                kind="refund.none",
                title="Booking cancelled",
                body=f"“{session.title}” was cancelled less than "
                f"{payout_settings.REFUND_CUTOFF_HOURS} hours before its start, so it is not "
                "refunded.",
                data={"booking_id": booking.pk},
            )
            LateCancellation.objects.get_or_create(
                booking=booking, defaults={"cutoff_at": refund_cutoff(session)}
            )
            return None
        refund = None
        for payment in _paid_payments(booking):
            refund = _open_refund(payment=payment, booking=booking, reason=reason) or refund
        if refund:
            _notify_refund_pending(booking, refund)
        return refund


def refund_cancelled_session(*, session_id: int) -> list[Refund]:
    """The mentor cancelled (the dashboard, or Decline in the room): every paid seat of the
    session is refunded in full, whatever the cutoff, and every open order expires."""
    refunds = []
    for booking_id in Booking.objects.filter(session_id=session_id).values_list("pk", flat=True):
        with transaction.atomic():
            booking = booking_services.lock_booking(booking_id)
            if booking.session.status != SessionStatus.CANCELLED:
                return refunds
            _expire_open_orders(booking)
            if booking.payment_status != PaymentStatus.PAID:
                continue
            made = None
            for payment in _paid_payments(booking):
                made = (
                    _open_refund(
                        payment=payment, booking=booking, reason=Refund.Reason.SESSION_CANCELLED
                    )
                    or made
                )
            if made:
                _notify_refund_pending(booking, made)
                refunds.append(made)
    return refunds


def _notify_refund_pending(booking: Booking, refund: Refund) -> None:
    notify(
        user=booking.learner,
        kind="refund.pending",
        title="Refund on its way",
        body=f"{display_money(refund.amount_paise)} for “{booking.session.title}” is being refunded "
        "to your original payment method.",
        data={"booking_id": booking.pk, "refund_id": refund.pk},
    )


def submit_refund(*, refund_id: int) -> None:
    """Send a written refund to Razorpay. Safe to repeat: every attempt carries the refund's own
    X-Refund-Idempotency key and the same body, so Razorpay answers with the one refund it made."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != R.CREATED:
        return
    Refund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1)
    gateway = get_gateway()
    try:
        entity = gateway.create_refund(
            payment_id=refund.payment.razorpay_payment_id,
            amount_paise=refund.amount_paise,
            idempotency_key=str(refund.idempotency_key),
            receipt=f"refund_{refund.pk}",
            notes={"refund_id": str(refund.pk), "booking_id": str(refund.booking_id)},
        )
    except GatewayError as exc:
        if exc.transient:
            # Unknown outcome: keep the key; reconciliation retries with it.
            Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:300])
            return
        # Refused. Razorpay may already hold this refund (made by an attempt whose answer was
        # lost): adopt it rather than calling it failed.
        try:
            known = _remote_refund(gateway, refund)
        except GatewayError as lookup:
            Refund.objects.filter(pk=refund.pk).update(last_error=str(lookup)[:300])
            return
        if known is not None:
            apply_refund_entity(refund_id=refund.pk, entity=known)
            return
        apply_refund_update(
            refund_id=refund.pk,
            status=R.FAILED,
            failure_reason=str(exc)[:300] or "Razorpay refused the refund",
        )
        return
    apply_refund_entity(refund_id=refund.pk, entity=entity)


def _remote_refund(gateway, refund: Refund) -> dict | None:
    for entity in gateway.payment_refunds(refund.payment.razorpay_payment_id):
        notes = entity.get("notes") if isinstance(entity.get("notes"), dict) else {}
        if entity.get("receipt") == f"refund_{refund.pk}" or notes.get("refund_id") == str(
            refund.pk
        ):
            return entity
    return None


# Forward moves of a refund (Razorpay: pending → processed | failed, both final). Anything else
# is a stale or repeated event and changes nothing.
REFUND_MOVES = {
    R.CREATED: {R.PENDING, R.PROCESSED, R.FAILED},
    R.PENDING: {R.PROCESSED, R.FAILED},
    R.PROCESSED: set(),
    R.FAILED: set(),
}


def apply_refund_entity(*, refund_id: int, entity: dict) -> Refund:
    return apply_refund_update(
        refund_id=refund_id,
        status=entity.get("status"),
        razorpay_id=entity.get("id"),
        failure_reason="Razorpay could not process the refund."
        if entity.get("status") == R.FAILED
        else "",
    )


@transaction.atomic
def apply_refund_update(
    *, refund_id: int, status: str, razorpay_id: str | None = None, failure_reason: str = ""
) -> Refund:
    booking_id = Refund.objects.values_list("booking_id", flat=True).get(pk=refund_id)
    booking = booking_services.lock_booking(booking_id)  # session → booking → payment → refund
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    changed = []
    if razorpay_id and not refund.razorpay_id:
        refund.razorpay_id = razorpay_id
        changed.append("razorpay_id")
    moved = status in R.values and status in REFUND_MOVES[R(refund.status)]
    if moved:
        refund.status = status
        changed.append("status")
        if status == R.PROCESSED:
            refund.processed_at = timezone.now()
            changed.append("processed_at")
        if status == R.FAILED:
            refund.failure_reason = failure_reason[:300] or "Razorpay could not process the refund."
            changed.append("failure_reason")
    if changed:
        refund.last_error = ""
        refund.save(update_fields=[*changed, "last_error", "updated_at"])
    if not moved or status == R.PENDING:
        return refund
    title = booking.session.title
    if status == R.PROCESSED:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.REFUNDED)
        if refund.settles_booking and booking.payment_status == PaymentStatus.REFUND_PENDING:
            booking_services.record_payment(
                booking_id=booking.pk, payment_status=PaymentStatus.REFUNDED
            )
        notify(
            user=payment.learner,
            kind="refund.processed",
            title="Refunded",
            body=f"{display_money(refund.amount_paise)} for “{title}” is back with your bank. "
            "It can take 5-7 working days to show.",
            data={"booking_id": booking.pk, "refund_id": refund.pk},
        )
    else:
        # The money stays with us, the booking stays paid, and support staff see the failure
        # (admin: refunds, failed) and can retry it.
        logger.error("refund %s of booking %s failed: %s", refund.pk, booking.pk, failure_reason)
        if refund.settles_booking and booking.payment_status == PaymentStatus.REFUND_PENDING:
            booking_services.record_payment(
                booking_id=booking.pk, payment_status=PaymentStatus.PAID
            )
        notify(
            user=payment.learner,
            kind="refund.failed",
            title="Refund delayed",
            body=f"The refund of {display_money(refund.amount_paise)} for “{title}” did not go "
            "through. Our support team has been told and will sort it out.",
            data={"booking_id": booking.pk, "refund_id": refund.pk},
        )
    return refund


def retry_refund(*, refund_id: int) -> Refund:
    """Support staff: send a failed refund again, under a new idempotency key (the old one is
    bound to the failed attempt)."""
    import uuid

    with transaction.atomic():
        booking_id = Refund.objects.values_list("booking_id", flat=True).get(pk=refund_id)
        booking = booking_services.lock_booking(booking_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != R.FAILED:
            raise Conflict(f"This refund is {refund.status}.", code="not_failed")
        refund.status = R.CREATED
        refund.idempotency_key = uuid.uuid4()
        refund.razorpay_id = None
        refund.failure_reason = ""
        refund.save(
            update_fields=[
                "status",
                "idempotency_key",
                "razorpay_id",
                "failure_reason",
                "updated_at",
            ]
        )
        if refund.settles_booking and booking.payment_status == PaymentStatus.PAID:
            booking_services.record_payment(
                booking_id=booking.pk, payment_status=PaymentStatus.REFUND_PENDING
            )
        transaction.on_commit(lambda: submit_refund(refund_id=refund.pk), robust=True)
    return refund


def repair_missing_refunds() -> int:
    """Repair: refunds the policy owes but whose signal receiver never ran (a crash after the
    cancel committed). Returns how many were written."""
    made = 0
    owed = Payment.objects.filter(
        status=Payment.Status.PAID,
        refund__isnull=True,
        booking__payment_status=PaymentStatus.PAID,
    ).filter(
        Q(booking__session__status=SessionStatus.CANCELLED) | Q(booking__cancelled_at__isnull=False)
    )
    for booking_id in set(owed.values_list("booking_id", flat=True)):
        booking = Booking.objects.select_related("session").get(pk=booking_id)
        if booking.session.status == SessionStatus.CANCELLED:
            made += len(refund_cancelled_session(session_id=booking.session_id))
        elif learner_refund_due(booking):
            made += refund_cancelled_booking(booking_id=booking_id) is not None
    return made


def reconcile_refunds(*, refund_ids=None) -> dict:
    """Repair owed refunds, then poll every refund that may still change (or just
    ``refund_ids``) and converge it on Razorpay's state: unsent ones are sent again with their
    key, pending ones are fetched."""
    counts = {"repaired": 0, "checked": 0, "changed": 0, "errors": 0}
    if refund_ids is None:
        counts["repaired"] = repair_missing_refunds()
    gateway = get_gateway()
    watched = Refund.objects.filter(status__in=OPEN_REFUND_STATUSES)
    if refund_ids is not None:
        watched = watched.filter(pk__in=list(refund_ids))
    for refund in watched.order_by("id"):
        counts["checked"] += 1
        before = refund.status
        if refund.status == R.CREATED:
            submit_refund(refund_id=refund.pk)
        else:
            try:
                entity = gateway.fetch_refund(refund.razorpay_id)
            except GatewayError as exc:
                counts["errors"] += 1
                Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:300])
                continue
            apply_refund_entity(refund_id=refund.pk, entity=entity)
        if Refund.objects.get(pk=refund.pk).status != before:
            counts["changed"] += 1
    return counts


# --- payouts ---------------------------------------------------------------------------------


def validate_payout_request(*, amount_paise: int, upi_id: str) -> None:
    if amount_paise < payout_settings.MIN_PAYOUT_PAISE:
        minimum = display_money(payout_settings.MIN_PAYOUT_PAISE)
        raise DomainError(f"The smallest withdrawal is {minimum}.", field="amount")
    if amount_paise > payout_settings.MAX_PAYOUT_PAISE:
        maximum = display_money(payout_settings.MAX_PAYOUT_PAISE)
        raise DomainError(f"The largest withdrawal is {maximum}.", field="amount")
    if not is_valid_vpa(upi_id):
        raise DomainError("Enter a valid UPI ID, like name@bank.", field="upi_id")


def request_payout(
    *, mentor, amount_paise: int, upi_id: str, client_key: str = ""
) -> tuple[Payout, bool]:
    """Hold the amount and write the payout with its idempotency key (one transaction), then ask
    Razorpay. Returns (payout, created): a repeated ``client_key`` returns the first payout."""
    if mentor.role != "mentor":
        raise NotAllowed("Only mentors can withdraw.")
    validate_payout_request(amount_paise=amount_paise, upi_id=upi_id)
    if client_key:
        existing = Payout.objects.filter(mentor=mentor, client_key=client_key).first()
        if existing:
            if (existing.amount_paise, existing.upi_id) != (amount_paise, upi_id):
                raise Conflict(
                    "This Idempotency-Key was already used for a different withdrawal.",
                    code="idempotency_key_reused",
                )
            return existing, False
    _wallet(mentor.pk)
    try:
        with transaction.atomic():
            held = MentorWallet.objects.filter(
                mentor=mentor, earned_paise__gte=F("reserved_paise") + amount_paise
            ).update(reserved_paise=F("reserved_paise") + amount_paise)
            if not held:
                raise Conflict(
                    "That is more than your available balance.", field="amount", code="balance"
                )
            # Razorpay contacts and VPA fund accounts are reusable: an earlier payout to the same
            # UPI ID saves two calls (and their latency) on this one.
            known = (
                Payout.objects.filter(mentor=mentor, upi_id=upi_id)
                .exclude(fund_account_id="")
                .values("contact_id", "fund_account_id")
                .first()
                or {}
            )
            payout = Payout.objects.create(
                mentor=mentor,
                amount_paise=amount_paise,
                upi_id=upi_id,
                client_key=client_key,
                contact_id=known.get("contact_id", ""),
                fund_account_id=known.get("fund_account_id", ""),
            )
            push_badges(user_id=mentor.pk)
    except IntegrityError:
        # The same client key raced us and won: its payout is the answer.
        return Payout.objects.get(mentor=mentor, client_key=client_key), False
    submit_payout(payout_id=payout.pk)
    payout.refresh_from_db()
    return payout, True


def submit_payout(*, payout_id: int) -> None:
    """Send a written payout to Razorpay. Safe to repeat: every attempt carries the payout's own
    idempotency key and the same body, so Razorpay answers with the one payout it made."""
    payout = Payout.objects.select_related("mentor").get(pk=payout_id)
    if payout.status != S.CREATED:
        return
    gateway = get_gateway()
    Payout.objects.filter(pk=payout.pk).update(attempts=F("attempts") + 1)
    try:
        if not payout.contact_id:
            payout.contact_id = gateway.create_contact(
                name=payout.mentor.name,
                email=payout.mentor.email,
                reference_id=f"mentor_{payout.mentor_id}",
            )
            Payout.objects.filter(pk=payout.pk).update(contact_id=payout.contact_id)
        if not payout.fund_account_id:
            payout.fund_account_id = gateway.create_vpa_fund_account(
                contact_id=payout.contact_id, vpa=payout.upi_id
            )
            Payout.objects.filter(pk=payout.pk).update(fund_account_id=payout.fund_account_id)
        entity = gateway.create_payout(
            fund_account_id=payout.fund_account_id,
            amount_paise=payout.amount_paise,
            idempotency_key=str(payout.idempotency_key),
            reference_id=f"payout_{payout.pk}",
        )
    except GatewayError as exc:
        if exc.transient:
            # Unknown outcome: keep the key; reconciliation retries with it.
            Payout.objects.filter(pk=payout.pk).update(last_error=str(exc)[:300])
            return
        apply_payout_update(
            payout_id=payout.pk,
            status=S.FAILED,
            failure_reason=str(exc)[:300] or "Razorpay refused the payout",
        )
        return
    apply_gateway_entity(payout_id=payout.pk, entity=entity)


# Forward moves of the payout state machine (razorpay-api.md §4). Events may arrive twice or
# out of order: anything not listed here is stale and ignored.
LEGAL_MOVES = {
    S.CREATED: {
        S.QUEUED,
        S.PENDING,
        S.PROCESSING,
        S.PROCESSED,
        S.REVERSED,
        S.FAILED,
        S.REJECTED,
        S.CANCELLED,
    },
    S.PENDING: {S.QUEUED, S.PROCESSING, S.PROCESSED, S.REJECTED, S.REVERSED, S.FAILED, S.CANCELLED},
    S.QUEUED: {S.PROCESSING, S.PROCESSED, S.CANCELLED, S.FAILED, S.REVERSED, S.REJECTED},
    S.PROCESSING: {S.PROCESSED, S.REVERSED, S.FAILED},
    S.PROCESSED: {S.REVERSED},
    S.REVERSED: {S.FAILED},
    S.FAILED: {S.REVERSED},
    S.REJECTED: set(),
    S.CANCELLED: set(),
}

STATUS_TITLES = {
    S.QUEUED: "Withdrawal queued",
    S.PENDING: "Withdrawal pending approval",
    S.PROCESSING: "Withdrawal processing",
    S.PROCESSED: "Withdrawal processed",
    S.REVERSED: "Withdrawal reversed",
    S.FAILED: "Withdrawal failed",
    S.REJECTED: "Withdrawal rejected",
    S.CANCELLED: "Withdrawal cancelled",
}


def _failure_reason(entity: dict) -> str:
    details = entity.get("status_details") or {}
    return (
        details.get("description") or details.get("reason") or entity.get("failure_reason") or ""
    )[:300]


def apply_gateway_entity(*, payout_id: int, entity: dict) -> Payout:
    status = entity.get("status")
    return apply_payout_update(
        payout_id=payout_id,
        status=status,
        razorpay_id=entity.get("id"),
        utr=entity.get("utr") or "",
        failure_reason=_failure_reason(entity) if status in RETURNED_STATUSES else "",
    )


@transaction.atomic
def apply_payout_update(
    *,
    payout_id: int,
    status: str,
    razorpay_id: str | None = None,
    utr: str = "",
    failure_reason: str = "",
) -> Payout:
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    changed = []
    if razorpay_id and not payout.razorpay_id:
        payout.razorpay_id = razorpay_id
        changed.append("razorpay_id")
    if utr and utr != payout.utr:
        payout.utr = utr
        changed.append("utr")
    moved = status in S.values and status in LEGAL_MOVES[S(payout.status)]
    if moved:
        payout.status = status
        changed.append("status")
        if status in RETURNED_STATUSES and failure_reason:
            payout.failure_reason = failure_reason
            changed.append("failure_reason")
    if changed:
        payout.last_error = ""
        payout.save(update_fields=[*changed, "last_error", "updated_at"])
    if payout.status in RETURNED_STATUSES:
        # Give the amount back exactly once, whichever path got here first.
        released = Payout.objects.filter(pk=payout.pk, released_at__isnull=True).update(
            released_at=timezone.now()
        )
        if released:
            MentorWallet.objects.filter(mentor_id=payout.mentor_id).update(
                reserved_paise=F("reserved_paise") - payout.amount_paise
            )
    if moved:
        body = f"{display_money(payout.amount_paise)} to {payout.upi_id}"
        if status in RETURNED_STATUSES:
            body += " — the amount is back in your balance."
            if payout.failure_reason:
                body += f" {payout.failure_reason}"
        notify(
            user=payout.mentor,
            kind=f"payout.{status}",
            title=STATUS_TITLES.get(status, "Withdrawal updated"),
            body=body,
            data={"payout_id": payout.pk, "status": status},
        )
    return payout


def _payout_for_entity(entity: dict) -> Payout | None:
    payout = Payout.objects.filter(razorpay_id=entity.get("id")).first()
    if payout is None:
        # The create call timed out after Razorpay made the payout: find it by our reference.
        reference = str(entity.get("reference_id") or "")
        if reference.startswith("payout_") and reference[7:].isdigit():
            payout = Payout.objects.filter(pk=int(reference[7:])).first()
    return payout


def _refund_for_entity(entity: dict) -> Refund | None:
    refund = Refund.objects.filter(razorpay_id=entity["id"]).first()
    if refund is not None:
        return refund
    # The create call timed out after Razorpay made the refund: our receipt (or notes) name it.
    # A refund someone made on the Dashboard names none of ours and is left alone.
    notes = entity.get("notes") if isinstance(entity.get("notes"), dict) else {}
    for reference in (entity.get("receipt") or "", f"refund_{notes.get('refund_id', '')}"):
        if reference.startswith("refund_") and reference[7:].isdigit():
            return Refund.objects.filter(
                pk=int(reference[7:]),
                payment__razorpay_payment_id=entity["payment_id"],
                razorpay_id__isnull=True,
            ).first()
    return None


# --- webhooks --------------------------------------------------------------------------------

PAYMENT_EVENTS = {"payment.captured", "order.paid"}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _entity(payload: dict, name: str) -> dict:
    holder = payload.get("payload")
    inner = holder.get(name) if isinstance(holder, dict) else None
    entity = inner.get("entity") if isinstance(inner, dict) else None
    if not isinstance(entity, dict):
        raise MalformedWebhook(f"The webhook has no payload.{name}.entity object.")
    return entity


def _text(entity: dict, key: str, *, required: bool = True, max_length: int = 64) -> None:
    value = entity.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise MalformedWebhook(f"The webhook's {key} is missing or not an id.")


def _parse_webhook(body: bytes) -> tuple[str, dict, dict | None]:
    """The event name, the whole payload and the entity we act on (None for events we only
    record), or MalformedWebhook: every field used later is checked here, before anything is
    written, so a signed but malformed body is a 400 that changes nothing."""
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedWebhook("The webhook body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise MalformedWebhook("The webhook body is not an object.")
    if b"\\u0000" in body:  # valid JSON, but PostgreSQL's jsonb cannot store it
        raise MalformedWebhook("The webhook body holds a NUL character.")
    try:  # lone surrogates ("\\ud800") are valid JSON escapes but not storable text
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedWebhook("The webhook body is not valid Unicode.") from exc
    event = payload.get("event")
    if not isinstance(event, str) or not 0 < len(event) <= 64:
        raise MalformedWebhook("The webhook has no event name.")
    if event.startswith("payout."):
        entity = _entity(payload, "payout")
        _text(entity, "id")
        _text(entity, "status", max_length=32)
        _text(entity, "reference_id", required=False, max_length=100)
        _text(entity, "utr", required=False)
        _text(entity, "failure_reason", required=False, max_length=10_000)
        if not isinstance(entity.get("status_details"), dict | None):
            raise MalformedWebhook("The webhook's status_details is not an object.")
        details = entity.get("status_details") or {}
        for key in ("description", "reason"):
            if not isinstance(details.get(key), str | None):
                raise MalformedWebhook(f"The webhook's status_details.{key} is not text.")
        return event, payload, entity
    if event.startswith("refund."):
        entity = _entity(payload, "refund")
        _text(entity, "id")
        _text(entity, "payment_id")
        _text(entity, "status", max_length=32)
        _text(entity, "receipt", required=False, max_length=100)
        return event, payload, entity
    if event in PAYMENT_EVENTS:
        entity = _entity(payload, "payment")
        _text(entity, "id")
        _text(entity, "order_id")
        return event, payload, entity
    return event, payload, None


def _returned_status_conflict(entity: dict) -> bool:
    """failed <-> reversed both exist; out-of-order events cannot tell which is last."""
    payout = _payout_for_entity(entity)
    return (
        payout is not None
        and payout.status in RETURNED_STATUSES
        and entity["status"] in RETURNED_STATUSES
        and entity["status"] != payout.status
    )


def handle_webhook(*, body: bytes, signature: str | None, event_id: str | None) -> str:
    """Verify, validate, deduplicate and apply one delivery. Dedup row and state change commit
    together, so a delivery that fails half-way is retried by Razorpay, never half-applied; any
    question to Razorpay is asked before the transaction, never inside it."""
    if not get_gateway().verify_webhook(body=body, signature=signature):
        raise BadSignature("Bad webhook signature.")
    event, payload, entity = _parse_webhook(body)
    if not event_id or len(event_id) > 100:
        event_id = f"sha:{hashlib.sha256((event_id or '').encode() + body).hexdigest()}"
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"
    if event.startswith("payout.") and _returned_status_conflict(entity):
        # Ask Razorpay for the truth first (GatewayError: 503, Razorpay delivers again).
        entity = get_gateway().fetch_payout(entity["id"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(event_id=event_id, event=event, payload=payload)
        except IntegrityError:
            return "duplicate"
        if event.startswith("payout."):
            payout = _payout_for_entity(entity)
            if payout is None:
                return "unknown payout"
            apply_gateway_entity(payout_id=payout.pk, entity=entity)
        elif event.startswith("refund."):
            refund = _refund_for_entity(entity)
            if refund is None:
                logger.warning("refund event for unknown refund %s", entity["id"])
                return "unknown refund"
            apply_refund_entity(refund_id=refund.pk, entity=entity)
        elif event in PAYMENT_EVENTS:
            if mark_payment_paid(order_id=entity["order_id"], payment_id=entity["id"]) is None:
                return "unknown order"
        else:
            return "ignored"
    return "applied"


def reconcile_payouts(*, payout_ids=None) -> dict:
    """Poll every payout that may still change (or just ``payout_ids``) and converge it on
    Razorpay's state."""
    counts = {"checked": 0, "changed": 0, "errors": 0}
    gateway = get_gateway()
    # Processed payouts can still be reversed days later; keep watching recent ones too.
    recent = timezone.now() - timedelta(days=payout_settings.RECONCILE_PROCESSED_DAYS)
    watched = Payout.objects.filter(
        Q(status__in=OPEN_PAYOUT_STATUSES) | Q(status=S.PROCESSED, updated_at__gte=recent)
    )
    if payout_ids is not None:
        watched = watched.filter(pk__in=list(payout_ids))
    for payout in watched.order_by("id"):
        counts["checked"] += 1
        before = payout.status
        if payout.razorpay_id is None:
            submit_payout(payout_id=payout.pk)
        else:
            try:
                entity = gateway.fetch_payout(payout.razorpay_id)
            except GatewayError as exc:
                counts["errors"] += 1
                Payout.objects.filter(pk=payout.pk).update(last_error=str(exc)[:300])
                continue
            apply_gateway_entity(payout_id=payout.pk, entity=entity)
        if Payout.objects.get(pk=payout.pk).status != before:
            counts["changed"] += 1
    return counts
