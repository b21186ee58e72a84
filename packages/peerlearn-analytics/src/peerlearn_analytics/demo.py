"""Demo history for the Earnings analytics and the session reports: about seven months of the
demo mentor's completed sessions, with paid bookings credited through the payouts ledger
(``accrue_session_earnings``), a refund, no-shows, ratings, comments and room chat.

Runs after the bookings and payouts seeders (order 30). Idempotent: sessions are keyed by
title, accrual credits each booking once, and re-running only re-applies the dates. Times are
coherent: bookings before the start, attendance during the session, earnings credited when it
completed, feedback and chat after and during it.
"""

import random
import uuid
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from peerlearn_bookings.models import (
    Booking,
    Feedback,
    LiveSession,
    PaymentStatus,
    SessionStatus,
)
from peerlearn_core.models import Notification, Role
from peerlearn_payouts.models import EarningEntry, Payment, Refund, RefundStatus
from peerlearn_payouts.services import accrue_session_earnings
from peerlearn_rtc.models import ChatMessage

from .app_settings import analytics_settings

# More learners than core's three logins, so sessions have realistic class sizes. They have no
# usable password: nobody signs in as them.
EXTRA_LEARNERS = [
    ("arjun.learner@peerlearn.demo", "Arjun Nair"),
    ("divya.learner@peerlearn.demo", "Divya Rao"),
    ("ishaan.learner@peerlearn.demo", "Ishaan Gupta"),
    ("priya.learner@peerlearn.demo", "Priya Menon"),
    ("sana.learner@peerlearn.demo", "Sana Qureshi"),
]

# (title, price in paise, duration) oldest first; the awkward ₹333.33 and a free session too.
HISTORY = [
    ("Python for analysts: a first look", 19900, 60),
    ("Git for data people", 29900, 60),
    ("Excel to pandas", 39900, 90),
    ("Reading research papers together (free)", 0, 60),
    ("Dates and time zones in Python", 33333, 60),
    ("Plotting with Matplotlib", 29900, 60),
    ("NumPy arrays from scratch", 29900, 60),
    ("Descriptive statistics, the honest way", 39900, 60),
    ("Pandas groupby deep dive", 49900, 90),
    ("SQL joins for analysts", 33333, 60),
    ("Community Q&A (free)", 0, 45),
    ("Probability refresher", 39900, 60),
    ("Data cleaning clinic", 49900, 90),
    ("Seaborn for quick insights", 29900, 60),
    ("A/B testing basics", 49900, 90),
    ("Regression diagnostics", 39900, 60),
    ("Time series: resampling and rolling windows", 49900, 90),
    ("Feature engineering workshop", 59900, 120),
    ("Interview drill: statistics", 33333, 60),
    ("scikit-learn pipelines", 49900, 90),
    ("Office hours: your projects (free)", 0, 60),
    ("Model evaluation and metrics", 39900, 60),
    ("Jupyter productivity tricks", 19900, 45),
    ("Storytelling with data", 29900, 60),
]

COMMENTS = [
    "Clear and practical, thank you!",
    "Loved the live examples.",
    "A bit fast in the middle, but the notes helped.",
    "Exactly what I needed for my project.",
    "",
    "Great pacing and good answers to questions.",
    "Would love a follow-up session on this.",
    "",
    "The exercises made it click.",
]

CHAT = [
    ("mentor", "Welcome everyone! We'll start in a minute."),
    ("learner", "Hi! Excited for this one."),
    ("learner", "Could you share the notebook link?"),
    ("mentor", "Sure, it's in the session description. Let's begin."),
    ("learner", "Why do we reset the index after the groupby?"),
    ("mentor", "Good question: so the keys become ordinary columns again."),
    ("learner", "That makes sense now, thanks!"),
    ("mentor", "Thanks for joining. Please leave a rating if you have a minute."),
]


def _extra_learners() -> list:
    User = get_user_model()
    learners = []
    for email, name in EXTRA_LEARNERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "role": Role.LEARNER, "bio": "Demo learner."}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        learners.append(user)
    return learners


def _local(day, hour: int, minute: int, zone) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def _paid(booking, status=Payment.Status.PAID) -> Payment:
    """The Razorpay order and payment behind a paid seat (settled, so nothing polls them)."""
    paid_at = booking.booked_at + timedelta(minutes=2)
    return Payment.objects.create(
        booking=booking,
        learner=booking.learner,
        razorpay_order_id=f"order_Demo{booking.pk:010d}",
        razorpay_payment_id=f"pay_Demo{booking.pk:010d}",
        amount_paise=booking.amount_paise,
        status=status,
        created_at=booking.booked_at,
        paid_at=paid_at,
    )


