"""System checks of peerlearn_payouts (how they are worded and numbered: peerlearn_core.checks)."""

from django.conf import settings
from django.core import checks

from peerlearn_core.checks import TAG, app_check, register_url_check

from .app_settings import payout_settings

APP = "peerlearn_payouts"
# What each Razorpay setting is for, in the order they are told.
KEYS = {
    "KEY_ID": "orders and payment checks",
    "KEY_SECRET": "orders and payment checks",
    "ACCOUNT_NUMBER": "withdrawals (RazorpayX)",
    "WEBHOOK_SECRET": "webhooks",
}


@app_check(APP)
def check_razorpay_keys():
    """Without DEBUG, every Razorpay setting must be there. A warning, not an error: the rest of
    the site works, the money endpoints refuse with a 4xx or 503 that says the payment service is
    not answering (never a 500, and no signature verifies under an empty secret), and
    ``migrate``, which runs the checks, must not fail where the secrets are only given to the
    running site. ``check --deploy --fail-level WARNING`` fails on it."""
    if settings.DEBUG:
        return []
    missing = [name for name in KEYS if not getattr(payout_settings, name)]
    if not missing:
        return []
    uses = sorted({KEYS[name] for name in missing})
    return [
        checks.Warning(
            f"PEERLEARN_PAYOUTS lacks {', '.join(missing)} while DEBUG is off: {', '.join(uses)}"
            " will fail.",
            hint="Give them your Razorpay (RazorpayX for ACCOUNT_NUMBER) keys, from the"
            " environment, never from code.",
            id=f"{APP}.W001",
        )
    ]


@app_check(APP)
def check_legacy_money_rate():
    """Before the apps carried their own rates, hosts set DRF's "money" scope."""
    rates = (getattr(settings, "REST_FRAMEWORK", None) or {}).get("DEFAULT_THROTTLE_RATES") or {}
    if "money" not in rates or rates["money"] == payout_settings.MONEY_THROTTLE_RATE:
        return []
    return [
        checks.Warning(
            f'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["money"] ({rates["money"]!r}) is not read:'
            f" the money endpoints use {payout_settings.MONEY_THROTTLE_RATE!r}.",
            hint=f'Set PEERLEARN_PAYOUTS["MONEY_THROTTLE_RATE"] = {rates["money"]!r} instead.',
            id=f"{APP}.W003",
        )
    ]


def register() -> None:
    """Called by the app's ``ready()``."""
    checks.register(check_razorpay_keys, TAG, checks.Tags.security)
    checks.register(check_legacy_money_rate, TAG)
    register_url_check(APP, name="payouts", path="/api/payouts/")
