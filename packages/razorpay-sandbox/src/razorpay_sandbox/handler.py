"""HTTP plumbing: one threaded ``http.server`` whose handler sends each request to its surface
(health, the Checkout page and script, ``/v1`` behind Basic auth and faults, ``/_sandbox``)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api import Api
from .checkout import Checkout
from .controls import Controls
from .errors import ApiError, auth_error, not_found_url, server_error
from .faults import Fault, FaultInjector, outcome
from .state import Options


@dataclass
class Surfaces:
    api: Api
    controls: Controls
    checkout: Checkout
    faults: FaultInjector
    options: Options
    stopping: threading.Event


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], surfaces: Surfaces):
        self.surfaces = surfaces
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RazorpaySandbox/1.0"
    server: SandboxHTTPServer

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
        if self.server.surfaces.options.log_requests:
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
        surfaces = self.server.surfaces
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
                self._send(200, surfaces.checkout.script().encode(), "application/javascript")
                return
            if path == "/checkout" and method == "GET":
                self._send_html(*surfaces.checkout.page(query))
                return
            if path in ("/checkout/pay", "/checkout/fail") and method == "POST":
                form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                outcome = "pay" if path.endswith("/pay") else "failed"
                self._send_html(*surfaces.checkout.submit(outcome, form))
                return
            is_api = path == "/v1" or path.startswith("/v1/")
            is_control = path.startswith("/_sandbox/")
            if not (is_api or is_control):
                raise not_found_url()
            if not surfaces.api.authorized(self.headers.get("Authorization")):
                raise auth_error()
            data = self._parse_json(raw, method, query)
            if is_control:
                self._send_json(200, surfaces.controls.handle(method, path, data))
                return
            fault = surfaces.faults.take(method, path)
            if fault is None:
                self._send_json(200, surfaces.api.handle(method, path, query, data, self.headers))
                return
            self._apply_fault(fault, method, path, query, data)
        except ApiError as exc:
            self._send_json(exc.status, exc.body)
        except Exception:  # a bug in the fake must still answer like Razorpay would
            sandbox_error = server_error()
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

    def _apply_fault(self, fault: Fault, method: str, path: str, query: dict, data: dict) -> None:
        surfaces = self.server.surfaces

        def handle() -> tuple[int, dict]:
            try:
                return 200, surfaces.api.handle(method, path, query, data, self.headers)
            except ApiError as exc:
                return exc.status, exc.body

        result = outcome(fault, handle)
        if result.stall is not None:
            # A timeout: the client gives up first; answer late (if processed) or drop.
            self.close_connection = True
            surfaces.stopping.wait(result.stall)
        if result.answer is not None:
            self._send_json(*result.answer)
