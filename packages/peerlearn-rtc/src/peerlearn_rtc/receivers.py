"""peerlearn_rtc listens to what bookings announces (after commit) and keeps rooms in step:
a socket leaves the moment its user loses the seat, and a cancelled session closes its room."""

from django.dispatch import receiver

from peerlearn_bookings.signals import (
    booking_cancelled,
    booking_declined,
    session_cancelled,
    session_completed,
)

from . import services


@receiver(session_cancelled, dispatch_uid="peerlearn_rtc.close_cancelled_room")
def close_cancelled_room(sender, session_id: int, **kwargs) -> None:
    services.close_room(
        session_id=session_id, message={"type": "session.cancelled", "by": "mentor"}
    )


@receiver(session_completed, dispatch_uid="peerlearn_rtc.close_completed_room")
def close_completed_room(sender, session_id: int, **kwargs) -> None:
    services.close_room(session_id=session_id, message={"type": "session.completed"})


@receiver(booking_cancelled, dispatch_uid="peerlearn_rtc.revoke_cancelled_booking")
def revoke_cancelled_booking(sender, session_id: int, learner_id: int, **kwargs) -> None:
    services.revoke_user(session_id=session_id, user_id=learner_id, reason="cancelled")


@receiver(booking_declined, dispatch_uid="peerlearn_rtc.revoke_declined_booking")
def revoke_declined_booking(sender, session_id: int, learner_id: int, **kwargs) -> None:
    services.revoke_user(session_id=session_id, user_id=learner_id, reason="declined")
