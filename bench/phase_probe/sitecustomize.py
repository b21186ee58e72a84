"""Phase probe for bench/fanout.py --phases: timestamps of a POST's way through Daphne.

Loaded only by the Daphne processes the bench starts (``PYTHONPATH`` points here and
``PEERLEARN_PHASES`` names the output prefix); nothing of it is in the apps. It times the POSTs
to ``.../ready/`` and ``.../cancel_ready/`` (and whatever they cause). Each line of
``<prefix>.<pid>`` is ``<phase> <time.perf_counter()>``, the clock the bench's client uses. It
wraps, once Django is set up: Django's ASGI handler (``asgi_in``, ``response_start``,
``asgi_out``), DRF's ``APIView`` (``view_in``, ``initial_done``, ``view_out``), the database
commit (``commit_in``, ``commit_out``), ``shared.send_to_group`` (``send_in``, ``send_out``) and
the shared fan-out (``fan_in``, ``fan_out``). The wrappers cost a few microseconds each.
"""

import os
import sys
import threading
import time

_prefix = os.environ.get("PEERLEARN_PHASES")

if _prefix and any(arg.endswith("daphne") for arg in sys.argv[:1]):
    import django

    _out = open(f"{_prefix}.{os.getpid()}", "a", buffering=1)  # noqa: SIM115 (process-long)
    _lock = threading.RLock()  # a collector callback may run inside a write

    def _mark(phase: str) -> None:
        now = time.perf_counter()
        with _lock:
            _out.write(f"{phase} {now:.6f}\n")

    def _wrap_sync(owner, name: str, before: str | None, after: str | None) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if before:
                _mark(before)
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    _mark(after)

        setattr(owner, name, wrapper)

    def _wrap_async(owner, name: str, before: str, after: str) -> None:
        original = getattr(owner, name)

        async def wrapper(*args, **kwargs):
            _mark(before)
            try:
                return await original(*args, **kwargs)
            finally:
                _mark(after)

        setattr(owner, name, wrapper)

    def _install() -> None:
        from django.core.handlers import asgi
        from django.db.backends.base import base as db_base
        from rest_framework import views

        from peerlearn_core.realtime import shared

        handle = asgi.ASGIHandler.__call__

        async def call(self, scope, receive, send):
            if scope.get("method") != "POST" or not scope.get("path", "").endswith("ready/"):
                return await handle(self, scope, receive, send)
            _mark("asgi_in")

            async def timed_send(message):
                if message["type"] == "http.response.start":
                    _mark("response_start")
                return await send(message)

            try:
                return await handle(self, scope, receive, timed_send)
            finally:
                _mark("asgi_out")

        asgi.ASGIHandler.__call__ = call
        _wrap_sync(views.APIView, "dispatch", "view_in", "view_out")
        _wrap_sync(views.APIView, "initial", None, "initial_done")
        _wrap_sync(db_base.BaseDatabaseWrapper, "commit", "commit_in", "commit_out")
        _wrap_async(shared, "send_to_group", "send_in", "send_out")
        _wrap_async(shared.SharedGroups, "_fan_out", "fan_in", "fan_out")

    _setup = django.setup

    def setup(*args, **kwargs):
        _setup(*args, **kwargs)
        _install()

    django.setup = setup
