"""``/_sandbox/...``: test controls over HTTP (same Basic auth as the API), one route for each
helper of :class:`~razorpay_sandbox.SandboxServer`: advance payouts and refunds, faults, webhooks,
switches, paying or failing an order as Checkout would, reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import fields
from .errors import ApiError, no_such_id, not_found_url
from .payments import entity_view

if TYPE_CHECKING:
    from .server import SandboxServer


class Controls:
    def __init__(self, sandbox: SandboxServer):
        self.sandbox = sandbox
        self._routes = {
            "payouts": self._payouts,
            "faults": self._faults,
            "webhooks": self._webhooks,
            "refunds": self._refunds,
            "reset": self._reset,
            "low_balance": self._low_balance,
            "approval_workflow": self._approval_workflow,
            "orders": self._orders,
        }

    def handle(self, method: str, path: str, data: dict) -> dict:
        segs = path.strip("/").split("/")[1:]  # drop "_sandbox"
        route = self._routes.get(segs[0] if segs else "")
        try:
            answer = route(method, segs, data) if route else None
        except (ValueError, TypeError) as exc:
            raise ApiError(str(exc), reason="NA") from None
        if answer is None:
            raise not_found_url()
        return answer

    # Each route answers, or None when the method or shape does not match (a 400 "URL not found").

    def _payouts(self, method: str, segs: list[str], data: dict) -> dict | None:
        n = len(segs)
        if method == "GET" and n == 1:
            return fields.collection(self.sandbox.payouts())
        if method == "POST" and n == 3 and segs[2] == "advance":
            status = _status(data)
            try:
                return self.sandbox.advance(segs[1], status, data.get("reason"))
            except KeyError:
                raise no_such_id() from None
        return None

    def _faults(self, method: str, segs: list[str], data: dict) -> dict | None:
        if len(segs) != 1:
            return None
        if method == "GET":
            return {"faults": self.sandbox.faults()}
        if method == "DELETE":
            self.sandbox.clear_faults()
            return {"faults": []}
        if method == "POST":
            kind = data.get("kind")
            options = {
                k: data[k]
                for k in ("method", "path", "count", "delay", "process", "description")
                if data.get(k) is not None
            }
            fault = self.sandbox.inject_fault(kind, **options)
            return {"fault": fault, "faults": self.sandbox.faults()}
        return None

    def _webhooks(self, method: str, segs: list[str], data: dict) -> dict | None:
        n = len(segs)
        if n == 1 and method == "GET":
            config, pending = self.sandbox.webhook_status()
            return {
                "config": config,
                "pending": pending,
                "deliveries": self.sandbox.deliveries,
                "events": [
                    {"event_id": e["event_id"], "event": e["event"]} for e in self.sandbox.events
                ],
            }
        if n == 1 and method == "POST":
            return self.sandbox.set_webhooks(
                url=data.get("url"),
                enabled=data.get("enabled", True),
                duplicate=data.get("duplicate", False),
                shuffle=data.get("shuffle", False),
                secret=data.get("secret"),
            )
        if n == 2 and segs[1] == "flush" and method == "POST":
            return {"flushed": self.sandbox.flush_webhooks(float(data.get("timeout", 10)))}
        if n == 3 and segs[2] == "redeliver" and method == "POST":
            try:
                self.sandbox.redeliver(segs[1])
            except KeyError:
                raise no_such_id("event_id") from None
            return {"event_id": segs[1], "redelivered": True}
        return None

    def _refunds(self, method: str, segs: list[str], data: dict) -> dict | None:
        n = len(segs)
        if method == "GET" and n == 1:
            return fields.collection([entity_view(r) for r in self.sandbox.refunds()])
        if method == "POST" and n == 3 and segs[2] == "advance":
            status = _status(data)
            try:
                return self.sandbox.advance_refund(segs[1], status)
            except KeyError:
                raise no_such_id() from None
        return None

    def _reset(self, method: str, segs: list[str], data: dict) -> dict | None:
        if method == "POST" and len(segs) == 1:
            self.sandbox.reset()
            return {"reset": True}
        return None

    def _low_balance(self, method: str, segs: list[str], data: dict) -> dict | None:
        if method == "POST" and len(segs) == 1:
            self.sandbox.set_low_balance(bool(data.get("enabled", True)))
            return {"low_balance": self.sandbox.low_balance}
        return None

    def _approval_workflow(self, method: str, segs: list[str], data: dict) -> dict | None:
        if method == "POST" and len(segs) == 1:
            self.sandbox.set_approval_workflow(bool(data.get("enabled", True)))
            return {"approval_workflow": self.sandbox.approval_workflow}
        return None

    def _orders(self, method: str, segs: list[str], data: dict) -> dict | None:
        if not (method == "POST" and len(segs) == 3 and segs[2] in ("pay", "fail")):
            return None
        who = {k: data[k] for k in ("vpa", "email", "contact") if data.get(k) is not None}
        try:
            if segs[2] == "pay":
                return self.sandbox.pay_order(segs[1], **who)
            return {"error": self.sandbox.fail_order(segs[1], **who)}
        except KeyError:
            raise no_such_id() from None


def _status(data: dict) -> str:
    status = data.get("status")
    if not isinstance(status, str):
        raise ApiError("The status field is required.", field="status")
    return status
