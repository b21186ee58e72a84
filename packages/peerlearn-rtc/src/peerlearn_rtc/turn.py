"""ICE servers for a user: the configured STUN/TURN list plus short-lived TURN credentials.

coturn's ``use-auth-secret`` (the TURN REST API draft) accepts username ``"<unix expiry>:<user>"``
with password ``base64(HMAC-SHA1(secret, username))``; it rejects the pair once the expiry has
passed, so a leaked credential is worth little and the secret itself never leaves the server.
"""

import base64
import hashlib
import hmac
import time

from .app_settings import rtc_settings


def turn_credential(user_id: int, *, secret: str, ttl: int, now: float | None = None) -> dict:
    expiry = int(now if now is not None else time.time()) + int(ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {
        "username": username,
        "credential": base64.b64encode(digest).decode(),
        "expires": expiry,
    }


def ice_servers_for(user) -> list[dict]:
    servers = [dict(server) for server in rtc_settings.ICE_SERVERS]
    if rtc_settings.TURN_URLS and rtc_settings.TURN_SECRET:
        cred = turn_credential(
            user.pk, secret=rtc_settings.TURN_SECRET, ttl=rtc_settings.TURN_TTL_SECONDS
        )
        servers.append(
            {
                "urls": list(rtc_settings.TURN_URLS),
                "username": cred["username"],
                "credential": cred["credential"],
            }
        )
    return servers
