"""Small pieces every part of the sandbox uses: ids, the clock, HMAC signatures, rupee text."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import time
from typing import Any

GST_RATE_PERCENT = 18
_ALNUM = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(14))


def digits(n: int) -> str:
    return str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(n - 1))


def now() -> int:
    return int(time.time())


def sign(secret: str, message: bytes | str) -> str:
    """Lowercase hex HMAC-SHA256, as Razorpay signs webhooks and Checkout results."""
    if isinstance(message, str):
        message = message.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def canonical_hash(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def rupees(paise: int) -> str:
    if paise % 100 == 0:
        return f"{paise // 100:,}"
    return f"{paise / 100:,.2f}"
