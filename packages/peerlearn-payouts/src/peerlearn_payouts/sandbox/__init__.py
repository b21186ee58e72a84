"""Loopback Razorpay sandbox (a faithful fake of Razorpay/RazorpayX for tests and the demo).

Run standalone with ``python -m peerlearn_payouts.sandbox``; use in-process with
``SandboxServer(key_id=..., key_secret=..., webhook_secret=...).start()``.
"""

from .server import (
    DEFAULT_ACCOUNT_NUMBER,
    PAYOUT_PURPOSES,
    PAYOUT_TRANSITIONS,
    VPA_REGEX,
    ApiError,
    SandboxServer,
    is_valid_vpa,
)

__all__ = [
    "DEFAULT_ACCOUNT_NUMBER",
    "PAYOUT_PURPOSES",
    "PAYOUT_TRANSITIONS",
    "VPA_REGEX",
    "ApiError",
    "SandboxServer",
    "is_valid_vpa",
]
