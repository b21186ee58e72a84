"""RazorpayX: contacts, UPI fund accounts and payouts (razorpay-api.md §4-§6).

Payouts need ``X-Payout-Idempotency`` (same key and body replays the first response, another body
is a BAD_REQUEST), start ``processing`` (``queued`` or ``failed`` with the low-balance switch,
``pending`` with the approval workflow) and move along the §4 state machine, each move firing its
webhook.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from . import fields
from .common import GST_RATE_PERCENT, canonical_hash, digits, new_id, now
from .errors import ApiError, no_such_id
from .state import Options, SandboxState
from .webhooks import WebhookDispatcher

IDEMPOTENCY_HEADER = "X-Payout-Idempotency"
IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_\- ]{4,36}")
NARRATION_RE = re.compile(r"[a-zA-Z0-9 ]*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"\+?[0-9]{8,15}")

PAYOUT_PURPOSES = ("refund", "cashback", "payout", "salary", "utility bill", "vendor bill")
CONTACT_TYPES = ("vendor", "customer", "employee", "self")
CONTACT_KEY = ("name", "email", "contact", "type", "reference_id")
PAYOUT_FIELDS = {
    "account_number",
    "fund_account_id",
    "fund_account",
    "amount",
    "currency",
    "mode",
    "purpose",
    "queue_if_low_balance",
    "reference_id",
    "narration",
    "notes",
}

# razorpay-api.md §4 "Transitions" (public statuses; `scheduled` is dashboard-only, not modelled).
PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"queued", "processing", "rejected"}),
    "queued": frozenset({"processing", "cancelled", "failed"}),
    "processing": frozenset({"processed", "reversed", "failed"}),
    "processed": frozenset({"reversed"}),
    "reversed": frozenset({"failed"}),
    "failed": frozenset({"reversed"}),
    "cancelled": frozenset(),
    "rejected": frozenset(),
}
# status -> webhook event. No payout.cancelled is documented: a cancel is an entity change.
PAYOUT_EVENTS = {
    "pending": "payout.pending",
    "queued": "payout.queued",
    "processing": "payout.initiated",
    "processed": "payout.processed",
    "reversed": "payout.reversed",
    "failed": "payout.failed",
    "rejected": "payout.rejected",
    "cancelled": "payout.updated",
}

# status_details for failed/reversed (razorpay-api.md §4 table): reason -> (source, description).
FAILURE_REASONS = {
    "beneficiary_vpa_invalid": (
        "business",
        "UPI validation failed. If the UPI ID is valid, please retry after sometime.",
    ),
    "insufficient_funds": (
        "business",
        "Payout failed as there is insufficient balance in your business account.",
    ),
    "beneficiary_bank_offline": (
        "beneficiary_bank",
        "Payout failed as the beneficiary bank is offline. Please retry after some time.",
    ),
    "beneficiary_psp_offline": (
        "beneficiary_bank",
        "Payout failed as the beneficiary's UPI app (PSP) is offline. Please retry after some time.",
    ),
    "npci_beneficiary_timeout": (
        "gateway",
        "Payout failed as NPCI did not receive a response from the beneficiary bank in time.",
    ),
    "gateway_timeout": ("gateway", "Payout failed due to a timeout at the partner bank."),
    "gateway_technical_error": (
        "gateway",
        "Payout failed due to a technical error at the partner bank.",
    ),
    "server_error": ("internal", "Payout failed due to an internal error. Please retry."),
    "transaction_limit_exceeded": (
        "beneficiary_bank",
        "Payout failed as the beneficiary's transaction limit is exhausted.",
    ),
    "bank_account_closed": (
        "beneficiary_bank",
        "Payout failed as the beneficiary account is closed.",
    ),
}
DEFAULT_FAILURE_REASON = "beneficiary_bank_offline"
LOW_BALANCE_DETAILS = {
    "reason": "low_balance",
    "description": "Payout is queued as there is insufficient balance in your business account to process the payout",
    "source": "business",
}
PROCESSED_DETAILS = {
    "reason": "payout_processed",
    "description": "Payout is processed and the money has been credited into the beneficiary account.",
    "source": "beneficiary_bank",
}
PENDING_DETAILS = {
    "reason": "pending_approval",
    "description": "Payout is pending approval in your approval workflow.",
    "source": "business",
}


def missing_idempotency() -> ApiError:
    # razorpay-api.md §4, verbatim (note the string "null" reason).
    return ApiError(
        "missing idempotency key",
        body={
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": "Idempotency key is missing. Include idempotency header and key in the request.",
                "source": "business",
                "step": None,
                "reason": "null",
                "metadata": {},
                "field": IDEMPOTENCY_HEADER,
            }
        },
    )


def validate_contact(data: Any, prefix: str = "") -> dict:
    if not isinstance(data, dict):
        raise ApiError(f"The {prefix or 'contact'} must be an object.", field=prefix or None)
    fields.reject_extra(data, {"name", "email", "contact", "type", "reference_id", "notes"}, prefix)
    name = fields.required(data, "name", prefix)
    if not isinstance(name, str):
        raise ApiError("The name must be a string.", field=f"{prefix}name")
    if len(name) < 3:
        raise ApiError("The name must be at least 3 characters.", field=f"{prefix}name")
    if len(name) > 50:
        raise ApiError("The name may not be greater than 50 characters.", field=f"{prefix}name")
    if not (name[-1].isalnum() or name[-1] == "."):
        raise ApiError("The name format is invalid.", field=f"{prefix}name")
    email = fields.opt_str(data, "email", 254, prefix)
    if email is not None and not EMAIL_RE.fullmatch(email):
        raise ApiError("The email must be a valid email address.", field=f"{prefix}email")
    phone = data.get("contact")
    if phone is not None:
        phone = str(phone)
        if not PHONE_RE.fullmatch(phone.replace(" ", "").replace("-", "")):
            raise ApiError("The contact format is invalid.", field=f"{prefix}contact")
    ctype = data.get("type")
    if ctype is not None and ctype not in CONTACT_TYPES:
        raise ApiError(f"Invalid type: {ctype}", field=f"{prefix}type")
    return {
        "name": name,
        "email": email,
        "contact": phone,
        "type": ctype,
        "reference_id": fields.opt_str(data, "reference_id", 40, prefix),
        "notes": fields.notes(data, prefix),
    }


def validate_fund_account(data: Any, prefix: str = "", *, composite: bool = False) -> dict:
    if not isinstance(data, dict):
        raise ApiError("The fund account must be an object.", field=prefix.rstrip(".") or None)
    allowed = {"account_type", "vpa", "contact" if composite else "contact_id"}
    fields.reject_extra(data, allowed, prefix)
    account_type = fields.required(data, "account_type", prefix)
    if account_type != "vpa":
        # The sandbox models UPI payouts only (mode must be UPI).
        raise ApiError(f"Invalid account type: {account_type}", field=f"{prefix}account_type")
    vpa = fields.required(data, "vpa", prefix)
    if not isinstance(vpa, dict):
        raise ApiError("The vpa must be an object.", field=f"{prefix}vpa")
    address = fields.required(vpa, "address", f"{prefix}vpa.")
    if not fields.is_valid_vpa(address):
        raise ApiError(fields.INVALID_VPA, field=f"{prefix}vpa.address")
    norm = {"account_type": "vpa", "address": address}
    if not composite:
        norm["contact_id"] = fields.required(data, "contact_id", prefix)
    return norm


class Payouts:
    def __init__(self, state: SandboxState, webhooks: WebhookDispatcher, options: Options):
        self.state = state
        self.webhooks = webhooks
        self.options = options

    # -- contacts and fund accounts ----------------------------------------------------------

    def upsert_contact(self, norm: dict) -> dict:
        """Caller holds the lock. The same name/email/contact/type/reference_id is one contact."""
        key = tuple(norm[k] for k in CONTACT_KEY)
        for contact in self.state.contacts.values():
            if tuple(contact[k] for k in CONTACT_KEY) == key:
                return contact
        contact = {
            "id": new_id("cont_"),
            "entity": "contact",
            "name": norm["name"],
            "contact": norm["contact"],
            "email": norm["email"],
            "type": norm["type"],
            "reference_id": norm["reference_id"],
            "batch_id": None,
            "active": True,
            "notes": norm["notes"],
            "created_at": now(),
        }
        self.state.contacts[contact["id"]] = contact
        return contact

    def upsert_fund_account(self, contact_id: str, address: str) -> dict:
        """Caller holds the lock. One fund account per contact and VPA."""
        if contact_id not in self.state.contacts:
            raise no_such_id("contact_id")
        for fa in self.state.fund_accounts.values():
            if fa["contact_id"] == contact_id and fa["vpa"]["address"] == address:
                return fa
        username, handle = address.split("@", 1)
        fa = {
            "id": new_id("fa_"),
            "entity": "fund_account",
            "contact_id": contact_id,
            "account_type": "vpa",
            "vpa": {"username": username, "handle": handle, "address": address},
            "batch_id": None,
            "active": True,
            "created_at": now(),
        }
        self.state.fund_accounts[fa["id"]] = fa
        return fa

    def fund_account_embed(self, fa_id: str) -> dict | None:
        fa = self.state.fund_accounts.get(fa_id)
        if fa is None:
            return None
        embed = copy.deepcopy(fa)
        embed["contact"] = copy.deepcopy(self.state.contacts.get(fa["contact_id"]))
        return embed

    # -- switches ----------------------------------------------------------------------------

    def set_low_balance(self, enabled: bool) -> None:
        with self.state.lock:
            self.state.low_balance = bool(enabled)
            if not enabled:
                for payout in self.state.payouts.values():
                    details = payout.get("status_details") or {}
                    if payout["status"] == "queued" and details.get("reason") == "low_balance":
                        self._transition(payout, "processing")

    def set_approval_workflow(self, enabled: bool) -> None:
        with self.state.lock:
            self.state.approval_workflow = bool(enabled)

    # -- payouts -----------------------------------------------------------------------------

    def _fees(self) -> tuple[int, int]:
        tax = self.options.payout_fee * GST_RATE_PERCENT // 100
        return self.options.payout_fee + tax, tax

    def create(self, data: dict, idem_key: str | None) -> dict:
        if idem_key is None:
            raise missing_idempotency()
        if not IDEMPOTENCY_KEY_RE.fullmatch(idem_key):
            raise ApiError(
                "The idempotency key must be 4 to 36 characters of letters, digits, '-', '_' or space.",
                field=IDEMPOTENCY_HEADER,
            )
        body_hash = canonical_hash(data)
        with self.state.lock:
            saved = self.state.idempotency.get(idem_key)
            if saved is not None:
                if saved[0] != body_hash:
                    raise ApiError(
                        "Different request body sent for the same idempotency key",
                        field=IDEMPOTENCY_HEADER,
                    )
                return copy.deepcopy(saved[1])
            response = self._validate_and_create(data)
            self.state.idempotency[idem_key] = (body_hash, copy.deepcopy(response))
            return response

    def _validate_and_create(self, data: dict) -> dict:
        """Caller holds the lock."""
        fields.reject_extra(data, PAYOUT_FIELDS)
        account_number = str(fields.required(data, "account_number"))
        if account_number != self.options.account_number:
            raise ApiError("The account number is invalid.", field="account_number")
        composite = None
        if "fund_account" in data and "fund_account_id" in data:
            raise ApiError(
                "Only one of fund_account_id or fund_account should be sent", field="fund_account"
            )
        if "fund_account" in data:
            fa_data = data["fund_account"]
            composite_fa = validate_fund_account(fa_data, "fund_account.", composite=True)
            composite_contact = validate_contact(
                fields.required(fa_data, "contact", "fund_account."), "fund_account.contact."
            )
            composite = (composite_fa, composite_contact)
        else:
            fa_id = fields.required(data, "fund_account_id")
            if fa_id not in self.state.fund_accounts:
                raise no_such_id("fund_account_id")
        amount = fields.amount(data)
        currency = fields.currency(data)
        mode = fields.required(data, "mode")
        if mode != "UPI":
            raise ApiError(f"Invalid payout mode: {mode}", field="mode")
        purpose = fields.required(data, "purpose")
        if purpose not in PAYOUT_PURPOSES:
            raise ApiError(f"Invalid purpose: {purpose}", field="purpose")
        narration = fields.opt_str(data, "narration", 30)
        if narration is not None and not NARRATION_RE.fullmatch(narration):
            raise ApiError(
                "The narration may only contain letters, digits and spaces.", field="narration"
            )
        reference_id = fields.opt_str(data, "reference_id", 40)
        notes = fields.notes(data)
        queue_if_low = fields.boolean(data, "queue_if_low_balance", False)

        if composite is not None:
            contact = self.upsert_contact(composite[1])
            fa = self.upsert_fund_account(contact["id"], composite[0]["address"])
            fa_id = fa["id"]

        payout = {
            "id": new_id("pout_"),
            "entity": "payout",
            "fund_account_id": fa_id,
            "amount": amount,
            "currency": currency,
            "notes": notes,
            "fees": 0,
            "tax": 0,
            "status": "processing",
            "purpose": purpose,
            "utr": None,
            "mode": mode,
            "reference_id": reference_id,
            "narration": narration,
            "batch_id": None,
            "failure_reason": None,
            "created_at": now(),
            "fee_type": "",
            "status_details": None,
            "debit_account_number": self.options.account_number,
        }
        if self.state.approval_workflow:
            initial, reason = "pending", None
        elif self.state.low_balance:
            initial, reason = (
                ("queued", "low_balance") if queue_if_low else ("failed", "insufficient_funds")
            )
        else:
            initial, reason = "processing", None
        self.state.payouts[payout["id"]] = payout
        self.state.create_calls += 1
        self._transition(payout, initial, reason)
        response = copy.deepcopy(payout)
        if composite is not None:
            response["fund_account"] = self.fund_account_embed(fa_id)
        return response

    def advance(self, payout_id: str, status: str, reason: str | None = None) -> dict:
        """Move a payout along the §4 state machine and fire its webhook.

        Raises KeyError for an unknown payout and ValueError for an illegal transition.
        ``reason`` sets status_details.reason (failed/reversed default beneficiary_bank_offline).
        """
        with self.state.lock:
            payout = self.state.payouts.get(payout_id)
            if payout is None:
                raise KeyError(payout_id)
            if status not in PAYOUT_TRANSITIONS:
                raise ValueError(f"unknown payout status {status!r}")
            if status not in PAYOUT_TRANSITIONS[payout["status"]]:
                raise ValueError(f"illegal payout transition {payout['status']} -> {status}")
            self._transition(payout, status, reason)
            return copy.deepcopy(payout)

    def _transition(self, payout: dict, status: str, reason: str | None = None) -> None:
        """Set a status, its status_details/fees/utr, fire the webhook. Caller holds the lock
        and has checked legality (creation passes its initial status here too)."""
        payout["status"] = status
        if status == "processing":
            if not payout["fees"]:
                payout["fees"], payout["tax"] = self._fees()
            payout["status_details"] = (
                {"reason": reason, "description": None, "source": "beneficiary_bank"}
                if reason
                else {"reason": None, "description": None, "source": None}
            )
            payout["failure_reason"] = None
        elif status == "processed":
            payout["utr"] = payout["utr"] or digits(12)
            payout["status_details"] = dict(PROCESSED_DETAILS)
            payout["failure_reason"] = None
        elif status in ("failed", "reversed"):
            reason = reason or DEFAULT_FAILURE_REASON
            source, description = FAILURE_REASONS.get(
                reason, ("internal", f"Payout {status}: {reason}.")
            )
            payout["status_details"] = {
                "reason": reason,
                "description": description,
                "source": source,
            }
            payout["failure_reason"] = description
        elif status == "queued":
            payout["status_details"] = (
                dict(LOW_BALANCE_DETAILS)
                if (reason or "low_balance") == "low_balance"
                else {"reason": reason, "description": None, "source": "internal"}
            )
        elif status == "pending":
            payout["status_details"] = dict(PENDING_DETAILS)
        elif status == "cancelled":
            payout["status_details"] = {
                "reason": reason,
                "description": "Payout was cancelled.",
                "source": "business",
            }
        elif status == "rejected":
            payout["status_details"] = {
                "reason": reason,
                "description": "Payout was rejected in the approval workflow.",
                "source": "business",
            }
        entity = copy.deepcopy(payout)
        embed = self.fund_account_embed(payout["fund_account_id"])
        if embed is not None:
            embed.pop("contact", None)
            entity["fund_account"] = embed
        self.webhooks.emit(PAYOUT_EVENTS[status], ["payout"], {"payout": {"entity": entity}})
        if status == "processing" and self.options.auto_advance:
            self._schedule_auto_advance(payout["id"])

    def _schedule_auto_advance(self, payout_id: str) -> None:
        """Caller holds the lock (auto-advance: processing payouts process after the delay)."""

        def process() -> None:
            payout = self.state.payouts.get(payout_id)
            if payout is not None and payout["status"] == "processing":
                self._transition(payout, "processed")

        self.state.schedule(self.options.auto_advance_delay, process)

    def cancel(self, payout_id: str) -> dict:
        with self.state.lock:
            payout = self.get_payout(payout_id)
            if payout["status"] != "queued":
                raise ApiError(
                    "Payout cannot be cancelled as it is not in queued state", field="status"
                )
            self._transition(payout, "cancelled")
            return copy.deepcopy(payout)

    def get_payout(self, payout_id: str) -> dict:
        payout = self.state.payouts.get(payout_id)
        if payout is None:
            raise no_such_id()
        return payout

    def list_payouts(self, query: dict) -> dict:
        account_number = query.get("account_number")
        if not account_number:
            raise ApiError("The account number field is required.", field="account_number")
        if account_number != self.options.account_number:
            raise ApiError("The account number is invalid.", field="account_number")
        count, skip = fields.paging(query)
        start, end = fields.time_filter(query, "from"), fields.time_filter(query, "to")
        with self.state.lock:
            items = []
            for payout in reversed(list(self.state.payouts.values())):
                fa = self.state.fund_accounts.get(payout["fund_account_id"], {})
                checks = {
                    "reference_id": payout["reference_id"],
                    "status": payout["status"],
                    "fund_account_id": payout["fund_account_id"],
                    "contact_id": fa.get("contact_id"),
                    "mode": payout["mode"],
                }
                if any(k in query and query[k] != v for k, v in checks.items()):
                    continue
                if start is not None and payout["created_at"] < start:
                    continue
                if end is not None and payout["created_at"] > end:
                    continue
                items.append(copy.deepcopy(payout))
            return fields.collection(items[skip : skip + count])
