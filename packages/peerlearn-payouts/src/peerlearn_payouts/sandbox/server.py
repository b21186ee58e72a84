"""Loopback Razorpay sandbox: a faithful fake of the Razorpay + RazorpayX HTTP API.

Spec: /work/shared/razorpay-api.md, and for refunds Razorpay's API docs (razorpay/markdown-docs
api/refunds/create-normal.md, entity.md; razorpay.com/docs/api/refunds/normal-refunds-idempotent;
webhooks/refunds): ``POST /v1/payments/{id}/refund`` (SDK ``client.payment.refund(id, body)``) with
``amount`` (optional: the rest), ``speed``, ``receipt``, ``notes``; ``X-Refund-Idempotency`` (10+
of ``[A-Za-z0-9_-]``, same key + body replays, another body is a BAD_REQUEST); refunds start
``pending`` and end ``processed`` or ``failed``; the payment's ``amount_refunded`` and
``refund_status`` (null/partial/full, status ``refunded`` when full) move at creation;
``refund.created|processed|failed`` webhooks carry the refund and the payment.

Standard library only (plus ``requests`` for webhook delivery), no Django: it runs in-process for
tests (``SandboxServer(...).start()``) or as its own process (``python -m peerlearn_payouts.sandbox``).

Surfaces
- ``/v1/...``            the Razorpay API subset we use (Basic auth, Razorpay error bodies).
- ``/_sandbox/...``      test controls (same Basic auth): advance payouts and refunds, faults,
                         webhooks, reset.
- ``/checkout``          a stand-in for the hosted Razorpay Checkout (no auth), plus a
                         ``/v1/checkout.js`` shim that mimics ``new Razorpay(options).open()``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import html
import json
import random
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

__all__ = [
    "DEFAULT_ACCOUNT_NUMBER",
    "PAYOUT_PURPOSES",
    "PAYOUT_TRANSITIONS",
    "VPA_REGEX",
    "ApiError",
    "SandboxServer",
    "is_valid_vpa",
]

DEFAULT_ACCOUNT_NUMBER = "7878780080316316"

# razorpay-api.md §6 (RZP-API app/Models/Vpa/Validator.php @a6d8302a) + length 3..100.
VPA_REGEX = re.compile(r"[-.a-zA-Z0-9][a-zA-Z0-9.-]*@[a-zA-Z]+(?:[0-9]*\.ifsc\.npci)?")
INVALID_VPA = "Invalid VPA. Please enter a valid Virtual Payment Address"

IDEMPOTENCY_HEADER = "X-Payout-Idempotency"
IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_\- ]{4,36}")
NARRATION_RE = re.compile(r"[a-zA-Z0-9 ]*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"\+?[0-9]{8,15}")

PAYOUT_PURPOSES = ("refund", "cashback", "payout", "salary", "utility bill", "vendor bill")
CONTACT_TYPES = ("vendor", "customer", "employee", "self")

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

# Refunds (Razorpay API docs: api/refunds/create-normal, normal-refunds-idempotent, entity;
# webhooks/refunds). A normal refund starts `pending` and ends `processed` or `failed`.
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

FAULT_KINDS = ("timeout", "5xx", "reject")
GST_RATE_PERCENT = 18
_ALNUM = string.ascii_letters + string.digits
_CHECKOUT_TEMPLATE = Path(__file__).with_name("checkout.html")


def is_valid_vpa(address: Any) -> bool:
    """razorpay-api.md §6: 3..100 chars and the server's VPA regex (no `_`, letters-only handle)."""
    return (
        isinstance(address, str) and 3 <= len(address) <= 100 and bool(VPA_REGEX.fullmatch(address))
    )


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(14))


def _digits(n: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(n - 1))


def _now() -> int:
    return int(time.time())


