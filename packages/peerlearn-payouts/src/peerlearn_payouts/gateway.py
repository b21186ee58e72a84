"""The one seam to Razorpay: the only module that imports the SDK.

The same implementation talks to api.razorpay.com in production and to the loopback sandbox in
tests and the demo (only the base URL differs): real SDK, real HTTP, real HMAC signatures.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import razorpay
import requests
from razorpay import errors as rzp_errors

from .app_settings import payout_settings

# Razorpay's server-side VPA rule (razorpay-api.md §6): one @, a letters-only handle. The withdraw
# form checks the same pattern in the browser (selectors.withdraw_rules puts it in the page), so it
# stays in the syntax Python and JavaScript regular expressions share.
VPA_RE = re.compile(r"[-.a-zA-Z0-9][a-zA-Z0-9.-]*@[a-zA-Z]+(?:[0-9]*\.ifsc\.npci)?")
VPA_MIN_LENGTH = 3
VPA_MAX_LENGTH = 100


def is_valid_vpa(address: str) -> bool:
    return (
        VPA_MIN_LENGTH <= len(address) <= VPA_MAX_LENGTH and VPA_RE.fullmatch(address) is not None
    )


class GatewayError(Exception):
    """A call failed. ``transient`` means the same call may be retried (timeouts, 5xx,
    connection errors); otherwise Razorpay refused the request itself."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Order:
    id: str
    amount_paise: int
    currency: str
    status: str


class PaymentGateway(Protocol):
    key_id: str

    def create_order(self, *, amount_paise: int, receipt: str, notes: dict) -> Order: ...
    def verify_payment_signature(
        self, *, order_id: str, payment_id: str, signature: str
    ) -> bool: ...
    def create_contact(self, *, name: str, email: str, reference_id: str) -> str: ...
    def create_vpa_fund_account(self, *, contact_id: str, vpa: str) -> str: ...
    def create_payout(
        self, *, fund_account_id: str, amount_paise: int, idempotency_key: str, reference_id: str
    ) -> dict: ...
    def fetch_payout(self, payout_id: str) -> dict: ...
    def create_refund(
        self,
        *,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        receipt: str,
        notes: dict,
    ) -> dict: ...
    def fetch_refund(self, refund_id: str) -> dict: ...
    def payment_refunds(self, payment_id: str) -> list[dict]: ...
    def verify_webhook(self, *, body: bytes, signature: str | None) -> bool: ...


