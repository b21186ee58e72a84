"""Webhooks: every event is recorded, signed (lowercase hex HMAC of the exact bytes) and queued
for one worker thread that POSTs it with ``X-Razorpay-Signature`` and ``X-Razorpay-Event-Id``,
retrying non-2xx answers with capped exponential backoff. Switches: off (record only), duplicate
(each event twice, same id), shuffle (events queued close together go out in random order)."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass

import requests

from .common import new_id, now, sign


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


class WebhookDispatcher:
    def __init__(
        self,
        *,
        account_id: str,
        url: str | None,
        secret: str,
        stopping: threading.Event,
        timeout: float,
        max_attempts: int,
        backoff: float,
        backoff_cap: float,
        shuffle_window: float,
    ):
        self.account_id = account_id
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.shuffle_window = shuffle_window
        self._initial = {"url": url, "secret": secret or ""}
        self._stopping = stopping
        self._cond = threading.Condition()
        self._rng = random.Random()
        self._worker: threading.Thread | None = None
        self._generation = 0
        self._seq = 0
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._worker = threading.Thread(
            target=self._run, name="razorpay-sandbox-webhooks", daemon=True
        )
        self._worker.start()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def join(self, timeout: float) -> None:
        if self._worker is not None:
            self._worker.join(timeout)

    def reset(self) -> None:
        """Forget the events, the queue, the delivery log; configuration back to the initial."""
        with self._cond:
            self._generation += 1
            self._events: dict[str, dict] = {}
            self._event_log: list[str] = []
            self._queue: list[_Delivery] = []
            self._inflight = 0
            self._deliveries: list[dict] = []
            self._last_enqueue = 0.0
            self._config = {
                "url": self._initial["url"],
                "secret": self._initial["secret"],
                "enabled": True,
                "duplicate": False,
                "shuffle": False,
            }
            self._cond.notify_all()

    # -- configuration and inspection --------------------------------------------------------

    def configure(self, url: str | None, secret: str | None, **switches: bool) -> dict:
        """``url``/``secret`` None keep the current value; ``switches``: enabled, duplicate,
        shuffle. Returns the configuration without the secret."""
        with self._cond:
            if url is not None:
                self._config["url"] = url
            if secret is not None:
                self._config["secret"] = secret
            self._config.update({name: bool(on) for name, on in switches.items()})
            self._cond.notify_all()
            return self._public_config()

    def _public_config(self) -> dict:
        return {k: v for k, v in self._config.items() if k != "secret"}

    def status(self) -> tuple[dict, int]:
        """(configuration without the secret, deliveries queued or in flight)."""
        with self._cond:
            return self._public_config(), len(self._queue) + self._inflight

    def deliveries(self) -> list[dict]:
        with self._cond:
            return [dict(d) for d in self._deliveries]

    def events(self) -> list[dict]:
        with self._cond:
            return [_event_view(self._events[eid]) for eid in self._event_log]

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._inflight

    def flush(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._inflight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    # -- events ------------------------------------------------------------------------------

    def emit(self, name: str, contains: list[str], payload: dict) -> dict:
        """Record an event (signed with the current secret) and queue its delivery."""
        envelope = {
            "entity": "event",
            "account_id": self.account_id,
            "event": name,
            "contains": contains,
            "payload": payload,
            "created_at": now(),
        }
        body = json.dumps(envelope).encode("utf-8")
        with self._cond:
            event = {
                "event_id": new_id("evt_"),
                "event": name,
                "body": body,
                "signature": sign(self._config["secret"], body),
            }
            self._events[event["event_id"]] = event
            self._event_log.append(event["event_id"])
            url = self._config["url"]
            if self._config["enabled"] and url:
                copies = 2 if self._config["duplicate"] else 1
                for _ in range(copies):
                    self._enqueue(event, url)
        return event

    def redeliver(self, event_id: str) -> None:
        with self._cond:
            event = self._events.get(event_id)
            if event is None:
                raise KeyError(event_id)
            url = self._config["url"]
            if not url:
                raise ValueError("no webhook url configured")
            self._enqueue(event, url)

    # -- delivery ----------------------------------------------------------------------------

    def _enqueue(self, event: dict, url: str) -> None:
        """Caller holds self._cond."""
        self._seq += 1
        moment = time.monotonic()
        self._queue.append(
            _Delivery(
                seq=self._seq,
                generation=self._generation,
                event_id=event["event_id"],
                event=event["event"],
                body=event["body"],
                signature=event["signature"],
                url=url,
                next_at=moment,
            )
        )
        self._last_enqueue = moment
        self._cond.notify_all()

    def _next(self) -> tuple[_Delivery | None, float | None]:
        """Caller holds self._cond. Returns (item, None) or (None, seconds to wait)."""
        if not self._queue:
            return None, None
        moment = time.monotonic()
        if self._config["shuffle"]:
            quiet = moment - self._last_enqueue
            if quiet < self.shuffle_window:
                return None, self.shuffle_window - quiet
        ready = [d for d in self._queue if d.next_at <= moment]
        if not ready:
            return None, max(0.0, min(d.next_at for d in self._queue) - moment)
        if self._config["shuffle"]:
            item = self._rng.choice(ready)
        else:
            item = min(ready, key=lambda d: (d.next_at, d.seq))
        return item, None

    def _run(self) -> None:
        session = requests.Session()
        session.trust_env = False  # never route loopback deliveries through a proxy
        while not self._stopping.is_set():
            with self._cond:
                item, wait = self._next()
                if item is None:
                    self._cond.wait(wait if wait is not None else 1.0)
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
                    timeout=self.timeout,
                )
                status_code = response.status_code
                response.close()
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            self._record(item, status_code, error)
        session.close()

    def _record(self, item: _Delivery, status_code: int | None, error: str | None) -> None:
        """Log one attempt (unless a reset came meanwhile) and queue the retry it earns."""
        ok = status_code is not None and 200 <= status_code < 300
        with self._cond:
            self._inflight -= 1
            item.attempt += 1
            gave_up = not ok and item.attempt >= self.max_attempts
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
                    backoff = self.backoff * (2 ** (item.attempt - 1))
                    item.next_at = time.monotonic() + min(backoff, self.backoff_cap)
                    self._queue.append(item)
            self._cond.notify_all()


def _event_view(event: dict) -> dict:
    return {
        "event_id": event["event_id"],
        "event": event["event"],
        "signature": event["signature"],
        "body": event["body"].decode("utf-8"),
        "payload": json.loads(event["body"]),
    }
