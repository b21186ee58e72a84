"""What the sandbox remembers: its options, every entity, idempotency caches, switches, timers.

One re-entrant lock guards all of it. ``generation`` moves on every reset, so that work scheduled
before a reset (an auto-advance timer) does nothing after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_ACCOUNT_NUMBER = "7878780080316316"


@dataclass
class Options:
    """Who the fake is and how it behaves; the server's attributes of the same names read and
    write these, and every part reads them when it acts (not once at start)."""

    host: str
    port: int
    key_id: str
    key_secret: str
    account_number: str
    auto_advance: bool
    auto_advance_delay: float
    timeout_fault_delay: float
    payout_fee: int
    log_requests: bool


class SandboxState:
    def __init__(self, stopping: threading.Event):
        self.lock = threading.RLock()
        self.stopping = stopping
        self.generation = 0
        self._timers: set[threading.Timer] = set()
        self.clear()

    def clear(self) -> None:
        """Forget every entity, idempotency key, counter and switch; cancel pending timers."""
        with self.lock:
            self.cancel_timers()
            self.generation += 1
            # Payments: orders, the payments Checkout made against them, their refunds.
            self.orders: dict[str, dict] = {}
            self.payments: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.refund_idempotency: dict[str, tuple[str, dict]] = {}
            self.refund_create_calls = 0
            # RazorpayX: contacts, fund accounts, payouts.
            self.contacts: dict[str, dict] = {}
            self.fund_accounts: dict[str, dict] = {}
            self.payouts: dict[str, dict] = {}
            self.idempotency: dict[str, tuple[str, dict]] = {}
            self.create_calls = 0
            self.low_balance = False
            self.approval_workflow = False

    def cancel_timers(self) -> None:
        with self.lock:
            for timer in list(self._timers):
                timer.cancel()
            self._timers.clear()

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` under the lock after ``delay`` seconds, unless the sandbox was reset
        or is stopping by then. Caller holds the lock."""
        generation = self.generation

        def fire() -> None:
            with self.lock:
                self._timers.discard(timer)
                if self.stopping.is_set() or generation != self.generation:
                    return
                action()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()
