"""peerlearn_payouts listens to what bookings announces (after commit) and runs its own services."""

from django.dispatch import receiver

from peerlearn_bookings.signals import session_completed

from . import services


@receiver(session_completed, dispatch_uid="peerlearn_payouts.accrue_on_completion")
def accrue_on_completion(sender, session_id: int, **kwargs) -> None:
    services.accrue_session_earnings(session_id=session_id)