def _create_history_session(mentor, pool, index: int, spec, starts_at, rng) -> LiveSession:
    title, price, duration = spec
    ends_at = starts_at + timedelta(minutes=duration)
    seats = min(len(pool), 4 + index % 5)
    session = LiveSession.objects.create(
        mentor=mentor,
        title=title,
        description=f"Part of the demo history: {title.lower()}.",
        starts_at=starts_at,
        duration_minutes=duration,
        max_participants=10,
        price_paise=price,
        status=SessionStatus.COMPLETED,
        started_at=starts_at,
        completed_at=ends_at,
        created_at=starts_at - timedelta(days=10),
    )
    learners = rng.sample(pool, seats)
    active = 0
    for position, learner in enumerate(learners):
        booked_at = starts_at - timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 20))
        refunded = price and index % 6 == 2 and position == 0
        if refunded:
            # Cancelled long before the start and refunded in full: never earns anything.
            booking = Booking.objects.create(
                session=session,
                learner=learner,
                booked_at=booked_at,
                amount_paise=price,
                payment_status=PaymentStatus.REFUNDED,
                cancelled_at=booked_at + timedelta(hours=6),
            )
            payment = _paid(booking, status=Payment.Status.REFUNDED)
            Refund.objects.create(
                payment=payment,
                booking=booking,
                amount_paise=price,
                reason=Refund.Reason.LEARNER_CANCELLED,
                status=RefundStatus.PROCESSED,
                razorpay_id=f"rfnd_Demo{booking.pk:010d}",
                created_at=booking.cancelled_at,
                processed_at=booking.cancelled_at + timedelta(hours=2),
            )
            continue
        attended = position % 5 != 3  # about one no-show in five
        declined = not attended and position % 2 == 1
        booking = Booking.objects.create(
            session=session,
            learner=learner,
            booked_at=booked_at,
            amount_paise=price,
            payment_status=PaymentStatus.PAID if price else PaymentStatus.FREE,
            confirmed=not declined,
            confirmed_at=None if declined else starts_at - timedelta(minutes=5),
            declined=declined,
            declined_at=starts_at - timedelta(minutes=20) if declined else None,
            attended=attended,
            attended_at=starts_at + timedelta(minutes=2) if attended else None,
        )
        active += 1
        if price:
            _paid(booking)
        if attended and rng.random() < 0.75:
            Feedback.objects.create(
                booking=booking,
                rating=rng.choice([5, 5, 4, 4, 4, 3, 5, 2]),
                comment=rng.choice(COMMENTS),
                created_at=ends_at + timedelta(hours=rng.randint(1, 30)),
            )
    LiveSession.objects.filter(pk=session.pk).update(booked_count=active)
    if index % 4 != 1:  # some sessions had no chat at all
        _chat(session)
    return session


def _chat(session) -> None:
    """The room chat of a session, spread over its duration, from the mentor and attendees."""
    attendees = [
        b.learner
        for b in Booking.objects.filter(session=session, attended=True).select_related("learner")
    ]
    if not attendees:
        return
    mentor = session.mentor
    peers = {user.pk: uuid.uuid4().hex[:16] for user in [mentor, *attendees]}
    messages = []
    for line, (who, text) in enumerate(CHAT):
        user = mentor if who == "mentor" else attendees[line % len(attendees)]
        messages.append(
            ChatMessage(
                session=session,
                user=user,
                peer_id=peers[user.pk],
                name=user.name,
                text=text,
                created_at=session.starts_at
                + timedelta(minutes=line * session.duration_minutes // len(CHAT)),
            )
        )
    ChatMessage.objects.bulk_create(messages)


def _make_coherent(mentor) -> None:
    """Every completed session of the demo mentor (these and the bookings seeder's): completed
    at its end, booked before it started, attended during it, credited when it completed."""
    for session in LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED):
        ends_at = session.ends_at
        if session.completed_at != ends_at:
            LiveSession.objects.filter(pk=session.pk).update(
                completed_at=ends_at, started_at=session.starts_at
            )
        Booking.objects.filter(session=session, booked_at__gte=session.starts_at).update(
            booked_at=session.starts_at - timedelta(days=2)
        )
        Booking.objects.filter(session=session, attended=True).exclude(
            attended_at__range=(session.starts_at, ends_at)
        ).update(attended_at=session.starts_at + timedelta(minutes=3))
        Booking.objects.filter(session=session, confirmed=True).exclude(
            confirmed_at__lt=session.starts_at
        ).update(confirmed_at=session.starts_at - timedelta(minutes=5))
        Feedback.objects.filter(booking__session=session, created_at__lt=ends_at).update(
            created_at=ends_at + timedelta(hours=2)
        )
        EarningEntry.objects.filter(session=session).exclude(earned_at=ends_at).update(
            earned_at=ends_at
        )


def seed_analytics(people) -> None:
    mentor = people.mentor
    zone = analytics_settings.zone
    rng = random.Random(20261125)
    pool = list(people.learners) + _extra_learners()
    today = timezone.localdate(timezone=zone)
    history = []
    for index, spec in enumerate(HISTORY):
        # Oldest about seven months ago, then every eight or nine days, evenings local time;
        # one (60 minutes) ends at 23:30 on a Sunday: its earnings stay in that week.
        day = today - timedelta(days=len(HISTORY) * 9 - index * 9 + rng.randint(0, 2))
        late = spec[0] == "Regression diagnostics"
        hour, minute = (22, 30) if late else (rng.choice([18, 19, 20]), 0)
        if late:
            day -= timedelta(days=(day.weekday() - 6) % 7)  # a Sunday
        starts_at = _local(day, hour, minute, zone)
        session = LiveSession.objects.filter(mentor=mentor, title=spec[0]).first()
        if session is None:
            session = _create_history_session(mentor, pool, index, spec, starts_at, rng)
        history.append(session)
    completed = LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED)
    for session in completed:
        accrue_session_earnings(session_id=session.pk)
    # The other seeders' completed sessions (the newest ones) get their chat too.
    titles = [title for title, _price, _minutes in HISTORY]
    for session in completed.exclude(title__in=titles).exclude(chat_messages__isnull=False):
        _chat(session)
    _make_coherent(mentor)
    # The "Earnings added" news of months ago is old news: read, and dated when it happened.
    for session in history:
        Notification.objects.filter(
            user=mentor, kind="earnings.accrued", data__session_id=session.pk
        ).update(read=True, created_at=session.ends_at)
