"""An independent check of TURN credentials, written as coturn computes it (not via turn.py)."""

import base64
import hashlib
import hmac


def coturn_password(secret: str, username: str) -> str:
    """coturn's use-auth-secret password for ``username``: base64(HMAC-SHA1(secret, username))."""
    mac = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")
