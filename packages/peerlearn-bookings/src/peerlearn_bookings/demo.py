"""Demo data for the bookings screens, told as one story: about seven months of the demo
mentor's completed sessions (bookings, attendance, no-shows, a refunded cancel, ratings), the
last two with the three demo learners, a live session every demo learner holds a seat in,
upcoming sessions with paid, unpaid and declined seats, a cancelled session, and session
requests (pending, accepted, declined).

Times are coherent: a session is created before it is booked, booked before it starts,
confirmed just before the start, attended during it, completed at its end and rated after it.
Only this package's models are written; payouts pays for the seats, rtc adds the chat.
Idempotent: sessions are keyed by mentor and title, bookings by session and learner, requests
by learner, mentor and topic.
"""

import random
from datetime import datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from .models import (
    Booking,
    CancelReason,
    Feedback,
    LiveSession,
    PaymentStatus,
    RequestStatus,
    SessionRequest,
    SessionStatus,
)

# (title, price in paise, duration) oldest first; the awkward ₹333.33 and free sessions too.
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

# The two most recent completed sessions, which the three demo learners took part in.
RECENT = [("Python basics bootcamp", 39900, 14), ("Data visualisation 101", 33333, 7)]

LIVE_TITLE = "Live now: Matplotlib makeover"

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


def _local(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def _session(mentor, title, starts_at, *, now, **fields):
    """The session keyed by mentor and title; created ten days before it starts (or before now,
    for one that has not started yet). Returns (session, created)."""
    fields.setdefault("duration_minutes", 60)
    fields.setdefault("max_participants", 10)
    fields.setdefault("description", "")
    fields.setdefault("created_at", min(starts_at, now) - timedelta(days=10))
    return LiveSession.objects.get_or_create(
        mentor=mentor, title=title, defaults=dict(starts_at=starts_at, **fields)
    )


def _book(session, learner, booked_at, **fields) -> Booking:
    """The learner's active seat (or, with ``cancelled_at``, their cancelled one), booked at
    ``booked_at``. A new active seat is counted in ``booked_count``."""
    cancelled_at = fields.get("cancelled_at")
    existing = Booking.objects.filter(
        session=session, learner=learner, cancelled_at__isnull=cancelled_at is None
    ).first()
    if existing is not None:
        return existing
    fields.setdefault("amount_paise", session.price_paise)
    fields.setdefault(
        "payment_status", PaymentStatus.PAID if session.price_paise else PaymentStatus.FREE
    )
    booking = Booking.objects.create(
        session=session, learner=learner, booked_at=booked_at, **fields
    )
    if cancelled_at is None:
        LiveSession.objects.filter(pk=session.pk).update(booked_count=F("booked_count") + 1)
    return booking


def _rate(booking, rng, *, rating=None, comment=None) -> None:
    Feedback.objects.get_or_create(
        booking=booking,
        defaults={
            "rating": rating or rng.choice([5, 5, 4, 4, 4, 3, 5, 2]),
            "comment": rng.choice(COMMENTS) if comment is None else comment,
            "created_at": booking.session.ends_at + timedelta(hours=rng.randint(1, 30)),
        },
    )


def _completed(mentor, title, price, duration, starts_at, *, now):
    return _session(
        mentor,
        title,
        starts_at,
        now=now,
        description=f"Part of the demo history: {title.lower()}.",
        duration_minutes=duration,
        price_paise=price,
        status=SessionStatus.COMPLETED,
        started_at=starts_at,
        completed_at=starts_at + timedelta(minutes=duration),
    )


def _history(people, now, rng) -> None:
    """About seven months of completed sessions, every eight or nine days, evenings local time;
    one (60 minutes) ends at 23:30 on a Sunday, so its earnings stay in that week."""
    mentor = people.mentor
    pool = list(people.learners) + list(people.crowd)
    today = timezone.localdate(now)
    for index, (title, price, duration) in enumerate(HISTORY):
        day = today - timedelta(days=len(HISTORY) * 9 - index * 9 + rng.randint(0, 2))
        late = title == "Regression diagnostics"
        if late:
            day -= timedelta(days=(day.weekday() - 6) % 7)  # a Sunday
        starts_at = _local(day, 22, 30) if late else _local(day, rng.choice([18, 19, 20]))
        learners = rng.sample(pool, min(len(pool), 4 + index % 5))
        session, created = _completed(mentor, title, price, duration, starts_at, now=now)
        if not created:
            continue  # its bookings were made with it
        rated = False
        for position, learner in enumerate(learners):
            booked_at = starts_at - timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 20))
            if price and index % 6 == 2 and position == 0:
                # Cancelled long before the start and refunded in full (payouts keeps the refund).
                _book(
                    session,
                    learner,
                    booked_at,
                    payment_status=PaymentStatus.REFUNDED,
                    cancelled_at=booked_at + timedelta(hours=6),
                    cancel_reason=CancelReason.LEARNER,
                )
                continue
            attended = position % 5 != 3  # about one no-show in five
            declined = not attended and position % 2 == 1
            booking = _book(
                session,
                learner,
                booked_at,
                confirmed=not declined,
                confirmed_at=None if declined else starts_at - timedelta(minutes=5),
                declined=declined,
                declined_at=starts_at - timedelta(minutes=20) if declined else None,
                attended=attended,
                attended_at=starts_at + timedelta(minutes=2) if attended else None,
            )
            # Every session has at least one rating; about three attendees in four rate.
            if attended and (not rated or rng.random() < 0.75):
                _rate(booking, rng)
                rated = True


