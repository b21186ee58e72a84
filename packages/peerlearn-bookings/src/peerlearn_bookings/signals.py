"""What peerlearn_bookings announces. Sent after commit, with plain ids and integers only.

Upper packages (payouts, rtc, analytics) connect receivers; bookings never imports them.
"""

from django.dispatch import Signal

# session_id, mentor_id
session_completed = Signal()
# session_id, mentor_id
session_cancelled = Signal()
# booking_id, session_id, learner_id, amount_paise
booking_created = Signal()
# booking_id, session_id, learner_id, reason: the learner cancelled ("learner"), the unpaid hold
# was released ("hold_released"), or the learner declined the mentor's new time
# ("reschedule_declined": refunded in full whatever the cutoff). The booking's cancel_reason,
# payment_status and cancelled_at say the same, for repair jobs.
booking_cancelled = Signal()
# booking_id, session_id, learner_id (the learner declined attendance)
booking_declined = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send after commit, robustly: a receiver that raises is logged and never keeps the other
    receivers (or later on-commit callbacks) from running. Money receivers have repair jobs
    (``accrue_earnings``, ``reconcile_payouts``) for the rare one that fails."""
    from django.db import transaction

    # send_robust logs each receiver's exception (django.dispatch) and carries on.
    transaction.on_commit(
        lambda: signal.send_robust(sender="peerlearn_bookings", **kwargs), robust=True
    )
