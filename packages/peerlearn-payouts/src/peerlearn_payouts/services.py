"""Every money movement of PeerLearn. Each runs in one transaction; calls to Razorpay happen
outside transactions, carry idempotency keys and time out."""

import hashlib
import json
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from peerlearn_bookings import selectors as booking_selectors
from peerlearn_bookings import services as booking_services
from peerlearn_bookings.models import Booking, PaymentStatus, SessionStatus
from peerlearn_core.exceptions import Conflict, DomainError, NotAllowed
from peerlearn_core.money import percent_of, rupees
from peerlearn_core.services import notify, push_badges

from .app_settings import payout_settings
from .gateway import GatewayError, get_gateway, is_valid_vpa
from .models import (
    OPEN_PAYOUT_STATUSES,
    RETURNED_STATUSES,
    EarningEntry,
    MentorWallet,
    Payment,
    Payout,
    PayoutStatus,
    WebhookEvent,
)

logger = logging.getLogger(__name__)
S = PayoutStatus


class BadSignature(DomainError):
    status_code = 400
    default_code = "bad_signature"


# --- earnings ledger -------------------------------------------------------------------------


def _wallet(mentor_id: int) -> None:
    MentorWallet.objects.get_or_create(mentor_id=mentor_id)


def accrue_session_earnings(*, session_id: int) -> int:
    """Credit the mentor with every paid booking of a completed session, exactly once per booking
    (the unique booking on EarningEntry decides, even when two accruals race). Returns the paise
    credited by this call."""
    credited = 0
    with transaction.atomic():
        bookings = list(
            booking_selectors.paid_bookings_of_session(session_id).filter(earning__isnull=True)
        )
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
                body=f"₹{rupees(credited)} from “{session.title}” is now available.",
                data={"session_id": session.pk},
            )
    return credited


def accrue_missing_earnings() -> int:
    """Repair: accrue every completed session whose receiver never ran (e.g. a crash)."""
    return sum(
        accrue_session_earnings(session_id=sid) for sid in booking_selectors.completed_session_ids()
    )


# --- learner payments ------------------------------------------------------------------------


def create_order(*, booking_id: int, learner) -> Payment:
    booking = Booking.objects.select_related("session").get(pk=booking_id)
    if booking.learner_id != learner.pk:
        raise NotAllowed("This is not your booking.")
    if booking.cancelled_at is not None:
        raise Conflict("This booking was cancelled.", code="booking_cancelled")
    if booking.payment_status != PaymentStatus.PENDING:
        raise Conflict(f"This booking is {booking.payment_status}.", code="not_payable")
    open_payment = booking.payments.filter(status=Payment.Status.CREATED).first()
    if open_payment:
        return open_payment  # a second click reuses the order: one order, one charge
    attempt = booking.payments.count() + 1
    try:
        order = get_gateway().create_order(
            amount_paise=booking.amount_paise,
            receipt=f"booking_{booking.pk}_{attempt}",
            notes={"booking_id": str(booking.pk), "session_id": str(booking.session_id)},
        )
    except GatewayError as exc:
        raise Conflict(
            "The payment service is not answering. Try again.", code="gateway_unavailable"
        ) from exc
    return Payment.objects.create(
        booking=booking,
        learner=learner,
        razorpay_order_id=order.id,
        amount_paise=order.amount_paise,
    )


@transaction.atomic
def mark_payment_paid(*, order_id: str, payment_id: str) -> Payment | None:
    """Idempotent: Checkout's callback and the payment.captured / order.paid webhooks all land
    here, in any order and any number of times."""
    payment = Payment.objects.select_for_update().filter(razorpay_order_id=order_id).first()
    if payment is None:
        logger.warning("payment for unknown order %s", order_id)
        return None
    if payment.status == Payment.Status.PAID:
        return payment
    payment.status = Payment.Status.PAID
    payment.razorpay_payment_id = payment_id
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "razorpay_payment_id", "paid_at"])
    booking = booking_services.record_payment(
        booking_id=payment.booking_id, payment_status=PaymentStatus.PAID
    )
    notify(
        user=payment.learner,
        kind="payment.paid",
        title="Payment received",
        body=f"₹{rupees(payment.amount_paise)} paid — your seat is confirmed.",
        data={"booking_id": booking.pk},
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
            if booking_services.release_unpaid_booking(booking_id=booking_id):
                Payment.objects.filter(booking_id=booking_id, status=Payment.Status.CREATED).update(
                    status=Payment.Status.EXPIRED
                )
                released.append(booking_id)
    return released


# --- payouts ---------------------------------------------------------------------------------


def validate_payout_request(*, amount_paise: int, upi_id: str) -> None:
    if amount_paise < payout_settings.MIN_PAYOUT_PAISE:
        minimum = rupees(payout_settings.MIN_PAYOUT_PAISE)
        raise DomainError(f"The smallest withdrawal is ₹{minimum}.", field="amount")
    if amount_paise > payout_settings.MAX_PAYOUT_PAISE:
        maximum = rupees(payout_settings.MAX_PAYOUT_PAISE)
        raise DomainError(f"The largest withdrawal is ₹{maximum}.", field="amount")
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
        body = f"₹{rupees(payout.amount_paise)} to {payout.upi_id}"
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


def handle_webhook(*, body: bytes, signature: str | None, event_id: str | None) -> str:
    """Verify, deduplicate and apply one delivery. Dedup row and state change commit together,
    so a delivery that fails half-way is retried by Razorpay, never half-applied."""
    if not get_gateway().verify_webhook(body=body, signature=signature):
        raise BadSignature("Bad webhook signature.")
    try:
        payload = json.loads(body)
        event = payload["event"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DomainError("Malformed webhook body.") from exc
    event_id = event_id or f"sha:{hashlib.sha256(body).hexdigest()}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(event_id=event_id, event=event, payload=payload)
        except IntegrityError:
            return "duplicate"
        if event.startswith("payout."):
            entity = payload["payload"]["payout"]["entity"]
            payout = _payout_for_entity(entity)
            if payout is None:
                return "unknown payout"
            current = Payout.objects.get(pk=payout.pk)
            if (
                current.status in RETURNED_STATUSES
                and entity.get("status") in RETURNED_STATUSES
                and entity.get("status") != current.status
            ):
                # failed <-> reversed both exist; out-of-order events cannot tell which is last,
                # so ask Razorpay for the truth.
                entity = get_gateway().fetch_payout(entity["id"])
            apply_gateway_entity(payout_id=payout.pk, entity=entity)
        elif event in {"payment.captured", "order.paid"}:
            payment = payload["payload"]["payment"]["entity"]
            mark_payment_paid(order_id=payment["order_id"], payment_id=payment["id"])
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
