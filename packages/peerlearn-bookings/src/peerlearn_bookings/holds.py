"""How long an unpaid seat of a priced session is held for its payment.

Bookings does not decide the length: the package that takes payments (peerlearn_payouts, with
its ``SEAT_HOLD_MINUTES`` setting) registers it from its ``AppConfig.ready()``. Without one, no
seat is held for payment and ``hold_expires_at`` is null. The hold runs from ``booked_at``;
payouts' ``release_unpaid_bookings`` command gives the seat back once it ran out."""

from collections.abc import Callable
from datetime import datetime, timedelta

_hold_minutes: Callable[[], float] | None = None


def register_seat_hold(minutes: Callable[[], float]) -> None:
    """``minutes()`` is read on every call, so a settings override applies live."""
    global _hold_minutes
    _hold_minutes = minutes


def hold_expires_at(booking) -> datetime | None:
    """When the seat of an active, unpaid booking of a priced session stops being held."""
    from .models import PaymentStatus

    if (
        _hold_minutes is None
        or booking.cancelled_at is not None
        or booking.payment_status != PaymentStatus.PENDING
        or booking.amount_paise <= 0
    ):
        return None
    return booking.booked_at + timedelta(minutes=float(_hold_minutes()))