def _recent(people, now, rng) -> None:
    """The last two completed sessions: Meera and Kabir attended and rated, Zoya did not show."""
    for title, price, days_ago in RECENT:
        starts_at = _local(timezone.localdate(now) - timedelta(days=days_ago), 19)
        session, _ = _completed(people.mentor, title, price, 60, starts_at, now=now)
        for position, learner in enumerate([*people.learners, *people.crowd[:2]]):
            attended = position != 2
            booking = _book(
                session,
                learner,
                starts_at - timedelta(days=4 - position % 3, hours=3 * position),
                confirmed=True,
                confirmed_at=starts_at - timedelta(minutes=10 - position),
                attended=attended,
                attended_at=starts_at + timedelta(minutes=position) if attended else None,
            )
            if position in (0, 1):
                _rate(
                    booking,
                    rng,
                    rating=5 - position,
                    comment=["Loved it!", "Clear and practical."][position],
                )


def _upcoming(people, now) -> None:
    mentor, learners, crowd = people.mentor, people.learners, people.crowd
    soon = timezone.localdate(now)

    pandas, _ = _session(
        mentor,
        "Pandas in practice: cleaning messy data",
        _local(soon + timedelta(days=2), 18, 30),
        now=now,
        max_participants=8,
        price_paise=49900,
        description="Hands-on: joins, reshaping and dates.",
    )
    _book(pandas, crowd[2], now - timedelta(days=3, hours=2))
    _book(pandas, learners[0], now - timedelta(days=1, hours=4))
    # Booked a few minutes ago and not paid yet: the seat is held while the hold runs.
    _book(pandas, learners[1], now - timedelta(minutes=4), payment_status=PaymentStatus.PENDING)

    office, _ = _session(
        mentor,
        "Statistics office hours",
        (now + timedelta(hours=3)).replace(second=0, microsecond=0),
        now=now,
        max_participants=5,
        mentor_ready=True,
        mentor_ready_at=now - timedelta(minutes=20),
        description="Bring your questions on hypothesis tests.",
    )
    _book(
        office,
        learners[0],
        now - timedelta(days=2),
        confirmed=True,
        confirmed_at=now - timedelta(minutes=12),
    )
    _book(office, learners[1], now - timedelta(days=1, hours=6))
    _book(
        office,
        learners[2],
        now - timedelta(hours=20),
        declined=True,
        declined_at=now - timedelta(minutes=8),
    )

    _session(
        mentor,
        "Intro to machine learning",
        _local(soon + timedelta(days=7), 19),
        now=now,
        max_participants=20,
        description="From linear regression to decision trees, live.",
    )
    css, _ = _session(
        people.other_mentor,
        "CSS layout clinic",
        _local(soon + timedelta(days=3), 17),
        now=now,
        max_participants=6,
        price_paise=19900,
        description="Grid and flexbox, with your own layouts.",
    )
    _book(css, learners[2], now - timedelta(days=1, hours=1))


