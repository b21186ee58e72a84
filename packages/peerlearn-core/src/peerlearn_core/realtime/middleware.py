"""WebSocket handshake: Origin check, then session-cookie or Bearer-token authentication."""

from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_ALLOWED = 4403


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1")
    return None


def origin_allowed(origin: str | None) -> bool:
    if origin is None:
        return True  # non-browser clients send none; they still need credentials
    parsed = urlparse(origin)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        return False
    domain, _port = split_domain_port(parsed.netloc)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


async def refuse(receive, send, code: int) -> None:
    """Accept then close with an application code, so clients can tell why (a refused handshake
    would only show them an HTTP 403)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


class OriginCheckMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(_header(scope, b"origin")):
            return await refuse(receive, send, CLOSE_NOT_ALLOWED)
        return await self.inner(scope, receive, send)


@database_sync_to_async
def _user_from_access_token(raw: str):
    """(user, expiry as a Unix time) for a valid access token, else (None, None)."""
    try:
        token = AccessToken(raw)
    except TokenError:
        return None, None
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    try:
        user = get_user_model().objects.get(**{jwt_settings.USER_ID_FIELD: user_id})
    except get_user_model().DoesNotExist:
        return None, None
    return (user, token.get("exp")) if user.is_active else (None, None)


class BearerTokenAuthMiddleware(BaseMiddleware):
    """``Authorization: Bearer <access>`` for clients without the browser's session cookie;
    ``scope["auth_expires_at"]`` is the token's expiry (absent for cookie sockets).

    A header that is present but invalid is a refusal, never a silent fall back to the cookie.
    """

    async def __call__(self, scope, receive, send):
        header = _header(scope, b"authorization")
        if header:
            kind, _, raw = header.partition(" ")
            user, expires_at = (None, None)
            if kind.lower() == "bearer":
                user, expires_at = await _user_from_access_token(raw.strip())
            if user is None:
                return await refuse(receive, send, CLOSE_NOT_AUTHENTICATED)
            # The socket lives no longer than the token that opened it (GroupRelayConsumer).
            scope = dict(scope, user=user, auth_expires_at=expires_at)
        elif "user" not in scope:
            scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)


def websocket_stack(inner):
    return OriginCheckMiddleware(AuthMiddlewareStack(BearerTokenAuthMiddleware(inner)))
