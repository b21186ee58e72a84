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
# booking_id, session_id, learner_id
booking_cancelled = Signal()
# booking_id, session_id, learner_id (the learner declined attendance)
booking_declined = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    from django.db import transaction

    transaction.on_commit(lambda: signal.send(sender="peerlearn_bookings", **kwargs))
