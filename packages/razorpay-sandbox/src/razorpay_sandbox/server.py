"""Loopback Razorpay sandbox: a faithful fake of the Razorpay + RazorpayX HTTP API.

Spec: razorpay-api.md (PeerLearn's guide documents), and for refunds Razorpay's API docs
(razorpay/markdown-docs api/refunds/create-normal.md, entity.md;
razorpay.com/docs/api/refunds/normal-refunds-idempotent; webhooks/refunds).

Standard library only (plus ``requests`` for webhook delivery), no Django: it runs in-process for
tests (``SandboxServer(...).start()``) or as its own process (``python -m razorpay_sandbox``).

Surfaces
- ``/v1/...``            the Razorpay API subset we use (Basic auth, Razorpay error bodies): api.py
                         over payments.py (orders, payments, refunds) and payouts.py (contacts,
                         fund accounts, payouts), all remembered in state.py.
- ``/_sandbox/...``      test controls (same Basic auth): advance payouts and refunds, faults
                         (faults.py), webhooks (webhooks.py), reset: controls.py.
- ``/checkout``          a stand-in for the hosted Razorpay Checkout (no auth), plus a
                         ``/v1/checkout.js`` shim that mimics ``new Razorpay(options).open()``:
                         checkout.py.

This class puts them together: it owns the HTTP server (handler.py) and its threads, and offers
every control as a thread-safe method for in-process tests.
"""

from __future__ import annotations

import copy
import threading

from .api import Api
from .checkout import Checkout
from .common import new_id
from .controls import Controls
from .faults import FaultInjector
from .handler import SandboxHTTPServer, Surfaces
from .payments import Payments, entity_view
from .payouts import Payouts
from .state import DEFAULT_ACCOUNT_NUMBER, Options, SandboxState
from .webhooks import WebhookDispatcher


def _option(name: str) -> property:
    return property(
        lambda self: getattr(self._options, name),
        lambda self, value: setattr(self._options, name, value),
    )


def _webhook_option(name: str) -> property:
    return property(
        lambda self: getattr(self._webhooks, name),
        lambda self, value: setattr(self._webhooks, name, value),
    )


