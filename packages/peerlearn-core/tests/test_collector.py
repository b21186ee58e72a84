"""Full GC passes wait for a quiet event loop, walk only what is new, and a sweep frees what
was frozen: proved with CPython's real collector on a real loop, through the ASGI wrapper a
server runs (bench/fanout.py measures the effect on a push's p99)."""

import asyncio
import gc
import time
import weakref

import pytest

from peerlearn_core.realtime.collector import IdleCollector, collect_when_idle, note_activity


class Node:
    """A reference cycle: only the cyclic collector can free it."""

    def __init__(self):
        self.me = self


@pytest.fixture(autouse=True)
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def old_garbage_cycle() -> weakref.ref:
    """A cycle that reached the old generation while alive, then became garbage there: the
    young passes CPython runs by itself never look at it."""
    node = Node()
    gc.collect(1)  # survivors of the young generations move to the old one
    ref = weakref.ref(node)
    del node
    gc.collect(1)
    assert ref() is not None
    return ref


def ticking(**options) -> IdleCollector:
    """A collector installed and ticking on the running loop, as the ASGI wrapper starts it."""
    collector = IdleCollector(**options)
    collector.install()
    collector.start(asyncio.get_running_loop())
    return collector


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def held_request_app(release: asyncio.Event):
    async def app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def request(app, sent: list) -> None:
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": "/"}, receive, send)


async def test_a_full_pass_waits_for_the_request_in_flight_then_frees_old_cycles():
    collector = IdleCollector(tick=0.01, quiet=0.05, min_interval=0.05, sweep_interval=999)
    release = asyncio.Event()
    app = collect_when_idle(held_request_app(release), collector)
    ref = old_garbage_cycle()
    sent: list = []
    in_flight = asyncio.create_task(request(app, sent))
    try:
        await until(lambda: collector.ticks >= 30)  # 0.3 s of ticks, min_interval long past
        assert collector.in_flight == 1
        assert collector.passes == []
        assert ref() is not None
        release.set()
        await in_flight
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert collector.in_flight == 0
        await until(lambda: ref() is None)
        assert [reason for reason, _ in collector.passes] == ["quiet"]
    finally:
        release.set()
        collector.stop()


async def test_fan_outs_hold_the_pass_until_max_interval_forces_it():
    collector = ticking(tick=0.01, quiet=0.05, min_interval=0.05, max_interval=0.4)
    ref = old_garbage_cycle()
    started = time.monotonic()
    try:
        while ref() is not None:
            note_activity()  # a fan-out every 10 ms: the loop is never quiet
            assert time.monotonic() - started < 5, "no forced pass"
            await asyncio.sleep(0.01)
        assert time.monotonic() - started >= 0.3
        assert [reason for reason, _ in collector.passes] == ["forced"]
    finally:
        collector.stop()


async def test_a_loop_kept_busy_holds_the_pass():
    collector = ticking(tick=0.01, quiet=0.1, min_interval=0.05, max_interval=30)
    ref = old_garbage_cycle()
    try:
        busy_until = time.monotonic() + 0.5
        while time.monotonic() < busy_until:
            time.sleep(0.03)  # blocking work on the loop: every tick comes late
            await asyncio.sleep(0)
        assert collector.ticks > 0
        assert collector.passes == [] and ref() is not None
        await until(lambda: ref() is None)
        assert [reason for reason, _ in collector.passes] == ["quiet"]
    finally:
        collector.stop()


async def test_survivors_are_frozen_out_of_passes_and_a_sweep_frees_cycles_among_them():
    collector = ticking(tick=0.01, quiet=0.02, min_interval=0.05, sweep_interval=1.0)
    try:
        node = Node()
        ref = weakref.ref(node)
        gc.collect(1)  # into the old generation, so the next pass has something to walk
        await until(lambda: len(collector.passes) >= 1)
        assert not any(obj is node for obj in gc.get_objects())  # frozen: no pass walks it
        del node
        passes = len(collector.passes)
        gc.collect(1)
        await until(lambda: len(collector.passes) > passes)
        assert collector.passes[-1][0] == "quiet"
        assert ref() is not None  # a garbage cycle among frozen objects waits for the sweep
        await until(lambda: ref() is None)
        assert collector.passes[-1][0] == "sweep"
    finally:
        collector.stop()


def test_installing_raises_cpythons_own_full_pass_trigger_and_freezes_what_is_loaded():
    before = gc.get_freeze_count()
    young, middle, _ = gc.get_threshold()
    collect_when_idle(held_request_app(asyncio.Event()))
    assert gc.get_threshold() == (young, middle, 1000)
    assert gc.get_freeze_count() > before
