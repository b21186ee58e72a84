"""peerlearn_payouts listens to what bookings announces (after commit) and runs its own services."""

from django.dispatch import receiver

from peerlearn_bookings.signals import booking_cancelled, session_cancelled, session_completed

from . import services


@receiver(session_completed, dispatch_uid="peerlearn_payouts.accrue_on_completion")
def accrue_on_completion(sender, session_id: int, **kwargs) -> None:
    services.accrue_session_earnings(session_id=session_id)


@receiver(booking_cancelled, dispatch_uid="peerlearn_payouts.refund_cancelled_booking")
def refund_cancelled_booking(sender, booking_id: int, **kwargs) -> None:
    """A learner cancelled (refund by the cutoff policy), declined the mentor's new time (a full
    refund whatever the cutoff; the booking's cancel_reason says so) or a hold was released (its
    open order expires)."""
    services.refund_cancelled_booking(booking_id=booking_id)


@receiver(session_cancelled, dispatch_uid="peerlearn_payouts.refund_cancelled_session")
def refund_cancelled_session(sender, session_id: int, **kwargs) -> None:
    """The mentor cancelled, from the dashboard or with Decline in the room: every paid seat back."""
    services.refund_cancelled_session(session_id=session_id)