def _sign(secret: str, message: bytes | str) -> str:
    if isinstance(message, str):
        message = message.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _canonical_hash(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _rupees(paise: int) -> str:
    if paise % 100 == 0:
        return f"{paise // 100:,}"
    return f"{paise / 100:,.2f}"


class ApiError(Exception):
    """A Razorpay-shaped error response."""

    def __init__(
        self,
        description: str,
        *,
        field: str | None = None,
        status: int = 400,
        code: str = "BAD_REQUEST_ERROR",
        source: str | None = "business",
        step: str | None = "NA",
        reason: str | None = "input_validation_failed",
        body: dict | None = None,
    ):
        super().__init__(description)
        self.status = status
        self.body = body or {
            "error": {
                "code": code,
                "description": description,
                "source": source,
                "step": step,
                "reason": reason,
                "metadata": {},
                "field": field,
            }
        }


def _auth_error() -> ApiError:
    return ApiError(
        "Authentication failed",
        status=401,
        body={"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}},
    )


def _not_found_url() -> ApiError:
    return ApiError(
        "The requested URL was not found on the server.",
        source="NA",
        reason="NA",
    )


def _no_such_id(field: str = "id") -> ApiError:
    return ApiError("The id provided does not exist", field=field, reason="NA")


def _server_error() -> ApiError:
    return ApiError(
        "The server encountered an error. The incident has been reported to admins.",
        status=500,
        code="SERVER_ERROR",
        source="internal",
        reason="server_error",
    )


def _missing_idempotency() -> ApiError:
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


# --- validation helpers ---------------------------------------------------------------------


def _label(field: str) -> str:
    return field.rsplit(".", 1)[-1].replace("_", " ")


def _reject_extra(data: dict, allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise ApiError(
                f"{prefix}{key} is/are not required and should not be sent", field=f"{prefix}{key}"
            )


def _required(data: dict, key: str, prefix: str = "") -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise ApiError(f"The {_label(key)} field is required.", field=f"{prefix}{key}")
    return value


def _opt_str(data: dict, key: str, max_len: int, prefix: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(f"The {_label(key)} must be a string.", field=f"{prefix}{key}")
    if len(value) > max_len:
        raise ApiError(
            f"The {_label(key)} may not be greater than {max_len} characters.",
            field=f"{prefix}{key}",
        )
    return value


def _amount(data: dict) -> int:
    value = _required(data, "amount")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError("The amount must be an integer.", field="amount")
    if value < 100:
        raise ApiError(
            "The amount must be at least INR 1.00", field="amount", step="payment_initiation"
        )
    return value


def _currency(data: dict) -> str:
    value = _required(data, "currency")
    if value != "INR":
        raise ApiError("Currency is not supported", field="currency")
    return value


def _notes(data: dict, prefix: str = "") -> dict:
    notes = data.get("notes")
    if notes is None or notes == []:
        return {}
    if not isinstance(notes, dict):
        raise ApiError("The notes must be an object of key-value pairs.", field=f"{prefix}notes")
    if len(notes) > 15:
        raise ApiError("The notes may not have more than 15 items.", field=f"{prefix}notes")
    for key, value in notes.items():
        if isinstance(value, dict | list) or value is None:
            raise ApiError(f"The notes.{key} must be a string.", field=f"{prefix}notes.{key}")
        if len(str(value)) > 256:
            raise ApiError(
                "The notes value may not be greater than 256 characters.",
                field=f"{prefix}notes.{key}",
            )
    return dict(notes)


def _bool(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value in (0, 1) and not isinstance(value, bool):
        return bool(value)
    if not isinstance(value, bool):
        raise ApiError(f"The {_label(key)} field must be true or false.", field=key)
    return value


def _paging(query: dict) -> tuple[int, int]:
    try:
        count = int(query.get("count", 10))
        skip = int(query.get("skip", 0))
    except ValueError:
        raise ApiError("The count and skip must be integers.", field="count") from None
    if count < 1 or count > 100:
        raise ApiError("The count must be between 1 and 100.", field="count")
    if skip < 0:
        raise ApiError("The skip must be at least 0.", field="skip")
    return count, skip


def _time_filter(query: dict, key: str) -> int | None:
    if key not in query:
        return None
    try:
        return int(query[key])
    except ValueError:
        raise ApiError(f"The {key} must be an integer.", field=key) from None


def _collection(items: list[dict]) -> dict:
    return {"entity": "collection", "count": len(items), "items": items}


def _notes_out(notes: dict) -> dict | list:
    # Razorpay's PHP API serialises empty notes on orders/payments as [] (a JSON array).
    return notes if notes else []


# --- data types -----------------------------------------------------------------------------


@dataclass
class _Fault:
    kind: str
    method: str
    path: str
    remaining: int
    delay: float
    process: bool
    description: str | None = None

    def view(self) -> dict:
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "remaining": self.remaining,
            "delay": self.delay,
            "process": self.process,
            "description": self.description,
        }


@dataclass
class _Delivery:
    seq: int
    generation: int
    event_id: str
    event: str
    body: bytes
    signature: str
    url: str
    attempt: int = 0
    next_at: float = 0.0


# --- the server -----------------------------------------------------------------------------


class SandboxServer:
    """In-process (or standalone) fake of Razorpay for tests and the local demo.

    ``start()`` binds and serves from a background thread; ``url`` is ``http://HOST:PORT``.
    Every helper is thread-safe and mirrors a ``/_sandbox`` control route.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        key_id: str,
        key_secret: str,
        webhook_secret: str = "",
        webhook_url: str | None = None,
        account_number: str = DEFAULT_ACCOUNT_NUMBER,
        auto_advance: bool = False,
        auto_advance_delay: float = 3.0,
        account_id: str | None = None,
        webhook_timeout: float = 5.0,
        webhook_max_attempts: int = 8,
        webhook_backoff: float = 0.2,
        webhook_backoff_cap: float = 3.2,
        shuffle_window: float = 0.25,
        timeout_fault_delay: float = 6.0,
        payout_fee: int = 500,
        log_requests: bool = False,
    ):
        if not key_id or not key_secret:
            raise ValueError("key_id and key_secret are required")
        self.host = host
        self.port = port
        self.key_id = key_id
        self.key_secret = key_secret
        self.account_number = str(account_number)
        self.account_id = account_id or _new_id("acc_")
        self.auto_advance = auto_advance
        self.auto_advance_delay = auto_advance_delay
        self.webhook_timeout = webhook_timeout
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_backoff = webhook_backoff
        self.webhook_backoff_cap = webhook_backoff_cap
        self.shuffle_window = shuffle_window
        self.timeout_fault_delay = timeout_fault_delay
        self.payout_fee = payout_fee
        self.log_requests = log_requests
        self._initial_webhook = {"url": webhook_url, "secret": webhook_secret or ""}

        self._lock = threading.RLock()
        self._wh_cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._serve_thread: threading.Thread | None = None
        self._worker: threading.Thread | None = None
        self._rng = random.Random()
        self._timers: set[threading.Timer] = set()
        self._generation = 0
        self._seq = 0
        self._reset_state()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("sandbox already started")
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._serve_thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="razorpay-sandbox-http",
            daemon=True,
        )
        self._serve_thread.start()
        self._worker = threading.Thread(
            target=self._webhook_worker, name="razorpay-sandbox-webhooks", daemon=True
        )
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._wh_cond:
            self._wh_cond.notify_all()
        with self._lock:
            for timer in list(self._timers):
                timer.cancel()
            self._timers.clear()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._serve_thread is not None:
            self._serve_thread.join(5)
        if self._worker is not None:
            self._worker.join(1)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("sandbox not started")
        return f"http://{self.host}:{self.port}"

    # -- state -------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        with self._lock:
            for timer in list(self._timers):
                timer.cancel()
            self._timers.clear()
            self._orders: dict[str, dict] = {}
            self._payments: dict[str, dict] = {}
            self._contacts: dict[str, dict] = {}
            self._fund_accounts: dict[str, dict] = {}
            self._payouts: dict[str, dict] = {}
            self._idempotency: dict[str, tuple[str, dict]] = {}
            self._create_calls = 0
            self._refunds: dict[str, dict] = {}
            self._refund_idempotency: dict[str, tuple[str, dict]] = {}
            self._refund_create_calls = 0
            self._faults: list[_Fault] = []
            self._low_balance = False
            self._approval_workflow = False
            self._events: dict[str, dict] = {}
            self._event_log: list[str] = []
            with self._wh_cond:
                self._generation += 1
                self._queue: list[_Delivery] = []
                self._inflight = 0
                self._deliveries: list[dict] = []
                self._last_enqueue = 0.0
                self._webhooks = {
                    "url": self._initial_webhook["url"],
                    "secret": self._initial_webhook["secret"],
                    "enabled": True,
                    "duplicate": False,
                    "shuffle": False,
                }
                self._wh_cond.notify_all()

    def reset(self) -> None:
        """Forget everything (entities, idempotency keys, faults, events, switches, queue)."""
        self._reset_state()

    @property
    def create_calls(self) -> int:
        """How many POST /v1/payouts created a NEW payout (replays don't count)."""
        with self._lock:
            return self._create_calls

    def payouts(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._payouts.values()]

    def payout(self, payout_id: str) -> dict:
        with self._lock:
            if payout_id not in self._payouts:
                raise KeyError(payout_id)
            return copy.deepcopy(self._payouts[payout_id])

    def orders(self) -> list[dict]:
        with self._lock:
            return [self._order_view(o) for o in self._orders.values()]

    def payments(self) -> list[dict]:
        with self._lock:
            return [self._payment_view(p) for p in self._payments.values()]

    @property
    def refund_create_calls(self) -> int:
        """How many POST /v1/payments/{id}/refund created a NEW refund (replays don't count)."""
        with self._lock:
            return self._refund_create_calls

    def refunds(self, payment_id: str | None = None) -> list[dict]:
        """Every refund (oldest first), or only those of ``payment_id``."""
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._refunds.values()
                if payment_id is None or r["payment_id"] == payment_id
            ]

    def refund(self, refund_id: str) -> dict:
        with self._lock:
            if refund_id not in self._refunds:
                raise KeyError(refund_id)
            return copy.deepcopy(self._refunds[refund_id])

    def payment(self, payment_id: str) -> dict:
        with self._lock:
            if payment_id not in self._payments:
                raise KeyError(payment_id)
            return self._payment_view(self._payments[payment_id])

    def contacts(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(c) for c in self._contacts.values()]

    def fund_accounts(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(f) for f in self._fund_accounts.values()]

    def set_low_balance(self, enabled: bool) -> None:
        """Low balance on: new payouts queue (or fail). Off: queued low_balance payouts process."""
        with self._lock:
            self._low_balance = bool(enabled)
            if not enabled:
                for payout in self._payouts.values():
                    details = payout.get("status_details") or {}
                    if payout["status"] == "queued" and details.get("reason") == "low_balance":
                        self._transition(payout, "processing")

    def set_approval_workflow(self, enabled: bool) -> None:
        """Approval workflow on: new payouts are created ``pending`` (pending_approval)."""
        with self._lock:
            self._approval_workflow = bool(enabled)

    # -- faults ------------------------------------------------------------------------------

    def inject_fault(
        self,
        kind: str,
        *,
        method: str = "POST",
        path: str = "/v1/payouts",
        count: int = 1,
        delay: float | None = None,
        process: bool | None = None,
        description: str | None = None,
    ) -> dict:
        """The next ``count`` requests matching METHOD + path prefix get the fault.

        - ``timeout``: handle the request (``process`` default True), then stall ``delay`` s
          (default ``timeout_fault_delay``) before answering, so the client times out although
          the server did the work. ``process=False`` stalls and drops the connection unprocessed.
        - ``5xx``: HTTP 500 SERVER_ERROR; ``process`` default False (True = did the work, then 500).
        - ``reject``: HTTP 400 BAD_REQUEST_ERROR, never processed.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        if int(count) < 1:
            raise ValueError("count must be >= 1")
        fault = _Fault(
            kind=kind,
            method=method.upper(),
            path=path,
            remaining=int(count),
            delay=float(self.timeout_fault_delay if delay is None else delay),
            process=(kind == "timeout") if process is None else bool(process),
            description=description,
        )
        if kind == "reject":
            fault.process = False
        with self._lock:
            self._faults.append(fault)
            return fault.view()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict]:
        with self._lock:
            return [f.view() for f in self._faults]

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and path.startswith(fault.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
        return None

    # -- webhooks: configuration and delivery -----------------------------------------------

    def set_webhooks(
        self,
        url: str | None = None,
        enabled: bool = True,
        duplicate: bool = False,
        shuffle: bool = False,
        secret: str | None = None,
    ) -> dict:
        """Configure delivery. ``url=None``/``secret=None`` keep the current value.

        enabled=False queues nothing (events are still recorded and can be redelivered);
        duplicate delivers each event twice with the same event id; shuffle delivers the
        events queued within ``shuffle_window`` seconds in random order.
        """
        with self._wh_cond:
            if url is not None:
                self._webhooks["url"] = url
            if secret is not None:
                self._webhooks["secret"] = secret
            self._webhooks.update(
                enabled=bool(enabled), duplicate=bool(duplicate), shuffle=bool(shuffle)
            )
            self._wh_cond.notify_all()
            return self._webhook_config()

    def _webhook_config(self) -> dict:
        return {k: v for k, v in self._webhooks.items() if k != "secret"}

    @property
    def deliveries(self) -> list[dict]:
        """Every delivery attempt: event_id, event, status_code (None on error), ok, attempt,
        error, gave_up, url, signature, body (str), at (epoch seconds)."""
        with self._wh_cond:
            return [dict(d) for d in self._deliveries]

    @property
    def events(self) -> list[dict]:
        """Every webhook event generated so far (delivered or not), oldest first."""
        with self._lock:
            return [self._event_view(self._events[eid]) for eid in self._event_log]

    @staticmethod
    def _event_view(event: dict) -> dict:
        return {
            "event_id": event["event_id"],
            "event": event["event"],
            "signature": event["signature"],
            "body": event["body"].decode("utf-8"),
            "payload": json.loads(event["body"]),
        }

    def pending_webhooks(self) -> int:
        with self._wh_cond:
            return len(self._queue) + self._inflight

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until the delivery queue is empty and nothing is in flight. True if drained."""
        deadline = time.monotonic() + timeout
        with self._wh_cond:
            while self._queue or self._inflight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wh_cond.wait(min(remaining, 0.05))
            return True

    def redeliver(self, event_id: str) -> None:
        """Queue one more delivery of a recorded event: same event id, same bytes, same signature."""
        with self._lock:
            event = self._events.get(event_id)
            if event is None:
                raise KeyError(event_id)
            with self._wh_cond:
                url = self._webhooks["url"]
                if not url:
                    raise ValueError("no webhook url configured")
                self._enqueue(event, url)

    def _emit(self, name: str, contains: list[str], payload: dict) -> dict:
        """Record an event and queue its delivery. Caller holds self._lock."""
        envelope = {
            "entity": "event",
            "account_id": self.account_id,
            "event": name,
            "contains": contains,
            "payload": payload,
            "created_at": _now(),
        }
        body = json.dumps(envelope).encode("utf-8")
        with self._wh_cond:
            secret = self._webhooks["secret"]
            event = {
                "event_id": _new_id("evt_"),
                "event": name,
                "body": body,
                "signature": _sign(secret, body),
            }
            self._events[event["event_id"]] = event
            self._event_log.append(event["event_id"])
            url = self._webhooks["url"]
            if self._webhooks["enabled"] and url:
                copies = 2 if self._webhooks["duplicate"] else 1
                for _ in range(copies):
                    self._enqueue(event, url)
        return event

    def _enqueue(self, event: dict, url: str) -> None:
        """Caller holds self._wh_cond."""
        self._seq += 1
        now = time.monotonic()
        self._queue.append(
            _Delivery(
                seq=self._seq,
                generation=self._generation,
                event_id=event["event_id"],
                event=event["event"],
                body=event["body"],
                signature=event["signature"],
                url=url,
                next_at=now,
            )
        )
        self._last_enqueue = now
        self._wh_cond.notify_all()

    def _next_delivery(self) -> tuple[_Delivery | None, float | None]:
        """Caller holds self._wh_cond. Returns (item, None) or (None, seconds to wait)."""
        if not self._queue:
            return None, None
        now = time.monotonic()
        if self._webhooks["shuffle"]:
            quiet = now - self._last_enqueue
            if quiet < self.shuffle_window:
                return None, self.shuffle_window - quiet
        ready = [d for d in self._queue if d.next_at <= now]
        if not ready:
            return None, max(0.0, min(d.next_at for d in self._queue) - now)
        if self._webhooks["shuffle"]:
            item = self._rng.choice(ready)
        else:
            item = min(ready, key=lambda d: (d.next_at, d.seq))
        return item, None

    def _webhook_worker(self) -> None:
        session = requests.Session()
        session.trust_env = False  # never route loopback deliveries through a proxy
        while not self._stopping.is_set():
            with self._wh_cond:
                item, wait = self._next_delivery()
                if item is None:
                    self._wh_cond.wait(wait if wait is not None else 1.0)
                    continue
                self._queue.remove(item)
                self._inflight += 1
            status_code, error = None, None
            try:
                response = session.post(
                    item.url,
                    data=item.body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Razorpay-Signature": item.signature,
                        "X-Razorpay-Event-Id": item.event_id,
                        "User-Agent": "Razorpay-Webhook/v1 (peerlearn sandbox)",
                    },
                    timeout=self.webhook_timeout,
                )
                status_code = response.status_code
                response.close()
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            ok = status_code is not None and 200 <= status_code < 300
            with self._wh_cond:
                self._inflight -= 1
                item.attempt += 1
                gave_up = not ok and item.attempt >= self.webhook_max_attempts
                if item.generation == self._generation:
                    self._deliveries.append(
                        {
                            "event_id": item.event_id,
                            "event": item.event,
                            "status_code": status_code,
                            "ok": ok,
                            "attempt": item.attempt,
                            "error": error,
                            "gave_up": gave_up,
                            "url": item.url,
                            "signature": item.signature,
                            "body": item.body.decode("utf-8"),
                            "at": time.time(),
                        }
                    )
                    if not ok and not gave_up and not self._stopping.is_set():
                        backoff = self.webhook_backoff * (2 ** (item.attempt - 1))
                        item.next_at = time.monotonic() + min(backoff, self.webhook_backoff_cap)
                        self._queue.append(item)
                self._wh_cond.notify_all()
        session.close()

    # -- orders, payments, checkout ---------------------------------------------------------

    def _order_view(self, order: dict) -> dict:
        view = copy.deepcopy(order)
        view["notes"] = _notes_out(view["notes"])
        return view

    def _payment_view(self, payment: dict) -> dict:
        view = copy.deepcopy(payment)
        view["notes"] = _notes_out(view["notes"])
        return view

    def _create_order(self, data: dict) -> dict:
        _reject_extra(
            data,
            {
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
            },
        )
        amount = _amount(data)
        currency = _currency(data)
        receipt = _opt_str(data, "receipt", 40)
        notes = _notes(data)
        partial = _bool(data, "partial_payment", False)
        order = {
            "id": _new_id("order_"),
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
            "created_at": _now(),
        }
        if partial:
            order["partial_payment"] = True
        with self._lock:
            self._orders[order["id"]] = order
            return self._order_view(order)

    def _get_order(self, order_id: str) -> dict:
        order = self._orders.get(order_id)
        if order is None:
            raise _no_such_id()
        return order

    def _new_payment(self, order: dict, *, status: str, vpa: str, email: str, contact: str) -> dict:
        amount = order["amount_due"]
        fee = tax = None
        if status == "captured":
            base = amount * 2 // 100
            tax = base * GST_RATE_PERCENT // 100
            fee = base + tax
        payment = {
            "id": _new_id("pay_"),
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
            "acquirer_data": {"rrn": _digits(12) if status == "captured" else None},
            "created_at": _now(),
        }
        if status == "failed":
            payment.update(
                error_code="BAD_REQUEST_ERROR",
                error_description="Payment was unsuccessful as the customer declined it in the UPI app.",
                error_source="customer",
                error_step="payment_authorization",
                error_reason="payment_failed",
            )
        self._payments[payment["id"]] = payment
        order["attempts"] += 1
        return payment

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
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise KeyError(order_id)
            if order["status"] == "paid":
                raise ValueError("Order is already paid")
            payment = self._new_payment(
                order, status="captured", vpa=vpa, email=email, contact=contact
            )
            order["amount_paid"] += payment["amount"]
            order["amount_due"] = order["amount"] - order["amount_paid"]
            order["status"] = "paid"
            payment_view = self._payment_view(payment)
            self._emit("payment.captured", ["payment"], {"payment": {"entity": payment_view}})
            self._emit(
                "order.paid",
                ["payment", "order"],
                {"payment": {"entity": payment_view}, "order": {"entity": self._order_view(order)}},
            )
            return {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": order["id"],
                "razorpay_signature": _sign(self.key_secret, f"{order['id']}|{payment['id']}"),
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
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                raise KeyError(order_id)
            if order["status"] == "paid":
                raise ValueError("Order is already paid")
            payment = self._new_payment(
                order, status="failed", vpa=vpa, email=email, contact=contact
            )
            order["status"] = "attempted"
            self._emit(
                "payment.failed", ["payment"], {"payment": {"entity": self._payment_view(payment)}}
            )
            return {
                "code": payment["error_code"],
                "description": payment["error_description"],
                "source": payment["error_source"],
                "step": payment["error_step"],
                "reason": payment["error_reason"],
                "metadata": {"payment_id": payment["id"], "order_id": order["id"]},
            }

    # -- refunds -----------------------------------------------------------------------------

    def _create_refund(self, payment_id: str, data: dict, idem_key: str | None) -> dict:
        """POST /v1/payments/{id}/refund. With X-Refund-Idempotency the same key and body replay
        the first response (one refund); the same key with another body is a BAD_REQUEST."""
        if idem_key is not None and not REFUND_IDEMPOTENCY_KEY_RE.fullmatch(idem_key):
            raise ApiError(
                "The idempotency key must be at least 10 characters of letters, digits, "
                "hyphens or underscores.",
                field=REFUND_IDEMPOTENCY_HEADER,
            )
        body_hash = _canonical_hash({"payment_id": payment_id, "body": data})
        with self._lock:
            if idem_key is not None:
                saved = self._refund_idempotency.get(idem_key)
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
                self._refund_idempotency[idem_key] = (body_hash, copy.deepcopy(response))
            return response

    def _validate_and_create_refund(self, payment_id: str, data: dict) -> dict:
        """Caller holds self._lock."""
        if not payment_id.startswith("pay_"):
            raise ApiError(f"{payment_id} is not a valid id", field="id", reason="NA")
        payment = self._payments.get(payment_id)
        if payment is None:
            raise _no_such_id()
        _reject_extra(data, {"amount", "speed", "notes", "receipt"})
        if payment["status"] not in ("captured", "refunded"):
            # UNCONFIRMED wording; refunds are possible for captured payments only.
            raise ApiError(
                "Only payments which have been captured can be refunded", field="id", reason="NA"
            )
        remaining = payment["amount"] - payment["amount_refunded"]
        if remaining <= 0:
            raise ApiError("The payment has been fully refunded already", field="id")
        if data.get("amount") is None:
            amount = remaining  # no amount: everything not yet refunded
        else:
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
                raise ApiError(
                    "The refund amount provided is greater than amount captured", field="amount"
                )
            amount = raw
        speed = data.get("speed") or "normal"
        if speed not in REFUND_SPEEDS:
            raise ApiError("The selected speed is invalid.", field="speed")
        receipt = _opt_str(data, "receipt", 40)
        notes = _notes(data)
        refund = {
            "id": _new_id("rfnd_"),
            "entity": "refund",
            "amount": amount,
            "currency": payment["currency"],
            "payment_id": payment_id,
            "notes": notes,
            "receipt": receipt,
            "acquirer_data": {"arn": None},
            "created_at": _now(),
            "batch_id": None,
            "status": "pending",
            "speed_processed": "normal",
            "speed_requested": speed,
        }
        self._refunds[refund["id"]] = refund
        self._refund_create_calls += 1
        # amount_refunded and refund_status move when the refund is created, not when it is
        # processed; a fully refunded payment turns `refunded`.
        payment["amount_refunded"] += amount
        self._refund_status(payment)
        self._emit_refund(refund)
        if self.auto_advance:
            self._schedule_refund_processing(refund["id"])
        return self._refund_view(refund)

    @staticmethod
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

    @staticmethod
    def _refund_view(refund: dict) -> dict:
        view = copy.deepcopy(refund)
        view["notes"] = _notes_out(view["notes"])
        return view

    def _emit_refund(self, refund: dict) -> None:
        """Caller holds self._lock: refund.created / .processed / .failed with the payment."""
        payment = self._payments[refund["payment_id"]]
        self._emit(
            REFUND_EVENTS[refund["status"]],
            ["refund", "payment"],
            {
                "refund": {"entity": self._refund_view(refund)},
                "payment": {"entity": self._payment_view(payment)},
            },
        )

    def advance_refund(self, refund_id: str, status: str) -> dict:
        """Move a pending refund to ``processed`` (an ARN arrives) or ``failed`` (its amount goes
        back to the payment's refundable amount; UNCONFIRMED but the sensible reading), and fire
        the webhook. KeyError for an unknown refund, ValueError for an illegal move."""
        with self._lock:
            refund = self._refunds.get(refund_id)
            if refund is None:
                raise KeyError(refund_id)
            if status not in REFUND_TRANSITIONS:
                raise ValueError(f"unknown refund status {status!r}")
            if status not in REFUND_TRANSITIONS[refund["status"]]:
                raise ValueError(f"illegal refund transition {refund['status']} -> {status}")
            refund["status"] = status
            if status == "processed":
                refund["acquirer_data"] = {"arn": _digits(12)}
            else:
                payment = self._payments[refund["payment_id"]]
                payment["amount_refunded"] -= refund["amount"]
                self._refund_status(payment)
            self._emit_refund(refund)
            return self._refund_view(refund)

    def _schedule_refund_processing(self, refund_id: str) -> None:
        """Caller holds self._lock (auto-advance: pending refunds process after the delay)."""
        generation = self._generation

        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
                if self._stopping.is_set() or generation != self._generation:
                    return
                refund = self._refunds.get(refund_id)
                if refund is not None and refund["status"] == "pending":
                    self.advance_refund(refund_id, "processed")

        timer = threading.Timer(self.auto_advance_delay, fire)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def _list_refunds(self, query: dict, payment_id: str | None = None) -> dict:
        count, skip = _paging(query)
        start, end = _time_filter(query, "from"), _time_filter(query, "to")
        items = [
            self._refund_view(r)
            for r in reversed(list(self._refunds.values()))
            if (payment_id is None or r["payment_id"] == payment_id)
            and (start is None or r["created_at"] >= start)
            and (end is None or r["created_at"] <= end)
        ]
        return _collection(items[skip : skip + count])

    def _get_refund(self, refund_id: str, payment_id: str | None = None) -> dict:
        refund = self._refunds.get(refund_id)
        if refund is None or (payment_id is not None and refund["payment_id"] != payment_id):
            raise _no_such_id()
        return refund

    # -- contacts and fund accounts ----------------------------------------------------------

    @staticmethod
    def _validate_contact(data: Any, prefix: str = "") -> dict:
        if not isinstance(data, dict):
            raise ApiError(f"The {prefix or 'contact'} must be an object.", field=prefix or None)
        _reject_extra(data, {"name", "email", "contact", "type", "reference_id", "notes"}, prefix)
        name = _required(data, "name", prefix)
        if not isinstance(name, str):
            raise ApiError("The name must be a string.", field=f"{prefix}name")
        if len(name) < 3:
            raise ApiError("The name must be at least 3 characters.", field=f"{prefix}name")
        if len(name) > 50:
            raise ApiError("The name may not be greater than 50 characters.", field=f"{prefix}name")
        if not (name[-1].isalnum() or name[-1] == "."):
            raise ApiError("The name format is invalid.", field=f"{prefix}name")
        email = _opt_str(data, "email", 254, prefix)
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
            "reference_id": _opt_str(data, "reference_id", 40, prefix),
            "notes": _notes(data, prefix),
        }

    def _upsert_contact(self, norm: dict) -> dict:
        """Caller holds self._lock."""
        key = tuple(norm[k] for k in ("name", "email", "contact", "type", "reference_id"))
        for contact in self._contacts.values():
            if (
                tuple(contact[k] for k in ("name", "email", "contact", "type", "reference_id"))
                == key
            ):
                return contact
        contact = {
            "id": _new_id("cont_"),
            "entity": "contact",
            "name": norm["name"],
            "contact": norm["contact"],
            "email": norm["email"],
            "type": norm["type"],
            "reference_id": norm["reference_id"],
            "batch_id": None,
            "active": True,
            "notes": norm["notes"],
            "created_at": _now(),
        }
        self._contacts[contact["id"]] = contact
        return contact

    @staticmethod
    def _validate_fund_account(data: Any, prefix: str = "", *, composite: bool = False) -> dict:
        if not isinstance(data, dict):
            raise ApiError("The fund account must be an object.", field=prefix.rstrip(".") or None)
        allowed = {"account_type", "vpa", "contact" if composite else "contact_id"}
        _reject_extra(data, allowed, prefix)
        account_type = _required(data, "account_type", prefix)
        if account_type != "vpa":
            # The sandbox models UPI payouts only (mode must be UPI).
            raise ApiError(f"Invalid account type: {account_type}", field=f"{prefix}account_type")
        vpa = _required(data, "vpa", prefix)
        if not isinstance(vpa, dict):
            raise ApiError("The vpa must be an object.", field=f"{prefix}vpa")
        address = _required(vpa, "address", f"{prefix}vpa.")
        if not is_valid_vpa(address):
            raise ApiError(INVALID_VPA, field=f"{prefix}vpa.address")
        norm = {"account_type": "vpa", "address": address}
        if not composite:
            norm["contact_id"] = _required(data, "contact_id", prefix)
        return norm

    def _upsert_fund_account(self, contact_id: str, address: str) -> dict:
        """Caller holds self._lock."""
        if contact_id not in self._contacts:
            raise _no_such_id("contact_id")
        for fa in self._fund_accounts.values():
            if fa["contact_id"] == contact_id and fa["vpa"]["address"] == address:
                return fa
        username, handle = address.split("@", 1)
        fa = {
            "id": _new_id("fa_"),
            "entity": "fund_account",
            "contact_id": contact_id,
            "account_type": "vpa",
            "vpa": {"username": username, "handle": handle, "address": address},
            "batch_id": None,
            "active": True,
            "created_at": _now(),
        }
        self._fund_accounts[fa["id"]] = fa
        return fa

    # -- payouts -----------------------------------------------------------------------------

    def _payout_fees(self) -> tuple[int, int]:
        tax = self.payout_fee * GST_RATE_PERCENT // 100
        return self.payout_fee + tax, tax

    def _create_payout(self, data: dict, idem_key: str | None) -> dict:
        if idem_key is None:
            raise _missing_idempotency()
        if not IDEMPOTENCY_KEY_RE.fullmatch(idem_key):
            raise ApiError(
                "The idempotency key must be 4 to 36 characters of letters, digits, '-', '_' or space.",
                field=IDEMPOTENCY_HEADER,
            )
        body_hash = _canonical_hash(data)
        with self._lock:
            saved = self._idempotency.get(idem_key)
            if saved is not None:
                if saved[0] != body_hash:
                    raise ApiError(
                        "Different request body sent for the same idempotency key",
                        field=IDEMPOTENCY_HEADER,
                    )
                return copy.deepcopy(saved[1])
            response = self._validate_and_create_payout(data)
            self._idempotency[idem_key] = (body_hash, copy.deepcopy(response))
            return response

    def _validate_and_create_payout(self, data: dict) -> dict:
        """Caller holds self._lock."""
        _reject_extra(
            data,
            {
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
            },
        )
        account_number = str(_required(data, "account_number"))
        if account_number != self.account_number:
            raise ApiError("The account number is invalid.", field="account_number")
        composite = None
        if "fund_account" in data and "fund_account_id" in data:
            raise ApiError(
                "Only one of fund_account_id or fund_account should be sent", field="fund_account"
            )
        if "fund_account" in data:
            fa_data = data["fund_account"]
            composite_fa = self._validate_fund_account(fa_data, "fund_account.", composite=True)
            composite_contact = self._validate_contact(
                _required(fa_data, "contact", "fund_account."), "fund_account.contact."
            )
            composite = (composite_fa, composite_contact)
        else:
            fa_id = _required(data, "fund_account_id")
            if fa_id not in self._fund_accounts:
                raise _no_such_id("fund_account_id")
        amount = _amount(data)
        currency = _currency(data)
        mode = _required(data, "mode")
        if mode != "UPI":
            raise ApiError(f"Invalid payout mode: {mode}", field="mode")
        purpose = _required(data, "purpose")
        if purpose not in PAYOUT_PURPOSES:
            raise ApiError(f"Invalid purpose: {purpose}", field="purpose")
        narration = _opt_str(data, "narration", 30)
        if narration is not None and not NARRATION_RE.fullmatch(narration):
            raise ApiError(
                "The narration may only contain letters, digits and spaces.", field="narration"
            )
        reference_id = _opt_str(data, "reference_id", 40)
        notes = _notes(data)
        queue_if_low = _bool(data, "queue_if_low_balance", False)

        if composite is not None:
            contact = self._upsert_contact(composite[1])
            fa = self._upsert_fund_account(contact["id"], composite[0]["address"])
            fa_id = fa["id"]

        payout = {
            "id": _new_id("pout_"),
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
            "created_at": _now(),
            "fee_type": "",
            "status_details": None,
            "debit_account_number": self.account_number,
        }
        if self._approval_workflow:
            initial, reason = "pending", None
        elif self._low_balance:
            initial, reason = (
                ("queued", "low_balance") if queue_if_low else ("failed", "insufficient_funds")
            )
        else:
            initial, reason = "processing", None
        self._payouts[payout["id"]] = payout
        self._create_calls += 1
        self._transition(payout, initial, reason)
        response = copy.deepcopy(payout)
        if composite is not None:
            response["fund_account"] = self._fund_account_embed(fa_id)
        return response

    def _fund_account_embed(self, fa_id: str) -> dict | None:
        fa = self._fund_accounts.get(fa_id)
        if fa is None:
            return None
        embed = copy.deepcopy(fa)
        embed["contact"] = copy.deepcopy(self._contacts.get(fa["contact_id"]))
        return embed

    def advance(self, payout_id: str, status: str, reason: str | None = None) -> dict:
        """Move a payout along the §4 state machine and fire its webhook.

        Raises KeyError for an unknown payout and ValueError for an illegal transition.
        ``reason`` sets status_details.reason (failed/reversed default beneficiary_bank_offline).
        """
        with self._lock:
            payout = self._payouts.get(payout_id)
            if payout is None:
                raise KeyError(payout_id)
            if status not in PAYOUT_TRANSITIONS:
                raise ValueError(f"unknown payout status {status!r}")
            if status not in PAYOUT_TRANSITIONS[payout["status"]]:
                raise ValueError(f"illegal payout transition {payout['status']} -> {status}")
            self._transition(payout, status, reason)
            return copy.deepcopy(payout)

    def _transition(self, payout: dict, status: str, reason: str | None = None) -> None:
        """Set a status, its status_details/fees/utr, fire the webhook. Caller holds self._lock
        and has checked legality (creation passes its initial status here too)."""
        payout["status"] = status
        if status == "processing":
            if not payout["fees"]:
                payout["fees"], payout["tax"] = self._payout_fees()
            payout["status_details"] = (
                {"reason": reason, "description": None, "source": "beneficiary_bank"}
                if reason
                else {"reason": None, "description": None, "source": None}
            )
            payout["failure_reason"] = None
        elif status == "processed":
            payout["utr"] = payout["utr"] or _digits(12)
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
        embed = self._fund_account_embed(payout["fund_account_id"])
        if embed is not None:
            embed.pop("contact", None)
            entity["fund_account"] = embed
        self._emit(PAYOUT_EVENTS[status], ["payout"], {"payout": {"entity": entity}})
        if status == "processing" and self.auto_advance:
            self._schedule_auto_advance(payout["id"])

    def _schedule_auto_advance(self, payout_id: str) -> None:
        """Caller holds self._lock."""
        generation = self._generation

        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
                if self._stopping.is_set() or generation != self._generation:
                    return
                payout = self._payouts.get(payout_id)
                if payout is not None and payout["status"] == "processing":
                    self._transition(payout, "processed")

        timer = threading.Timer(self.auto_advance_delay, fire)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def cancel_payout(self, payout_id: str) -> dict:
        with self._lock:
            payout = self._payouts.get(payout_id)
            if payout is None:
                raise _no_such_id()
            if payout["status"] != "queued":
                raise ApiError(
                    "Payout cannot be cancelled as it is not in queued state", field="status"
                )
            self._transition(payout, "cancelled")
            return copy.deepcopy(payout)

    def _list_payouts(self, query: dict) -> dict:
        account_number = query.get("account_number")
        if not account_number:
            raise ApiError("The account number field is required.", field="account_number")
        if account_number != self.account_number:
            raise ApiError("The account number is invalid.", field="account_number")
        count, skip = _paging(query)
        start, end = _time_filter(query, "from"), _time_filter(query, "to")
        with self._lock:
            items = []
            for payout in reversed(list(self._payouts.values())):
                fa = self._fund_accounts.get(payout["fund_account_id"], {})
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
            return _collection(items[skip : skip + count])

    # -- HTTP routing ------------------------------------------------------------------------

    def _check_auth(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        key_id, _, key_secret = decoded.partition(":")
        return hmac.compare_digest(key_id.encode(), self.key_id.encode()) and hmac.compare_digest(
            key_secret.encode(), self.key_secret.encode()
        )

    def _route_api(self, method: str, path: str, query: dict, data: dict, headers) -> dict:
        segs = path.strip("/").split("/")[1:]  # drop "v1"
        n = len(segs)
        head = segs[0] if segs else ""
        with self._lock:
            if head == "orders":
                if method == "POST" and n == 1:
                    return self._create_order(data)
                if method == "GET" and n == 1:
                    count, skip = _paging(query)
                    items = [self._order_view(o) for o in reversed(list(self._orders.values()))]
                    return _collection(items[skip : skip + count])
                if method == "GET" and n == 2:
                    return self._order_view(self._get_order(segs[1]))
                if method == "GET" and n == 3 and segs[2] == "payments":
                    self._get_order(segs[1])
                    items = [
                        self._payment_view(p)
                        for p in self._payments.values()
                        if p["order_id"] == segs[1]
                    ]
                    return _collection(items)
            elif head == "payments":
                if method == "GET" and n == 1:
                    count, skip = _paging(query)
                    items = [self._payment_view(p) for p in reversed(list(self._payments.values()))]
                    return _collection(items[skip : skip + count])
                if method == "GET" and n == 2:
                    payment = self._payments.get(segs[1])
                    if payment is None:
                        raise _no_such_id()
                    return self._payment_view(payment)
                if method == "POST" and n == 3 and segs[2] == "refund":
                    return self._create_refund(
                        segs[1], data, headers.get(REFUND_IDEMPOTENCY_HEADER)
                    )
                if method == "GET" and n == 3 and segs[2] == "refunds":
                    if segs[1] not in self._payments:
                        raise _no_such_id()
                    return self._list_refunds(query, payment_id=segs[1])
                if method == "GET" and n == 4 and segs[2] == "refunds":
                    return self._refund_view(self._get_refund(segs[3], payment_id=segs[1]))
                if method == "POST" and n == 3 and segs[2] == "capture":
                    payment = self._payments.get(segs[1])
                    if payment is None:
                        raise _no_such_id()
                    if payment["status"] == "captured":
                        raise ApiError("This payment has already been captured", field=None)
                    raise ApiError(
                        "Only payments which have been authorized and not yet captured can be captured",
                        field=None,
                    )
            elif head == "refunds":
                if method == "GET" and n == 1:
                    return self._list_refunds(query)
                if method == "GET" and n == 2:
                    return self._refund_view(self._get_refund(segs[1]))
                if method == "PATCH" and n == 2:
                    refund = self._get_refund(segs[1])
                    _reject_extra(data, {"notes"})
                    refund["notes"] = _notes(data)
                    return self._refund_view(refund)
            elif head == "contacts":
                if method == "POST" and n == 1:
                    return copy.deepcopy(self._upsert_contact(self._validate_contact(data)))
                if method == "GET" and n == 1:
                    count, skip = _paging(query)
                    items = [
                        copy.deepcopy(c)
                        for c in reversed(list(self._contacts.values()))
                        if all(query[k] == c.get(k) for k in ("reference_id", "type") if k in query)
                    ]
                    return _collection(items[skip : skip + count])
                if method == "GET" and n == 2:
                    contact = self._contacts.get(segs[1])
                    if contact is None:
                        raise _no_such_id()
                    return copy.deepcopy(contact)
            elif head == "fund_accounts":
                if method == "POST" and n == 1:
                    norm = self._validate_fund_account(data)
                    fa = self._upsert_fund_account(norm["contact_id"], norm["address"])
                    return copy.deepcopy(fa)
                if method == "GET" and n == 1:
                    count, skip = _paging(query)
                    items = [
                        copy.deepcopy(f)
                        for f in reversed(list(self._fund_accounts.values()))
                        if "contact_id" not in query or f["contact_id"] == query["contact_id"]
                    ]
                    return _collection(items[skip : skip + count])
                if method == "GET" and n == 2:
                    fa = self._fund_accounts.get(segs[1])
                    if fa is None:
                        raise _no_such_id()
                    return copy.deepcopy(fa)
            elif head == "payouts":
                if method == "POST" and n == 1:
                    return self._create_payout(data, headers.get(IDEMPOTENCY_HEADER))
                if method == "GET" and n == 1:
                    return self._list_payouts(query)
                if method == "GET" and n == 2:
                    payout = self._payouts.get(segs[1])
                    if payout is None:
                        raise _no_such_id()
                    return copy.deepcopy(payout)
                if method == "POST" and n == 3 and segs[2] == "cancel":
                    return self.cancel_payout(segs[1])
        raise _not_found_url()

    def _route_control(self, method: str, path: str, data: dict) -> dict:
        segs = path.strip("/").split("/")[1:]  # drop "_sandbox"
        n = len(segs)
        head = segs[0] if segs else ""
        try:
            if head == "payouts" and method == "GET" and n == 1:
                return _collection(self.payouts())
            if head == "payouts" and method == "POST" and n == 3 and segs[2] == "advance":
                status = data.get("status")
                if not isinstance(status, str):
                    raise ApiError("The status field is required.", field="status")
                try:
                    return self.advance(segs[1], status, data.get("reason"))
                except KeyError:
                    raise _no_such_id() from None
            if head == "faults" and n == 1:
                if method == "GET":
                    return {"faults": self.faults()}
                if method == "DELETE":
                    self.clear_faults()
                    return {"faults": []}
                if method == "POST":
                    kind = data.get("kind")
                    options = {
                        k: data[k]
                        for k in ("method", "path", "count", "delay", "process", "description")
                        if data.get(k) is not None
                    }
                    fault = self.inject_fault(kind, **options)
                    return {"fault": fault, "faults": self.faults()}
            if head == "webhooks":
                if n == 1 and method == "GET":
                    with self._wh_cond:
                        config, pending = self._webhook_config(), len(self._queue) + self._inflight
                    return {
                        "config": config,
                        "pending": pending,
                        "deliveries": self.deliveries,
                        "events": [
                            {"event_id": e["event_id"], "event": e["event"]} for e in self.events
                        ],
                    }
                if n == 1 and method == "POST":
                    return self.set_webhooks(
                        url=data.get("url"),
                        enabled=data.get("enabled", True),
                        duplicate=data.get("duplicate", False),
                        shuffle=data.get("shuffle", False),
                        secret=data.get("secret"),
                    )
                if n == 2 and segs[1] == "flush" and method == "POST":
                    return {"flushed": self.flush_webhooks(float(data.get("timeout", 10)))}
                if n == 3 and segs[2] == "redeliver" and method == "POST":
                    try:
                        self.redeliver(segs[1])
                    except KeyError:
                        raise _no_such_id("event_id") from None
                    return {"event_id": segs[1], "redelivered": True}
            if head == "refunds" and method == "GET" and n == 1:
                return _collection([self._refund_view(r) for r in self.refunds()])
            if head == "refunds" and method == "POST" and n == 3 and segs[2] == "advance":
                status = data.get("status")
                if not isinstance(status, str):
                    raise ApiError("The status field is required.", field="status")
                try:
                    return self.advance_refund(segs[1], status)
                except KeyError:
                    raise _no_such_id() from None
            if head == "reset" and method == "POST" and n == 1:
                self.reset()
                return {"reset": True}
            if head == "low_balance" and method == "POST" and n == 1:
                self.set_low_balance(bool(data.get("enabled", True)))
                return {"low_balance": self._low_balance}
            if head == "approval_workflow" and method == "POST" and n == 1:
                self.set_approval_workflow(bool(data.get("enabled", True)))
                return {"approval_workflow": self._approval_workflow}
            if head == "orders" and method == "POST" and n == 3 and segs[2] in ("pay", "fail"):
                try:
                    if segs[2] == "pay":
                        return self.pay_order(segs[1], **_pick(data, "vpa", "email", "contact"))
                    return {
                        "error": self.fail_order(segs[1], **_pick(data, "vpa", "email", "contact"))
                    }
                except KeyError:
                    raise _no_such_id() from None
        except (ValueError, TypeError) as exc:
            raise ApiError(str(exc), reason="NA") from None
        raise _not_found_url()

    # -- checkout (no auth: it is the browser-facing page) ------------------------------------

    def _render(self, title: str, content: str, status: int = 200) -> tuple[int, str]:
        template = string.Template(_CHECKOUT_TEMPLATE.read_text(encoding="utf-8"))
        return status, template.safe_substitute(title=html.escape(title), content=content)

    def _checkout_error(self, message: str, status: int = 400) -> tuple[int, str]:
        content = (
            f'<h1 class="title">Checkout error</h1>'
            f'<p class="error" data-testid="sandbox-error">{html.escape(message)}</p>'
        )
        return self._render("Checkout error", content, status)

    def _checkout_page(self, query: dict) -> tuple[int, str]:
        order_id = query.get("order_id", "")
        key_id = query.get("key_id") or query.get("key")
        callback_url = query.get("callback_url", "")
        if key_id and key_id != self.key_id:
            return self._checkout_error("The api key provided is invalid")
        if callback_url and urlsplit(callback_url).scheme not in ("http", "https"):
            return self._checkout_error("callback_url must be an http(s) URL")
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return self._checkout_error("The id provided does not exist")
            if order["status"] == "paid":
                return self._checkout_error("Order is already paid")
            amount = order["amount_due"]
        rupees = _rupees(amount)
        hidden = _hidden_fields(
            {
                "order_id": order_id,
                "callback_url": callback_url,
                "embedded": query.get("embedded", ""),
                "email": query.get("prefill[email]", ""),
                "contact": query.get("prefill[contact]", ""),
            }
        )
        name = html.escape(query.get("name") or "PeerLearn")
        description = html.escape(query.get("description") or "")
        dismiss = (
            '<button type="button" class="link" data-testid="sandbox-dismiss" '
            "onclick=\"parent.postMessage({source:'razorpay-sandbox',type:'dismiss'},'*')\">"
            "Cancel</button>"
            if query.get("embedded")
            else ""
        )
        content = f"""
<header class="merchant">
  <div class="logo">{html.escape(name[:1].upper())}</div>
  <div><div class="name" data-testid="sandbox-merchant">{name}</div>
  <div class="desc">{description}</div></div>
</header>
<div class="amount" data-testid="sandbox-amount">&#8377;{rupees}</div>
<p class="muted">Order <code data-testid="sandbox-order-id">{html.escape(order_id)}</code></p>
<form method="post" action="/checkout/pay" class="stack">
  {hidden}
  <label class="field">UPI ID
    <input name="vpa" value="success@razorpay" data-testid="sandbox-vpa" autocomplete="off">
  </label>
  <button type="submit" class="btn pay" data-testid="sandbox-pay">Pay &#8377;{rupees}</button>
</form>
<form method="post" action="/checkout/fail">
  {hidden}
  <button type="submit" class="btn fail" data-testid="sandbox-fail">Fail payment</button>
</form>
{dismiss}
"""
        return self._render(f"Pay ₹{rupees} · Razorpay sandbox", content)

    def _checkout_submit(self, outcome: str, form: dict) -> tuple[int, str]:
        order_id = form.get("order_id", "")
        callback_url = form.get("callback_url", "")
        embedded = bool(form.get("embedded"))
        if callback_url and urlsplit(callback_url).scheme not in ("http", "https"):
            return self._checkout_error("callback_url must be an http(s) URL")
        extra = {k: form[k] for k in ("email", "contact") if form.get(k)}
        try:
            if outcome == "pay":
                fields = self.pay_order(
                    order_id, vpa=form.get("vpa") or "success@razorpay", **extra
                )
            else:
                error = self.fail_order(
                    order_id, vpa=form.get("vpa") or "failure@razorpay", **extra
                )
        except KeyError:
            return self._checkout_error("The id provided does not exist")
        except ValueError as exc:
            return self._checkout_error(str(exc))
        if outcome == "pay":
            message, status_attr = "Payment successful", "success"
            post = fields
            js_message = {"source": "razorpay-sandbox", "type": "success", "response": fields}
        else:
            message, status_attr = "Payment failed", "failed"
            post = {f"error[{k}]": v for k, v in error.items() if k != "metadata"}
            post["error[metadata]"] = json.dumps(error["metadata"])
            js_message = {"source": "razorpay-sandbox", "type": "failed", "error": error}
        details = "".join(
            f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(str(v))}</code></dd>"
            for k, v in post.items()
        )
        content = (
            f'<h1 class="title {status_attr}" data-testid="sandbox-result" '
            f'data-status="{status_attr}">{message}</h1><dl class="details">{details}</dl>'
        )
        if embedded:
            payload = json.dumps(js_message).replace("<", "\\u003c")
            content += f"<script>parent.postMessage({payload}, '*');</script>"
            if outcome == "failed":
                retry = urlencode({"order_id": order_id, "embedded": "1"})
                content += (
                    f'<p><a class="btn" href="/checkout?{html.escape(retry)}" '
                    f'data-testid="sandbox-retry">Retry</a></p>'
                )
        elif callback_url:
            content += (
                f'<p class="muted">Returning to the merchant…</p>'
                f'<form id="callback" method="post" action="{html.escape(callback_url)}" '
                f'data-testid="sandbox-callback-form">{_hidden_fields(post)}'
                f'<noscript><button type="submit" class="btn">Continue</button></noscript></form>'
                f'<script>document.getElementById("callback").submit();</script>'
            )
        return self._render(message, content)

    def _checkout_js(self) -> str:
        return _CHECKOUT_JS.replace("__SANDBOX_BASE__", json.dumps(self.url))


def _pick(data: dict, *keys: str) -> dict:
    return {k: data[k] for k in keys if data.get(k) is not None}


def _hidden_fields(fields: dict) -> str:
    return "".join(
        f'<input type="hidden" name="{html.escape(str(k))}" value="{html.escape(str(v))}">'
        for k, v in fields.items()
    )


# A stand-in for https://checkout.razorpay.com/v1/checkout.js: `new Razorpay(options).open()`.
# callback_url (+ redirect or no handler) → full-page redirect to /checkout, which POSTs back;
# otherwise an iframe overlay whose result calls options.handler / on("payment.failed").
_CHECKOUT_JS = """(function () {
  var BASE = __SANDBOX_BASE__;
  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    this.options = options || {};
    this._events = {};
  }
  Razorpay.prototype.on = function (name, fn) { this._events[name] = fn; return this; };
  Razorpay.prototype.close = function () {
    if (this._frame) { this._frame.remove(); this._frame = null; }
    if (this._listener) { window.removeEventListener("message", this._listener); this._listener = null; }
  };
  Razorpay.prototype.open = function () {
    var o = this.options, self = this, q = new URLSearchParams();
    q.set("order_id", o.order_id || "");
    if (o.key) q.set("key_id", o.key);
    if (o.name) q.set("name", o.name);
    if (o.description) q.set("description", o.description);
    var p = o.prefill || {};
    if (p.email) q.set("prefill[email]", p.email);
    if (p.contact) q.set("prefill[contact]", p.contact);
    if (o.callback_url && (o.redirect || typeof o.handler !== "function")) {
      q.set("callback_url", o.callback_url);
      window.location.href = BASE + "/checkout?" + q.toString();
      return;
    }
    q.set("embedded", "1");
    var frame = document.createElement("iframe");
    frame.src = BASE + "/checkout?" + q.toString();
    frame.setAttribute("data-testid", "sandbox-checkout-frame");
    frame.style.cssText = "position:fixed;inset:0;width:100%;height:100%;border:0;z-index:2147483647;background:rgba(15,23,42,.55)";
    document.body.appendChild(frame);
    this._frame = frame;
    this._listener = function (e) {
      var d = e.data || {};
      if (d.source !== "razorpay-sandbox" || e.source !== frame.contentWindow) return;
      if (d.type === "success") {
        self.close();
        if (typeof o.handler === "function") o.handler(d.response);
      } else if (d.type === "failed") {
        if (self._events["payment.failed"]) self._events["payment.failed"]({ error: d.error });
      } else if (d.type === "dismiss") {
        self.close();
        if (o.modal && typeof o.modal.ondismiss === "function") o.modal.ondismiss();
      }
    };
    window.addEventListener("message", this._listener);
  };
  window.Razorpay = Razorpay;
})();
"""


# --- HTTP plumbing --------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, sandbox: SandboxServer):
        self.sandbox = sandbox
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RazorpaySandbox/1.0"
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.sandbox.log_requests:
            super().log_message(format, *args)

    # -- responses --

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _send_json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode("utf-8"), "application/json; charset=UTF-8")

    def _send_html(self, status: int, body: str) -> None:
        self._send(status, body.encode("utf-8"), "text/html; charset=utf-8")

    # -- dispatch --

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        try:
            if path == "/_sandbox/health" and method == "GET":
                self._send_json(200, {"status": "ok"})
                return
            if path in ("/v1/checkout.js", "/checkout.js") and method == "GET":
                self._send(200, sandbox._checkout_js().encode(), "application/javascript")
                return
            if path == "/checkout" and method == "GET":
                self._send_html(*sandbox._checkout_page(query))
                return
            if path in ("/checkout/pay", "/checkout/fail") and method == "POST":
                form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                outcome = "pay" if path.endswith("/pay") else "failed"
                self._send_html(*sandbox._checkout_submit(outcome, form))
                return
            is_api = path == "/v1" or path.startswith("/v1/")
            is_control = path.startswith("/_sandbox/")
            if not (is_api or is_control):
                raise _not_found_url()
            if not sandbox._check_auth(self.headers.get("Authorization")):
                raise _auth_error()
            data = self._parse_json(raw, method, query)
            if is_control:
                self._send_json(200, sandbox._route_control(method, path, data))
                return
            fault = sandbox._take_fault(method, path)
            if fault is None:
                self._send_json(200, sandbox._route_api(method, path, query, data, self.headers))
                return
            self._apply_fault(fault, method, path, query, data)
        except ApiError as exc:
            self._send_json(exc.status, exc.body)
        except Exception:  # a bug in the fake must still answer like Razorpay would
            sandbox_error = _server_error()
            self._send_json(sandbox_error.status, sandbox_error.body)
            raise

    def _parse_json(self, raw: bytes, method: str, query: dict) -> dict:
        if method in ("GET", "DELETE") and not raw:
            return dict(query)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError("The request body is not valid JSON.", field=None, reason="NA") from None
        if not isinstance(data, dict):
            raise ApiError("The request body must be a JSON object.", field=None, reason="NA")
        return data

    def _apply_fault(self, fault: _Fault, method: str, path: str, query: dict, data: dict) -> None:
        sandbox = self.server.sandbox
        if fault.kind == "reject":
            error = ApiError(
                fault.description or "The request was rejected (sandbox fault).", reason="NA"
            )
            self._send_json(error.status, error.body)
            return
        status, body = None, None
        if fault.process:
            try:
                status, body = 200, sandbox._route_api(method, path, query, data, self.headers)
            except ApiError as exc:
                status, body = exc.status, exc.body
        if fault.kind == "5xx":
            error = _server_error()
            if fault.description:
                error.body["error"]["description"] = fault.description
            self._send_json(error.status, error.body)
            return
        # timeout: stall past the client's timeout; answer late (if processed) or drop.
        self.close_connection = True
        sandbox._stopping.wait(fault.delay)
        if status is not None:
            self._send_json(status, body)
