"""WebSocket handshake: Origin check (scheme, host and port, as CSRF), then session-cookie or Bearer-token authentication."""

from urllib.parse import urlsplit

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

from ..app_settings import core_settings

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_ALLOWED = 4403


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1")
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a serialized origin or an allowed-origin entry, else None."""
    try:
        parsed = urlsplit(origin.strip())
        port = parsed.port
    except ValueError:
        return None
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.hostname:
        return None
    if parsed.path not in {"", "/"} or parsed.query or parsed.fragment or parsed.username:
        return None
    return scheme, parsed.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _matches(candidate: tuple[str, str, int], allowed: str) -> bool:
    """One entry of CSRF_TRUSTED_ORIGINS or WEBSOCKET_ALLOWED_ORIGINS, with Django's meaning:
    ``https://*.example.com`` allows the subdomains of example.com on that scheme and port."""
    wildcard = "://*." in allowed
    parts = _origin_parts(allowed.replace("://*.", "://", 1) if wildcard else allowed)
    if parts is None:
        return False
    scheme, host, port = candidate
    if (scheme, port) != (parts[0], parts[2]):
        return False
    return host.endswith("." + parts[1]) if wildcard else host == parts[1]


def _allowed_hosts() -> list[str]:
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as Django's HttpRequest.get_host()
    return allowed


def _is_secure(scope) -> bool:
    if scope.get("scheme") in {"wss", "https"}:
        return True
    # Behind a TLS-terminating proxy, believed exactly as Django's HttpRequest.is_secure() is.
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        name = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        value = _header(scope, name)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return False


def site_origin(scope) -> tuple[str, str, int] | None:
    """The site's own origin as this handshake reached it: its scheme and its ``Host`` header,
    when that host is one of ALLOWED_HOSTS (what CSRF calls the request's own origin)."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return _origin_parts(f"{'https' if _is_secure(scope) else 'http'}://{host}")


def origin_allowed(origin: str | None, scope=None) -> bool:
    """Django's CSRF origin rule for a socket: scheme, host and port must all match the site's
    own origin, an entry of CSRF_TRUSTED_ORIGINS or of PEERLEARN_CORE["WEBSOCKET_ALLOWED_ORIGINS"]."""
    if origin is None:
        return True  # non-browser clients send none; they still need credentials
    candidate = _origin_parts(origin)
    if candidate is None:  # "null" (sandboxed frames, file://), other schemes, garbage
        return False
    if scope is not None and candidate == site_origin(scope):
        return True
    trusted = [*settings.CSRF_TRUSTED_ORIGINS, *core_settings.WEBSOCKET_ALLOWED_ORIGINS]
    return any(_matches(candidate, str(entry)) for entry in trusted)


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
        if scope["type"] == "websocket" and not origin_allowed(_header(scope, b"origin"), scope):
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
