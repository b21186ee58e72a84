"""Orders, the payments Checkout makes against them, and refunds of those payments.

Refunds (Razorpay API docs: api/refunds/create-normal, normal-refunds-idempotent, entity;
webhooks/refunds): ``POST /v1/payments/{id}/refund`` with ``amount`` (optional: the rest),
``speed``, ``receipt``, ``notes``; ``X-Refund-Idempotency`` (10+ of ``[A-Za-z0-9_-]``, same key and
body replays, another body is a BAD_REQUEST). A normal refund starts ``pending`` and ends
``processed`` or ``failed``; the payment's ``amount_refunded`` and ``refund_status``
(null/partial/full, status ``refunded`` when full) move at creation.
"""

from __future__ import annotations

import copy
import re

from . import fields
from .common import GST_RATE_PERCENT, canonical_hash, digits, new_id, now, sign
from .errors import ApiError, no_such_id
from .state import Options, SandboxState
from .webhooks import WebhookDispatcher

REFUND_IDEMPOTENCY_HEADER = "X-Refund-Idempotency"
# "at least 10 characters: letters, digits, hyphens and underscores". The upper bound is
# UNCONFIRMED; 100 is generous (a UUID is 36).
REFUND_IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_-]{10,100}")
REFUND_SPEEDS = ("normal", "optimum")
REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"processed", "failed"}),
    "processed": frozenset(),
    "failed": frozenset(),
}
REFUND_EVENTS = {
    "pending": "refund.created",
    "processed": "refund.processed",
    "failed": "refund.failed",
}
ORDER_FIELDS = {
    "amount",
    "currency",
    "receipt",
    "notes",
    "partial_payment",
    "first_payment_min_amount",
    "payment_capture",
    "method",
    "customer_id",
    "offer_id",
}


def entity_view(entity: dict) -> dict:
    """An order, payment or refund as the API returns it (empty notes as ``[]``)."""
    view = copy.deepcopy(entity)
    view["notes"] = fields.notes_out(view["notes"])
    return view


