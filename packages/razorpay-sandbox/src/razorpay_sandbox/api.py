"""``/v1/...``: the Razorpay and RazorpayX API subset PeerLearn uses, behind Basic auth, answering
with Razorpay's entities and error bodies (razorpay-api.md)."""

from __future__ import annotations

import base64
import copy
import hmac
from collections.abc import Mapping

from . import fields
from .errors import no_such_id, not_found_url
from .payments import REFUND_IDEMPOTENCY_HEADER, Payments, entity_view
from .payouts import IDEMPOTENCY_HEADER, Payouts, validate_contact, validate_fund_account
from .state import Options, SandboxState


def _copies(entities) -> list[dict]:
    """Newest first, as Razorpay lists."""
    return [copy.deepcopy(e) for e in reversed(list(entities))]


class Api:
    def __init__(self, state: SandboxState, payments: Payments, payouts: Payouts, options: Options):
        self.state = state
        self.payments = payments
        self.payouts = payouts
        self.options = options
        self._resources = {
            "orders": self._orders,
            "payments": self._payments,
            "refunds": self._refunds,
            "contacts": self._contacts,
            "fund_accounts": self._fund_accounts,
            "payouts": self._payouts,
        }

    def authorized(self, header: str | None) -> bool:
        """HTTP Basic with the key id and secret, compared in constant time."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        key_id, _, key_secret = decoded.partition(":")
        return hmac.compare_digest(
            key_id.encode(), self.options.key_id.encode()
        ) and hmac.compare_digest(key_secret.encode(), self.options.key_secret.encode())

    def handle(
        self, method: str, path: str, query: dict, data: dict, headers: Mapping[str, str]
    ) -> dict:
        segs = path.strip("/").split("/")[1:]  # drop "v1"
        resource = self._resources.get(segs[0] if segs else "")
        with self.state.lock:
            answer = resource(method, segs, query, data, headers) if resource else None
        if answer is None:
            raise not_found_url()
        return answer

    # Each resource answers its routes, or None when none matches (a 400 "URL not found").

    def _orders(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "POST" and n == 1:
            return self.payments.create_order(data)
        if method == "GET" and n == 1:
            return fields.page(
                [entity_view(o) for o in reversed(self.state.orders.values())], query
            )
        if method == "GET" and n == 2:
            return entity_view(self.payments.get_order(segs[1]))
        if method == "GET" and n == 3 and segs[2] == "payments":
            self.payments.get_order(segs[1])
            return fields.collection(
                [entity_view(p) for p in self.state.payments.values() if p["order_id"] == segs[1]]
            )
        return None

    def _payments(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "GET" and n == 1:
            items = [entity_view(p) for p in reversed(self.state.payments.values())]
            return fields.page(items, query)
        if method == "GET" and n == 2:
            return entity_view(self.payments.get_payment(segs[1]))
        if method == "POST" and n == 3 and segs[2] == "refund":
            return self.payments.create_refund(
                segs[1], data, headers.get(REFUND_IDEMPOTENCY_HEADER)
            )
        if method == "GET" and n == 3 and segs[2] == "refunds":
            if segs[1] not in self.state.payments:
                raise no_such_id()
            return self.payments.list_refunds(query, payment_id=segs[1])
        if method == "GET" and n == 4 and segs[2] == "refunds":
            return entity_view(self.payments.get_refund(segs[3], payment_id=segs[1]))
        if method == "POST" and n == 3 and segs[2] == "capture":
            return self.payments.capture(segs[1])
        return None

    def _refunds(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "GET" and n == 1:
            return self.payments.list_refunds(query)
        if method == "GET" and n == 2:
            return entity_view(self.payments.get_refund(segs[1]))
        if method == "PATCH" and n == 2:
            return self.payments.update_refund_notes(segs[1], data)
        return None

    def _contacts(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "POST" and n == 1:
            return copy.deepcopy(self.payouts.upsert_contact(validate_contact(data)))
        if method == "GET" and n == 1:
            filters = [k for k in ("reference_id", "type") if k in query]
            contacts = [
                c
                for c in self.state.contacts.values()
                if all(query[k] == c.get(k) for k in filters)
            ]
            return fields.page(_copies(contacts), query)
        if method == "GET" and n == 2:
            return copy.deepcopy(_known(self.state.contacts, segs[1]))
        return None

    def _fund_accounts(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "POST" and n == 1:
            norm = validate_fund_account(data)
            fa = self.payouts.upsert_fund_account(norm["contact_id"], norm["address"])
            return copy.deepcopy(fa)
        if method == "GET" and n == 1:
            accounts = [
                f
                for f in self.state.fund_accounts.values()
                if "contact_id" not in query or f["contact_id"] == query["contact_id"]
            ]
            return fields.page(_copies(accounts), query)
        if method == "GET" and n == 2:
            return copy.deepcopy(_known(self.state.fund_accounts, segs[1]))
        return None

    def _payouts(self, method, segs, query, data, headers) -> dict | None:
        n = len(segs)
        if method == "POST" and n == 1:
            return self.payouts.create(data, headers.get(IDEMPOTENCY_HEADER))
        if method == "GET" and n == 1:
            return self.payouts.list_payouts(query)
        if method == "GET" and n == 2:
            return copy.deepcopy(self.payouts.get_payout(segs[1]))
        if method == "POST" and n == 3 and segs[2] == "cancel":
            return self.payouts.cancel(segs[1])
        return None


def _known(entities: dict, entity_id: str) -> dict:
    entity = entities.get(entity_id)
    if entity is None:
        raise no_such_id()
    return entity
