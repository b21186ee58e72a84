"""``python -m razorpay_sandbox``: serve the Razorpay sandbox until SIGINT/SIGTERM.

Flags fall back to RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET,
SANDBOX_WEBHOOK_URL, RAZORPAYX_ACCOUNT_NUMBER (and SANDBOX_HOST, SANDBOX_PORT,
SANDBOX_AUTO_ADVANCE).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .server import SandboxServer
from .state import DEFAULT_ACCOUNT_NUMBER


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m razorpay_sandbox",
        description="Loopback Razorpay/RazorpayX sandbox for tests and the local demo.",
    )
    parser.add_argument("--host", default=env("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("SANDBOX_PORT", "8765")))
    parser.add_argument("--key-id", default=env("RAZORPAY_KEY_ID"))
    parser.add_argument("--key-secret", default=env("RAZORPAY_KEY_SECRET"))
    parser.add_argument("--webhook-secret", default=env("RAZORPAY_WEBHOOK_SECRET", ""))
    parser.add_argument("--webhook-url", default=env("SANDBOX_WEBHOOK_URL") or None)
    parser.add_argument(
        "--account-number", default=env("RAZORPAYX_ACCOUNT_NUMBER") or DEFAULT_ACCOUNT_NUMBER
    )
    parser.add_argument(
        "--auto-advance",
        action=argparse.BooleanOptionalAction,
        default=_truthy(env("SANDBOX_AUTO_ADVANCE")),
        help="move processing payouts and pending refunds to processed after "
        "--auto-advance-delay seconds",
    )
    parser.add_argument("--auto-advance-delay", type=float, default=3.0)
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.key_id or not args.key_secret:
        parser.error(
            "--key-id and --key-secret (or RAZORPAY_KEY_ID/RAZORPAY_KEY_SECRET) are required"
        )
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret (or RAZORPAY_WEBHOOK_SECRET)")

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    server = SandboxServer(
        host=args.host,
        port=args.port,
        key_id=args.key_id,
        key_secret=args.key_secret,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        account_number=args.account_number,
        auto_advance=args.auto_advance,
        auto_advance_delay=args.auto_advance_delay,
        log_requests=not args.quiet,
    ).start()
    print(f"sandbox listening on {server.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        print("sandbox stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
