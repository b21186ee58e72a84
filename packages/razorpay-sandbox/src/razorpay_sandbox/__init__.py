"""Loopback Razorpay sandbox (a faithful fake of Razorpay/RazorpayX for tests and the demo).

A development-only distribution: PeerLearn's tests and ``make run`` use it, no runtime package
depends on it. Run standalone with ``python -m razorpay_sandbox``; use in-process with
``SandboxServer(key_id=..., key_secret=..., webhook_secret=...).start()``.
"""

from .errors import ApiError
from .fields import VPA_REGEX, is_valid_vpa
from .payouts import PAYOUT_PURPOSES, PAYOUT_TRANSITIONS
from .server import SandboxServer
from .state import DEFAULT_ACCOUNT_NUMBER

__all__ = [
    "DEFAULT_ACCOUNT_NUMBER",
    "PAYOUT_PURPOSES",
    "PAYOUT_TRANSITIONS",
    "VPA_REGEX",
    "ApiError",
    "SandboxServer",
    "is_valid_vpa",
]
