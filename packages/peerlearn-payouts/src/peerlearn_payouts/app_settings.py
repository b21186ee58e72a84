"""PEERLEARN_PAYOUTS settings with defaults; keys come from the environment via the site."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from peerlearn_core.throttling import check_user_rate

DEFAULTS = {
    "KEY_ID": "",
    "KEY_SECRET": "",
    "ACCOUNT_NUMBER": "",
    "WEBHOOK_SECRET": "",
    # Razorpay's API; the loopback sandbox in development and tests (http, no trailing slash).
    "BASE_URL": "https://api.razorpay.com",
    # Seconds for every gateway call: Razorpay gives webhooks 5 s, we give ourselves less.
    "TIMEOUT": 5.0,
    "COMMISSION_PERCENT": 10,
    "MIN_PAYOUT_PAISE": 100,
    "MAX_PAYOUT_PAISE": 5_00_000_00,  # ₹5 lakh per request (UPI's own ceiling is ₹1 lakh-₹5 lakh)
    # How long an unpaid booking of a priced session holds its seat.
    "SEAT_HOLD_MINUTES": 15,
    # Reconciliation also polls processed payouts this recent: a reversal can come days later.
    "RECONCILE_PROCESSED_DAYS": 7,
    # A learner who cancels a paid booking more than this many hours before the start gets a
    # full refund; later, none (the seat was held for them). A mentor's cancel always refunds.
    "REFUND_CUTOFF_HOURS": 24,
    # Razorpay refund speed: "normal" (5-7 working days) or "optimum" (instant when possible).
    "REFUND_SPEED": "normal",
    "PAYOUT_PURPOSE": "payout",
    "PAYOUT_NARRATION": "PeerLearn earnings",
    "CHECKOUT_URL": "",  # the sandbox's /checkout page in the demo; empty: Razorpay Checkout JS
    # Per user, on every call that moves money: orders, payment checks, withdrawals (DRF's rate
    # syntax; None turns the throttle off).
    "MONEY_THROTTLE_RATE": "30/min",
}


class PayoutSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, "PEERLEARN_PAYOUTS", {}).get(name, DEFAULTS[name])


payout_settings = PayoutSettings()

RAZORPAY_CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"


def checkout_js_url() -> str:
    """Razorpay's Checkout script; with CHECKOUT_URL pointing at the sandbox's ``/checkout``
    page, the sandbox's stand-in for the script next to it (``/v1/checkout.js``)."""
    page = str(payout_settings.CHECKOUT_URL or "")
    if page.endswith("/checkout"):
        return page.removesuffix("/checkout") + "/v1/checkout.js"
    return RAZORPAY_CHECKOUT_JS


def check_settings() -> None:
    unknown = set(getattr(settings, "PEERLEARN_PAYOUTS", {})) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown PEERLEARN_PAYOUTS keys: {sorted(unknown)}")
    if str(payout_settings.BASE_URL).endswith("/"):
        raise ImproperlyConfigured("PEERLEARN_PAYOUTS['BASE_URL'] must not end with '/'.")
    cutoff = payout_settings.REFUND_CUTOFF_HOURS
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float) or cutoff < 0:
        raise ImproperlyConfigured("PEERLEARN_PAYOUTS['REFUND_CUTOFF_HOURS'] must be >= 0.")
    if payout_settings.REFUND_SPEED not in {"normal", "optimum"}:
        raise ImproperlyConfigured("PEERLEARN_PAYOUTS['REFUND_SPEED'] is normal or optimum.")
    check_user_rate(payout_settings.MONEY_THROTTLE_RATE, "PEERLEARN_PAYOUTS['MONEY_THROTTLE_RATE']")
