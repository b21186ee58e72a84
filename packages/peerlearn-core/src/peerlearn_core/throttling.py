"""One throttle for every way in: the JSON API, the HTML log-in and sign-up forms and the admin login.

Two budgets, both kept in the default cache so every surface (and, over Redis, every process)
draws on the same counters:

- per client address (``AUTH_THROTTLE_RATE``): every attempt counts, failed or not, so neither
  password guessing nor mass sign-up goes faster than the rate from one address;
- per account (``AUTH_ACCOUNT_THROTTLE_RATE``): every attempt on one email counts, from any
  address, until one succeeds (a successful sign-in starts that account's budget afresh). This
  is what stops a guesser who spreads over many addresses; others' failures on *other* accounts
  never block anyone.

Counters are fixed windows that open at the first attempt and are bumped with the cache's atomic
``incr``, so parallel requests cannot all slip under the limit together. The client address is
the socket's unless PEERLEARN_CORE ``NUM_PROXIES`` says how many proxies in front may be
believed about ``X-Forwarded-For`` (0 by default: none, unlike DRF's default of trusting it).
IPv6 clients are counted per /64, the block one subscriber usually holds.
"""

import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .app_settings import core_settings

KEY_PREFIX = "throttle_auth_"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Where a refusal is remembered on the request, for code that runs later in the same request.
REQUEST_ATTRIBUTE = "peerlearn_auth_attempt"


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    """DRF's syntax (``"20/min"``, ``"1000/day"``) plus a window length: ``"10/15min"``."""
    match = _RATE.match(str(rate).lower())
    if not match or match.group(3)[0] not in _UNITS:
        raise ImproperlyConfigured(
            f"Bad throttle rate {rate!r}: use requests/period, e.g. '20/min' or '10/15min'."
        )
    limit, count, unit = match.groups()
    return Rate(int(limit), int(count or 1) * _UNITS[unit[0]])


def check_user_rate(rate, setting: str) -> None:
    """A rate for DRF's own throttles (``"30/min"``; ``None`` turns the throttle off), checked
    at start-up: DRF reads only the first letter of the period, so ``"10/15min"`` is not one."""
    if rate is None:
        return
    number, _, period = str(rate).partition("/")
    if not (number.strip().isdigit() and period[:1] in _UNITS):
        raise ImproperlyConfigured(
            f"{setting} = {rate!r} is not a throttle rate: use requests/period, e.g. '30/min'."
        )


def client_address(request) -> str:
    """The client's address: the socket's (``REMOTE_ADDR``), or, behind ``NUM_PROXIES`` trusted
    proxies, the ``X-Forwarded-For`` hop the nearest of them wrote (as DRF counts hops)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = core_settings.NUM_PROXIES
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        remote = hops[-min(proxies, len(hops))]
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return remote[:64]
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


def normalize_account(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value or None


def _digest(text: str) -> str:
    # Cache keys stay short, printable and free of what users typed.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _hit(key: str, rate: Rate, now: float) -> tuple[int, float]:
    """Count one attempt in ``key``'s window: (attempts so far, seconds until the window ends)."""
    cache.add(f"{key}_start", now, rate.seconds)
    cache.add(key, 0, rate.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(f"{key}_start", now, rate.seconds)
        cache.set(key, 1, rate.seconds)
        count = 1
    started = cache.get(f"{key}_start", now)
    return count, max(started + rate.seconds - now, 0.0)


@dataclass
class Attempt:
    """The verdict on one attempt: ``allowed``, else ``retry_after`` seconds to wait."""

    allowed: bool
    retry_after: int = 0
    account_key: str | None = None

    def succeeded(self) -> None:
        """The attempt got in: the account's budget starts afresh (the address's does not)."""
        if self.account_key:
            cache.delete_many([self.account_key, f"{self.account_key}_start"])

    @property
    def message(self) -> str:
        return f"Too many attempts. Try again in {describe_wait(self.retry_after)}."


def describe_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def attempt(request, *, account=None) -> Attempt:
    """Spend one unit of the address's budget and, when an account is named, of the account's.

    An address over its budget spends nothing of the account's. The verdict is also kept on the
    request (``REQUEST_ATTRIBUTE``) so the view can report success with ``succeeded(request)``.
    """
    now = time.time()
    address_rate = parse_rate(core_settings.AUTH_THROTTLE_RATE)
    count, wait = _hit(f"{KEY_PREFIX}addr_{_digest(client_address(request))}", address_rate, now)
    if count > address_rate.limit:
        verdict = Attempt(False, max(math.ceil(wait), 1))
    else:
        verdict = Attempt(True)
        name = normalize_account(account)
        if name:
            account_rate = parse_rate(core_settings.AUTH_ACCOUNT_THROTTLE_RATE)
            key = f"{KEY_PREFIX}account_{_digest(name)}"
            count, wait = _hit(key, account_rate, now)
            if count > account_rate.limit:
                verdict = Attempt(False, max(math.ceil(wait), 1))
            else:
                verdict.account_key = key
    setattr(request, REQUEST_ATTRIBUTE, verdict)
    return verdict


def succeeded(request) -> None:
    """Report that the request's attempt got in (no-op when it was never counted)."""
    verdict = getattr(request, REQUEST_ATTRIBUTE, None)
    if verdict is not None and verdict.allowed:
        verdict.succeeded()


def refusal(request) -> Attempt | None:
    verdict = getattr(request, REQUEST_ATTRIBUTE, None)
    return verdict if verdict is not None and not verdict.allowed else None


def mark_throttled(response, verdict: Attempt):
    """429 with ``Retry-After`` on a page that shows the same wait inline."""
    response.status_code = 429
    response["Retry-After"] = str(verdict.retry_after)
    return response