def _requests(people, now) -> None:
    mentor, learners = people.mentor, people.learners
    # Kabir asked for a SQL session; Asha accepted and scheduled it; it filled up.
    asked = now - timedelta(days=6)
    sql, _ = _session(
        mentor,
        "Interview prep: SQL window functions",
        _local(timezone.localdate(now) + timedelta(days=4), 18),
        now=now,
        max_participants=2,
        price_paise=29900,
        description="Ranking, running totals and gaps-and-islands, interview style.",
        created_at=asked + timedelta(days=1),
    )
    _book(sql, learners[1], asked + timedelta(days=1, hours=2))
    _book(sql, learners[2], asked + timedelta(days=2, hours=5))

    def later(days: int) -> str:
        return (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0).isoformat()

    for learner, topic, status, created_at, extra in [
        (
            learners[0],
            "Help with time-series forecasting",
            RequestStatus.PENDING,
            now - timedelta(hours=5),
            {},
        ),
        (
            learners[2],
            "Career chat: moving into analytics",
            RequestStatus.PENDING,
            now - timedelta(days=1, hours=2),
            {},
        ),
        (
            learners[1],
            "Regex crash course",
            RequestStatus.DECLINED,
            now - timedelta(days=12),
            {
                "responded_at": now - timedelta(days=11),
                "decline_reason": "Not my area, sorry: Ravi may help.",
            },
        ),
        (
            learners[1],
            "SQL window functions for interviews",
            RequestStatus.ACCEPTED,
            asked,
            {"responded_at": asked + timedelta(days=1), "session": sql},
        ),
    ]:
        SessionRequest.objects.get_or_create(
            learner=learner,
            mentor=mentor,
            topic=topic,
            defaults={
                "message": "Could we do a short session this week?",
                "status": status,
                "created_at": created_at,
                "preferred_times": [later(days) for days in (2, 3)],
                **extra,
            },
        )


def _live(people, now) -> None:
    """Started a quarter of an hour ago; every demo learner holds a confirmed seat, so the room
    can be tried from the start."""
    starts_at = (now - timedelta(minutes=15)).replace(second=0, microsecond=0)
    live, _ = _session(
        people.mentor,
        LIVE_TITLE,
        starts_at,
        now=now,
        max_participants=6,
        status=SessionStatus.LIVE,
        mentor_ready=True,
        mentor_ready_at=starts_at - timedelta(minutes=8),
        started_at=starts_at,
        description="Turn a default chart into one worth publishing.",
    )
    for position, learner in enumerate(people.learners):
        _book(
            live,
            learner,
            starts_at - timedelta(days=3 - position, hours=position),
            confirmed=True,
            confirmed_at=starts_at - timedelta(minutes=5 - position),
        )


def _cancelled(people, now) -> None:
    """Cancelled by the mentor a day before it was due; Meera's paid seat was refunded."""
    starts_at = _local(timezone.localdate(now) - timedelta(days=2), 18)
    session, _ = _session(
        people.mentor,
        "Deep learning Q&A (cancelled)",
        starts_at,
        now=now,
        price_paise=39900,
        status=SessionStatus.CANCELLED,
        cancelled_at=starts_at - timedelta(days=1),
        cancel_reason="Mentor unwell",
    )
    _book(
        session,
        people.learners[0],
        starts_at - timedelta(days=4),
        payment_status=PaymentStatus.REFUNDED,
    )


def seed_bookings(people) -> None:
    now = timezone.now()
    rng = random.Random(20261125)
    _history(people, now, rng)
    _recent(people, now, rng)
    _upcoming(people, now)
    _requests(people, now)
    _live(people, now)
    _cancelled(people, now)
