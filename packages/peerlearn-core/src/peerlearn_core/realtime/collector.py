"""The cyclic garbage collector's full passes: short, and run when the event loop is quiet.

Why: a full pass stops the process's only event loop, the one that writes every socket, for as
long as it takes to walk every tracked object. With 500 sockets on one Daphne a pass walked some
150,000 objects and took 50–300 ms (docs/benchmarks.md). CPython starts one from inside whatever
allocates, and in a server holding hundreds of sockets that is usually a fan-out: the pass landed
on the push itself, and one such round set the push's p99.

So, here:
- What survives a pass is frozen (``gc.freeze``): the next passes walk only what was made since,
  a few milliseconds' worth. Frozen objects are still freed by reference counting; only a cycle
  among them (a closed socket's protocol and consumer) waits for the next sweep.
- A sweep (unfreeze, full pass, freeze) every ``sweep_interval`` frees those cycles. It walks
  everything and is the one long pause, so it waits for a quiet loop for up to another interval.
- Passes wait for a quiet loop too: no HTTP request in flight, no fan-out in the last ``quiet``
  seconds, the loop on time for its ticks. After ``max_interval`` a pass runs anyway, so cyclic
  garbage stays bounded under constant load.
- The young generations stay automatic (well under a millisecond each). CPython's own trigger
  for full passes is raised, not removed: a process whose ticker stopped still collects.

Install it once per server process by wrapping the ASGI application (``collect_when_idle``); the
ticker starts on the loop of the first connection.
"""

import asyncio
import gc
import logging
import math
import time

logger = logging.getLogger(__name__)

TICK = 0.1  # seconds between checks
QUIET = 0.3  # seconds without a fan-out or request before a pass may start
MIN_INTERVAL = 5.0  # seconds between full passes, at least
MAX_INTERVAL = 30.0  # seconds between full passes, at most (if anything was promoted)
SWEEP_INTERVAL = 600.0  # seconds between sweeps of the frozen objects (twice that at most)
LATE = 0.01  # a tick this late means the loop was busy
# Middle-generation passes before CPython starts a full pass by itself (its default is 10):
# a backstop for a process whose ticker no longer runs.
BACKSTOP_THRESHOLD = 1000

_last_fan_out = -math.inf


def note_activity() -> None:
    """A shared fan-out ran: a full pass should not start right behind it."""
    global _last_fan_out
    _last_fan_out = time.monotonic()


class IdleCollector:
    def __init__(
        self,
        *,
        tick: float = TICK,
        quiet: float = QUIET,
        min_interval: float = MIN_INTERVAL,
        max_interval: float = MAX_INTERVAL,
        sweep_interval: float = SWEEP_INTERVAL,
    ):
        self.tick = tick
        self.quiet = quiet
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.sweep_interval = sweep_interval
        self.in_flight = 0
        self.last_busy = -math.inf
        self.last_full = self.last_sweep = time.monotonic()
        self.ticks = 0
        # (quiet | forced | sweep | forced sweep, seconds), newest last
        self.passes: list[tuple[str, float]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0

    def install(self) -> None:
        """Freeze what is loaded so far out of every pass (Django, the apps: it is never
        garbage), and leave full passes to this collector."""
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, BACKSTOP_THRESHOLD)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Tick on ``loop`` (idempotent; moves to a new loop if the old one was closed)."""
        if self._loop is loop and self._handle is not None:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._loop = loop
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._loop = None

    def _schedule(self) -> None:
        self._due = time.monotonic() + self.tick
        self._handle = self._loop.call_at(self._loop.time() + self.tick, self._on_tick)

    def _on_tick(self) -> None:
        now = time.monotonic()
        self.ticks += 1
        if now - self._due > LATE:
            self.last_busy = now
        quiet = self.is_quiet(now)
        since_sweep = now - self.last_sweep
        since = now - self.last_full
        if since_sweep >= 2 * self.sweep_interval:
            self._collect("forced sweep", sweep=True)
        elif since_sweep >= self.sweep_interval and quiet:
            self._collect("sweep", sweep=True)
        elif gc.get_count()[2] > 0:  # something reached the old generation since the last pass
            if since >= self.max_interval:
                self._collect("forced")
            elif since >= self.min_interval and quiet:
                self._collect("quiet")
        if self._loop is not None and not self._loop.is_closed():
            self._schedule()

    def is_quiet(self, now: float) -> bool:
        return (
            self.in_flight == 0
            and now - self.last_busy >= self.quiet
            and now - _last_fan_out >= self.quiet
        )

    def _collect(self, reason: str, *, sweep: bool = False) -> None:
        started = time.perf_counter()
        if sweep:
            gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        took = time.perf_counter() - started
        self.last_full = time.monotonic()
        if sweep:
            self.last_sweep = self.last_full
        self.last_busy = self.last_full  # the pass itself kept the loop busy
        self.passes.append((reason, took))
        del self.passes[:-100]
        logger.debug("GC %s: %d unreachable, %.1f ms", reason, found, took * 1000)


def collect_when_idle(application, collector: IdleCollector | None = None):
    """Wrap an ASGI application so this process's full GC passes wait for a quiet loop."""
    collector = collector or IdleCollector()
    collector.install()

    async def app(scope, receive, send):
        collector.start(asyncio.get_running_loop())
        if scope["type"] != "http":
            return await application(scope, receive, send)
        collector.in_flight += 1
        try:
            return await application(scope, receive, send)
        finally:
            collector.in_flight -= 1
            collector.last_busy = time.monotonic()

    app.collector = collector
    return app