class SandboxServer:
    """In-process (or standalone) fake of Razorpay for tests and the local demo.

    ``start()`` binds and serves from a background thread; ``url`` is ``http://HOST:PORT``.
    Every helper is thread-safe and mirrors a ``/_sandbox`` control route.
    """

    host = _option("host")
    port = _option("port")
    key_id = _option("key_id")
    key_secret = _option("key_secret")
    account_number = _option("account_number")
    auto_advance = _option("auto_advance")
    auto_advance_delay = _option("auto_advance_delay")
    timeout_fault_delay = _option("timeout_fault_delay")
    payout_fee = _option("payout_fee")
    log_requests = _option("log_requests")
    account_id = _webhook_option("account_id")
    webhook_timeout = _webhook_option("timeout")
    webhook_max_attempts = _webhook_option("max_attempts")
    webhook_backoff = _webhook_option("backoff")
    webhook_backoff_cap = _webhook_option("backoff_cap")
    shuffle_window = _webhook_option("shuffle_window")

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
        self._options = Options(
            host=host,
            port=port,
            key_id=key_id,
            key_secret=key_secret,
            account_number=str(account_number),
            auto_advance=auto_advance,
            auto_advance_delay=auto_advance_delay,
            timeout_fault_delay=timeout_fault_delay,
            payout_fee=payout_fee,
            log_requests=log_requests,
        )
        self._stopping = threading.Event()
        self._state = SandboxState(self._stopping)
        self._webhooks = WebhookDispatcher(
            account_id=account_id or new_id("acc_"),
            url=webhook_url,
            secret=webhook_secret,
            stopping=self._stopping,
            timeout=webhook_timeout,
            max_attempts=webhook_max_attempts,
            backoff=webhook_backoff,
            backoff_cap=webhook_backoff_cap,
            shuffle_window=shuffle_window,
        )
        self._faults = FaultInjector()
        self._payments = Payments(self._state, self._webhooks, self._options)
        self._payouts = Payouts(self._state, self._webhooks, self._options)
        self._surfaces = Surfaces(
            api=Api(self._state, self._payments, self._payouts, self._options),
            controls=Controls(self),
            checkout=Checkout(self._state, self._payments, self._options, lambda: self.url),
            faults=self._faults,
            options=self._options,
            stopping=self._stopping,
        )
        self._httpd: SandboxHTTPServer | None = None
        self._serve_thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("sandbox already started")
        self._httpd = SandboxHTTPServer((self.host, self.port), self._surfaces)
        self.port = self._httpd.server_address[1]
        self._serve_thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="razorpay-sandbox-http",
            daemon=True,
        )
        self._serve_thread.start()
        self._webhooks.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._webhooks.wake()
        self._state.cancel_timers()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._serve_thread is not None:
            self._serve_thread.join(5)
        self._webhooks.join(1)

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

    def reset(self) -> None:
        """Forget everything (entities, idempotency keys, faults, events, switches, queue)."""
        with self._state.lock:
            self._state.clear()
            self._faults.clear()
            self._webhooks.reset()

    @property
    def create_calls(self) -> int:
        """How many POST /v1/payouts created a NEW payout (replays don't count)."""
        with self._state.lock:
            return self._state.create_calls

    def payouts(self) -> list[dict]:
        with self._state.lock:
            return [copy.deepcopy(p) for p in self._state.payouts.values()]

    def payout(self, payout_id: str) -> dict:
        with self._state.lock:
            if payout_id not in self._state.payouts:
                raise KeyError(payout_id)
            return copy.deepcopy(self._state.payouts[payout_id])

    def orders(self) -> list[dict]:
        with self._state.lock:
            return [entity_view(o) for o in self._state.orders.values()]

    def payments(self) -> list[dict]:
        with self._state.lock:
            return [entity_view(p) for p in self._state.payments.values()]

    @property
    def refund_create_calls(self) -> int:
        """How many POST /v1/payments/{id}/refund created a NEW refund (replays don't count)."""
        with self._state.lock:
            return self._state.refund_create_calls

    def refunds(self, payment_id: str | None = None) -> list[dict]:
        """Every refund (oldest first), or only those of ``payment_id``."""
        with self._state.lock:
            return [
                copy.deepcopy(r)
                for r in self._state.refunds.values()
                if payment_id is None or r["payment_id"] == payment_id
            ]

    def refund(self, refund_id: str) -> dict:
        with self._state.lock:
            if refund_id not in self._state.refunds:
                raise KeyError(refund_id)
            return copy.deepcopy(self._state.refunds[refund_id])

    def payment(self, payment_id: str) -> dict:
        with self._state.lock:
            if payment_id not in self._state.payments:
                raise KeyError(payment_id)
            return entity_view(self._state.payments[payment_id])

    def contacts(self) -> list[dict]:
        with self._state.lock:
            return [copy.deepcopy(c) for c in self._state.contacts.values()]

    def fund_accounts(self) -> list[dict]:
        with self._state.lock:
            return [copy.deepcopy(f) for f in self._state.fund_accounts.values()]

    def set_low_balance(self, enabled: bool) -> None:
        """Low balance on: new payouts queue (or fail). Off: queued low_balance payouts process."""
        self._payouts.set_low_balance(enabled)

    @property
    def low_balance(self) -> bool:
        return self._state.low_balance

    def set_approval_workflow(self, enabled: bool) -> None:
        """Approval workflow on: new payouts are created ``pending`` (pending_approval)."""
        self._payouts.set_approval_workflow(enabled)

    @property
    def approval_workflow(self) -> bool:
        return self._state.approval_workflow

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
        return self._faults.inject(
            kind,
            method=method,
            path=path,
            count=count,
            delay=self.timeout_fault_delay if delay is None else delay,
            process=process,
            description=description,
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def faults(self) -> list[dict]:
        return self._faults.views()

    # -- webhooks ----------------------------------------------------------------------------

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
        return self._webhooks.configure(
            url, secret, enabled=enabled, duplicate=duplicate, shuffle=shuffle
        )

    def webhook_status(self) -> tuple[dict, int]:
        """(the delivery configuration without the secret, deliveries queued or in flight)."""
        return self._webhooks.status()

    @property
    def deliveries(self) -> list[dict]:
        """Every delivery attempt: event_id, event, status_code (None on error), ok, attempt,
        error, gave_up, url, signature, body (str), at (epoch seconds)."""
        return self._webhooks.deliveries()

    @property
    def events(self) -> list[dict]:
        """Every webhook event generated so far (delivered or not), oldest first."""
        return self._webhooks.events()

    def pending_webhooks(self) -> int:
        return self._webhooks.pending()

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until the delivery queue is empty and nothing is in flight. True if drained."""
        return self._webhooks.flush(timeout)

    def redeliver(self, event_id: str) -> None:
        """Queue one more delivery of a recorded event: same event id, same bytes, same signature."""
        self._webhooks.redeliver(event_id)

    # -- payments and refunds ----------------------------------------------------------------

    def pay_order(self, order_id: str, **payer: str) -> dict:
        """What a successful Checkout does: capture a UPI payment, mark the order paid, queue
        payment.captured + order.paid. Returns the Checkout callback fields. ``payer``: ``vpa``
        (default success@razorpay), ``email``, ``contact``. KeyError for an unknown order,
        ValueError for a paid one."""
        return self._payments.pay_order(order_id, **payer)

    def fail_order(self, order_id: str, **payer: str) -> dict:
        """What a failed Checkout attempt does: a failed payment, order ``attempted``, a
        payment.failed webhook. Returns the error fields Checkout hands the merchant.
        ``payer``: ``vpa`` (default failure@razorpay), ``email``, ``contact``."""
        return self._payments.fail_order(order_id, **payer)

    def advance_refund(self, refund_id: str, status: str) -> dict:
        """Move a pending refund to ``processed`` or ``failed`` and fire the webhook.
        KeyError for an unknown refund, ValueError for an illegal move."""
        return self._payments.advance_refund(refund_id, status)

    # -- payouts -----------------------------------------------------------------------------

    def advance(self, payout_id: str, status: str, reason: str | None = None) -> dict:
        """Move a payout along the §4 state machine and fire its webhook.

        Raises KeyError for an unknown payout and ValueError for an illegal transition.
        ``reason`` sets status_details.reason (failed/reversed default beneficiary_bank_offline).
        """
        return self._payouts.advance(payout_id, status, reason)

    def cancel_payout(self, payout_id: str) -> dict:
        """Cancel a queued payout (an ApiError for any other status or an unknown id)."""
        return self._payouts.cancel(payout_id)
