"""What a session may be: the API validates against these, and the mentor's forms read the same
numbers from the page's JSON config (``{% session_limits_json %}``), so no page copies them."""

from peerlearn_core.money import rupees

MAX_PRICE_PAISE = 10_00_000_00  # ₹10 lakh: far above any real seat, low enough to catch typos
MIN_SEATS = 1
MAX_SEATS = 500
MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 480
MAX_DAYS_AHEAD = 366  # "up to a year ahead"


def session_form_limits() -> dict:
    """The limits as the browser takes them (money as the API's rupee string)."""
    return {
        "max_price": rupees(MAX_PRICE_PAISE),
        "min_seats": MIN_SEATS,
        "max_seats": MAX_SEATS,
        "min_duration_minutes": MIN_DURATION_MINUTES,
        "max_duration_minutes": MAX_DURATION_MINUTES,
        "max_days_ahead": MAX_DAYS_AHEAD,
    }