class RazorpayGateway:
    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        base_url: str,
        account_number: str,
        webhook_secret: str,
        timeout: float,
    ):
        self.key_id = key_id
        self._key_secret = key_secret
        self._account_number = account_number
        self._webhook_secret = webhook_secret
        self._timeout = timeout
        self._client = razorpay.Client(auth=(key_id, key_secret), base_url=base_url)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, timeout=self._timeout, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise GatewayError(
                f"Razorpay did not answer: {exc.__class__.__name__}", transient=True
            ) from exc
        except rzp_errors.BadRequestError as exc:
            raise GatewayError(str(exc) or "Razorpay refused the request", transient=False) from exc
        except (rzp_errors.ServerError, rzp_errors.GatewayError) as exc:
            raise GatewayError(str(exc) or "Razorpay failed", transient=True) from exc
        except requests.RequestException as exc:  # e.g. a non-JSON error page
            raise GatewayError(
                f"Razorpay returned an unreadable answer: {exc}", transient=True
            ) from exc

    # --- payments ----------------------------------------------------------------------------
    def create_order(self, *, amount_paise: int, receipt: str, notes: dict) -> Order:
        body = {"amount": amount_paise, "currency": "INR", "receipt": receipt[:40], "notes": notes}
        data = self._call(self._client.order.create, body)
        return Order(
            id=data["id"],
            amount_paise=data["amount"],
            currency=data["currency"],
            status=data["status"],
        )

    def verify_payment_signature(self, *, order_id: str, payment_id: str, signature: str) -> bool:
        if not self._key_secret:
            return False  # an HMAC under an empty key is one anybody can compute
        message = f"{order_id}|{payment_id}".encode()
        expected = hmac.new(self._key_secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature or "")

    # --- RazorpayX payouts -------------------------------------------------------------------
    def create_contact(self, *, name: str, email: str, reference_id: str) -> str:
        # Contact names are 3-50 chars and must not end with a special character.
        clean = re.sub(r"[^A-Za-z0-9 .]", "", name).strip(" .")[:50] or "PeerLearn Mentor"
        body = {
            "name": clean.ljust(3, "X"),
            "email": email,
            "type": "vendor",
            "reference_id": reference_id[:40],
        }
        return self._call(self._client.post, "/v1/contacts", body)["id"]

    def create_vpa_fund_account(self, *, contact_id: str, vpa: str) -> str:
        body = {"contact_id": contact_id, "account_type": "vpa", "vpa": {"address": vpa}}
        return self._call(self._client.fund_account.create, body)["id"]

    def create_payout(
        self, *, fund_account_id: str, amount_paise: int, idempotency_key: str, reference_id: str
    ) -> dict:
        body = {
            "account_number": self._account_number,
            "fund_account_id": fund_account_id,
            "amount": amount_paise,
            "currency": "INR",
            "mode": "UPI",
            "purpose": payout_settings.PAYOUT_PURPOSE,
            "queue_if_low_balance": True,
            "reference_id": reference_id[:40],
            "narration": payout_settings.PAYOUT_NARRATION[:30],
        }
        return self._call(
            self._client.post,
            "/v1/payouts",
            body,
            headers={"X-Payout-Idempotency": idempotency_key},
        )

    def fetch_payout(self, payout_id: str) -> dict:
        return self._call(self._client.get, f"/v1/payouts/{payout_id}", {})

    # --- refunds -----------------------------------------------------------------------------
    def create_refund(
        self,
        *,
        payment_id: str,
        amount_paise: int,
        idempotency_key: str,
        receipt: str,
        notes: dict,
    ) -> dict:
        """A normal refund of ``amount_paise`` of a captured payment. ``X-Refund-Idempotency``
        (10+ letters, digits, ``-``, ``_``): the same key and body return the first refund, so a
        retry after a timeout never refunds twice."""
        body = {
            "amount": amount_paise,
            "speed": payout_settings.REFUND_SPEED,
            "receipt": receipt[:40],
            "notes": notes,
        }
        return self._call(
            self._client.payment.refund,
            payment_id,
            body,
            headers={"X-Refund-Idempotency": idempotency_key},
        )

    def fetch_refund(self, refund_id: str) -> dict:
        return self._call(self._client.refund.fetch, refund_id, {})

    def payment_refunds(self, payment_id: str) -> list[dict]:
        data = self._call(self._client.payment.fetch_multiple_refund, payment_id, {"count": 100})
        return list(data.get("items") or [])

    # --- webhooks ----------------------------------------------------------------------------
    def verify_webhook(self, *, body: bytes, signature: str | None) -> bool:
        if not signature or not self._webhook_secret:
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        try:
            return bool(
                self._client.utility.verify_webhook_signature(text, signature, self._webhook_secret)
            )
        except rzp_errors.SignatureVerificationError:
            return False


@lru_cache(maxsize=1)
def _build(key_id, key_secret, base_url, account_number, webhook_secret, timeout):
    return RazorpayGateway(
        key_id=key_id,
        key_secret=key_secret,
        base_url=base_url,
        account_number=account_number,
        webhook_secret=webhook_secret,
        timeout=timeout,
    )


def get_gateway() -> PaymentGateway:
    s = payout_settings
    return _build(
        s.KEY_ID, s.KEY_SECRET, s.BASE_URL, s.ACCOUNT_NUMBER, s.WEBHOOK_SECRET, float(s.TIMEOUT)
    )