class Payments:
    def __init__(self, state: SandboxState, webhooks: WebhookDispatcher, options: Options):
        self.state = state
        self.webhooks = webhooks
        self.options = options

    # -- orders ------------------------------------------------------------------------------

    def create_order(self, data: dict) -> dict:
        fields.reject_extra(data, ORDER_FIELDS)
        amount = fields.amount(data)
        currency = fields.currency(data)
        receipt = fields.opt_str(data, "receipt", 40)
        notes = fields.notes(data)
        partial = fields.boolean(data, "partial_payment", False)
        order = {
            "id": new_id("order_"),
            "entity": "order",
            "amount": amount,
            "amount_paid": 0,
            "amount_due": amount,
            "currency": currency,
            "receipt": receipt,
            "offer_id": data.get("offer_id"),
            "status": "created",
            "attempts": 0,
            "notes": notes,
            "created_at": now(),
        }
        if partial:
            order["partial_payment"] = True
        with self.state.lock:
            self.state.orders[order["id"]] = order
            return entity_view(order)

    def get_order(self, order_id: str) -> dict:
        order = self.state.orders.get(order_id)
        if order is None:
            raise no_such_id()
        return order

    def get_payment(self, payment_id: str) -> dict:
        payment = self.state.payments.get(payment_id)
        if payment is None:
            raise no_such_id()
        return payment

    def _new_payment(self, order: dict, *, status: str, vpa: str, email: str, contact: str) -> dict:
        amount = order["amount_due"]
        fee = tax = None
        if status == "captured":
            base = amount * 2 // 100
            tax = base * GST_RATE_PERCENT // 100
            fee = base + tax
        payment = {
            "id": new_id("pay_"),
            "entity": "payment",
            "amount": amount,
            "currency": order["currency"],
            "status": status,
            "order_id": order["id"],
            "invoice_id": None,
            "international": False,
            "method": "upi",
            "amount_refunded": 0,
            "refund_status": None,
            "captured": status == "captured",
            "description": None,
            "card_id": None,
            "bank": None,
            "wallet": None,
            "vpa": vpa,
            "email": email,
            "contact": contact,
            "notes": {},
            "fee": fee,
            "tax": tax,
            "error_code": None,
            "error_description": None,
            "error_source": None,
            "error_step": None,
            "error_reason": None,
            "acquirer_data": {"rrn": digits(12) if status == "captured" else None},
            "created_at": now(),
        }
        if status == "failed":
            payment.update(
                error_code="BAD_REQUEST_ERROR",
                error_description="Payment was unsuccessful as the customer declined it in the UPI app.",
                error_source="customer",
                error_step="payment_authorization",
                error_reason="payment_failed",
            )
        self.state.payments[payment["id"]] = payment
        order["attempts"] += 1
        return payment

    def _unpaid_order(self, order_id: str) -> dict:
        """Caller holds the lock. KeyError for an unknown order, ValueError for a paid one."""
        order = self.state.orders.get(order_id)
        if order is None:
            raise KeyError(order_id)
        if order["status"] == "paid":
            raise ValueError("Order is already paid")
        return order

    def pay_order(
        self,
        order_id: str,
        *,
        vpa: str = "success@razorpay",
        email: str = "void@razorpay.com",
        contact: str = "+919999999999",
    ) -> dict:
        """What a successful Checkout does: capture a UPI payment, mark the order paid, queue
        payment.captured + order.paid. Returns the Checkout callback fields."""
        with self.state.lock:
            order = self._unpaid_order(order_id)
            payment = self._new_payment(
                order, status="captured", vpa=vpa, email=email, contact=contact
            )
            order["amount_paid"] += payment["amount"]
            order["amount_due"] = order["amount"] - order["amount_paid"]
            order["status"] = "paid"
            payment_view = entity_view(payment)
            self.webhooks.emit(
                "payment.captured", ["payment"], {"payment": {"entity": payment_view}}
            )
            self.webhooks.emit(
                "order.paid",
                ["payment", "order"],
                {"payment": {"entity": payment_view}, "order": {"entity": entity_view(order)}},
            )
            return {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": order["id"],
                "razorpay_signature": sign(
                    self.options.key_secret, f"{order['id']}|{payment['id']}"
                ),
            }

    def fail_order(
        self,
        order_id: str,
        *,
        vpa: str = "failure@razorpay",
        email: str = "void@razorpay.com",
        contact: str = "+919999999999",
    ) -> dict:
        """What a failed Checkout attempt does: a failed payment, order ``attempted``, a
        payment.failed webhook. Returns the error fields Checkout hands the merchant."""
        with self.state.lock:
            order = self._unpaid_order(order_id)
            payment = self._new_payment(
                order, status="failed", vpa=vpa, email=email, contact=contact
            )
            order["status"] = "attempted"
            self.webhooks.emit(
                "payment.failed", ["payment"], {"payment": {"entity": entity_view(payment)}}
            )
            return {
                "code": payment["error_code"],
                "description": payment["error_description"],
                "source": payment["error_source"],
                "step": payment["error_step"],
                "reason": payment["error_reason"],
                "metadata": {"payment_id": payment["id"], "order_id": order["id"]},
            }

    def capture(self, payment_id: str) -> dict:
        """Checkout captures at once, so ``POST /v1/payments/{id}/capture`` is always refused."""
        payment = self.get_payment(payment_id)
        if payment["status"] == "captured":
            raise ApiError("This payment has already been captured", field=None)
        raise ApiError(
            "Only payments which have been authorized and not yet captured can be captured",
            field=None,
        )

    # -- refunds -----------------------------------------------------------------------------

    def create_refund(self, payment_id: str, data: dict, idem_key: str | None) -> dict:
        """POST /v1/payments/{id}/refund. With X-Refund-Idempotency the same key and body replay
        the first response (one refund); the same key with another body is a BAD_REQUEST."""
        if idem_key is not None and not REFUND_IDEMPOTENCY_KEY_RE.fullmatch(idem_key):
            raise ApiError(
                "The idempotency key must be at least 10 characters of letters, digits, "
                "hyphens or underscores.",
                field=REFUND_IDEMPOTENCY_HEADER,
            )
        body_hash = canonical_hash({"payment_id": payment_id, "body": data})
        with self.state.lock:
            if idem_key is not None:
                saved = self.state.refund_idempotency.get(idem_key)
                if saved is not None:
                    if saved[0] != body_hash:
                        raise ApiError(
                            "Different request with the same idempotency key has already been processed.",
                            source="NA",
                            reason="NA",
                        )
                    return copy.deepcopy(saved[1])
            response = self._validate_and_create_refund(payment_id, data)
            if idem_key is not None:
                self.state.refund_idempotency[idem_key] = (body_hash, copy.deepcopy(response))
            return response

    def _validate_and_create_refund(self, payment_id: str, data: dict) -> dict:
        """Caller holds the lock."""
        if not payment_id.startswith("pay_"):
            raise ApiError(f"{payment_id} is not a valid id", field="id", reason="NA")
        payment = self.get_payment(payment_id)
        fields.reject_extra(data, {"amount", "speed", "notes", "receipt"})
        if payment["status"] not in ("captured", "refunded"):
            # UNCONFIRMED wording; refunds are possible for captured payments only.
            raise ApiError(
                "Only payments which have been captured can be refunded", field="id", reason="NA"
            )
        remaining = payment["amount"] - payment["amount_refunded"]
        if remaining <= 0:
            raise ApiError("The payment has been fully refunded already", field="id")
        amount = remaining if data.get("amount") is None else _refund_amount(data, remaining)
        speed = data.get("speed") or "normal"
        if speed not in REFUND_SPEEDS:
            raise ApiError("The selected speed is invalid.", field="speed")
        receipt = fields.opt_str(data, "receipt", 40)
        notes = fields.notes(data)
        refund = {
            "id": new_id("rfnd_"),
            "entity": "refund",
            "amount": amount,
            "currency": payment["currency"],
            "payment_id": payment_id,
            "notes": notes,
            "receipt": receipt,
            "acquirer_data": {"arn": None},
            "created_at": now(),
            "batch_id": None,
            "status": "pending",
            "speed_processed": "normal",
            "speed_requested": speed,
        }
        self.state.refunds[refund["id"]] = refund
        self.state.refund_create_calls += 1
        # amount_refunded and refund_status move when the refund is created, not when it is
        # processed; a fully refunded payment turns `refunded`.
        payment["amount_refunded"] += amount
        _refund_status(payment)
        self._emit_refund(refund)
        if self.options.auto_advance:
            self._schedule_refund_processing(refund["id"])
        return entity_view(refund)

    def _emit_refund(self, refund: dict) -> None:
        """Caller holds the lock: refund.created / .processed / .failed with the payment."""
        payment = self.state.payments[refund["payment_id"]]
        self.webhooks.emit(
            REFUND_EVENTS[refund["status"]],
            ["refund", "payment"],
            {
                "refund": {"entity": entity_view(refund)},
                "payment": {"entity": entity_view(payment)},
            },
        )

    def advance_refund(self, refund_id: str, status: str) -> dict:
        """Move a pending refund to ``processed`` (an ARN arrives) or ``failed`` (its amount goes
        back to the payment's refundable amount; UNCONFIRMED but the sensible reading), and fire
        the webhook. KeyError for an unknown refund, ValueError for an illegal move."""
        with self.state.lock:
            refund = self.state.refunds.get(refund_id)
            if refund is None:
                raise KeyError(refund_id)
            if status not in REFUND_TRANSITIONS:
                raise ValueError(f"unknown refund status {status!r}")
            if status not in REFUND_TRANSITIONS[refund["status"]]:
                raise ValueError(f"illegal refund transition {refund['status']} -> {status}")
            refund["status"] = status
            if status == "processed":
                refund["acquirer_data"] = {"arn": digits(12)}
            else:
                payment = self.state.payments[refund["payment_id"]]
                payment["amount_refunded"] -= refund["amount"]
                _refund_status(payment)
            self._emit_refund(refund)
            return entity_view(refund)

    def _schedule_refund_processing(self, refund_id: str) -> None:
        """Caller holds the lock (auto-advance: pending refunds process after the delay)."""

        def process() -> None:
            refund = self.state.refunds.get(refund_id)
            if refund is not None and refund["status"] == "pending":
                self.advance_refund(refund_id, "processed")

        self.state.schedule(self.options.auto_advance_delay, process)

    def list_refunds(self, query: dict, payment_id: str | None = None) -> dict:
        count, skip = fields.paging(query)
        start, end = fields.time_filter(query, "from"), fields.time_filter(query, "to")
        items = [
            entity_view(r)
            for r in reversed(list(self.state.refunds.values()))
            if (payment_id is None or r["payment_id"] == payment_id)
            and (start is None or r["created_at"] >= start)
            and (end is None or r["created_at"] <= end)
        ]
        return fields.collection(items[skip : skip + count])

    def get_refund(self, refund_id: str, payment_id: str | None = None) -> dict:
        refund = self.state.refunds.get(refund_id)
        if refund is None or (payment_id is not None and refund["payment_id"] != payment_id):
            raise no_such_id()
        return refund

    def update_refund_notes(self, refund_id: str, data: dict) -> dict:
        refund = self.get_refund(refund_id)
        fields.reject_extra(data, {"notes"})
        refund["notes"] = fields.notes(data)
        return entity_view(refund)


def _refund_amount(data: dict, remaining: int) -> int:
    raw = data["amount"]
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)  # Razorpay's own samples send "100"
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ApiError("The amount must be an integer.", field="amount")
    if raw < 100:
        raise ApiError(
            "The amount must be at least INR 1.00",
            field="amount",
            step="payment_initiation",
        )
    if raw > remaining:
        raise ApiError("The refund amount provided is greater than amount captured", field="amount")
    return raw


def _refund_status(payment: dict) -> None:
    refunded = payment["amount_refunded"]
    if refunded <= 0:
        payment["refund_status"] = None
    elif refunded >= payment["amount"]:
        payment["refund_status"] = "full"
    else:
        payment["refund_status"] = "partial"
    if payment["status"] in ("captured", "refunded"):
        payment["status"] = "refunded" if payment["refund_status"] == "full" else "captured"
