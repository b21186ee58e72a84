"""Faults on demand: the next N API requests matching a method and path prefix time out, fail
with a 5xx or are rejected, and what each kind of fault answers."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError, server_error

FAULT_KINDS = ("timeout", "5xx", "reject")


@dataclass
class Fault:
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
class Outcome:
    """What a faulted request gets: ``answer`` (status, body), or None to drop the connection,
    after stalling ``stall`` seconds on a closing connection (None: answer at once)."""

    answer: tuple[int, dict] | None
    stall: float | None = None


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: str,
        *,
        method: str,
        path: str,
        count: int,
        delay: float,
        process: bool | None,
        description: str | None,
    ) -> dict:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        if int(count) < 1:
            raise ValueError("count must be >= 1")
        fault = Fault(
            kind=kind,
            method=method.upper(),
            path=path,
            remaining=int(count),
            delay=float(delay),
            process=(kind == "timeout") if process is None else bool(process),
            description=description,
        )
        if kind == "reject":
            fault.process = False
        with self._lock:
            self._faults.append(fault)
            return fault.view()

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def views(self) -> list[dict]:
        with self._lock:
            return [f.view() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counted down (and dropped at zero)."""
        with self._lock:
            for fault in self._faults:
                if fault.method == method and path.startswith(fault.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return copy.copy(fault)
        return None


def outcome(fault: Fault, handle: Callable[[], tuple[int, dict]]) -> Outcome:
    """``handle()`` runs the request for real (only when the fault says it was processed).

    - ``reject``: HTTP 400 BAD_REQUEST_ERROR, never processed.
    - ``5xx``: HTTP 500 SERVER_ERROR, processed first or not.
    - ``timeout``: stall past the client's timeout, then answer late (processed) or drop.
    """
    if fault.kind == "reject":
        error = ApiError(
            fault.description or "The request was rejected (sandbox fault).", reason="NA"
        )
        return Outcome((error.status, error.body))
    answer = handle() if fault.process else None
    if fault.kind == "5xx":
        error = server_error()
        if fault.description:
            error.body["error"]["description"] = fault.description
        return Outcome((error.status, error.body))
    return Outcome(answer, stall=fault.delay)
