"""Demo data for the bookings screens: sessions in every state, bookings, feedback, requests."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from .models import (
    Booking,
    Feedback,
    LiveSession,
    PaymentStatus,
    RequestStatus,
    SessionRequest,
    SessionStatus,
)


def _session(
    mentor,
    title,
    *,
    days,
    hours=0,
    status=SessionStatus.SCHEDULED,
    seats=10,
    price=0,
    ready=False,
    **extra,
):
    starts = (timezone.now() + timedelta(days=days, hours=hours)).replace(second=0, microsecond=0)
    session, created = LiveSession.objects.get_or_create(
        mentor=mentor,
        title=title,
        defaults=dict(
            description=extra.pop("description", ""),
            starts_at=starts,
            duration_minutes=extra.pop("duration", 60),
            max_participants=seats,
            price_paise=price,
            status=status,
            mentor_ready=ready,
            **extra,
        ),
    )
    return session, created


def _book(session, learner, **fields):
    booking, created = Booking.objects.get_or_create(
        session=session,
        learner=learner,
        cancelled_at=None,
        defaults=dict(
            amount_paise=session.price_paise,
            payment_status=fields.pop(
                "payment_status", PaymentStatus.PAID if session.price_paise else PaymentStatus.FREE
            ),
            **fields,
        ),
    )
    if created:
        LiveSession.objects.filter(pk=session.pk).update(booked_count=F("booked_count") + 1)
    return booking


def seed_bookings(people) -> None:
    mentor, learners = people.mentor, people.learners
    now = timezone.now()

    pandas, _ = _session(
        mentor,
        "Pandas in practice: cleaning messy data",
        days=2,
        seats=8,
        price=49900,
        description="Hands-on: joins, reshaping and dates.",
    )
    _book(pandas, learners[0])
    _book(pandas, learners[1], payment_status=PaymentStatus.PENDING)

    office, _ = _session(
        mentor,
        "Statistics office hours",
        days=0,
        hours=3,
        seats=5,
        ready=True,
        description="Bring your questions on hypothesis tests.",
    )
    _book(office, learners[0], confirmed=True, confirmed_at=now)
    _book(office, learners[1])
    _book(office, learners[2], declined=True, declined_at=now)

    full, _ = _session(mentor, "Interview prep: SQL window functions", days=4, seats=2, price=29900)
    _book(full, learners[1])
    _book(full, learners[2])

    _session(
        mentor,
        "Intro to machine learning",
        days=7,
        seats=20,
        price=0,
        description="From linear regression to decision trees, live.",
    )
    _session(
        people.other_mentor,
        "CSS layout clinic",
        days=3,
        seats=6,
        price=19900,
        description="Grid and flexbox, with your own layouts.",
    )

    live, _ = _session(
        mentor,
        "Live now: Matplotlib makeover",
        days=0,
        hours=-0.25,
        status=SessionStatus.LIVE,
        seats=6,
        ready=True,
        started_at=now,
    )
    # Every demo learner has a seat in the live session, so the room can be tried from the start.
    for learner in learners:
        _book(live, learner, confirmed=True, confirmed_at=now)

    for index, (title, price) in enumerate(
        [("Python basics bootcamp", 39900), ("Data visualisation 101", 33333)]
    ):
        past, _ = _session(
            mentor,
            title,
            days=-(7 * (index + 1)),
            seats=10,
            price=price,
            status=SessionStatus.COMPLETED,
            completed_at=now - timedelta(days=7),
        )
        for position, learner in enumerate(learners):
            booking = _book(
                past,
                learner,
                confirmed=True,
                attended=position != 2,
                attended_at=past.starts_at if position != 2 else None,
            )
            if position != 2:
                Feedback.objects.get_or_create(
                    booking=booking,
                    defaults={
                        "rating": 5 - position,
                        "comment": ["Loved it!", "Clear and practical."][position],
                    },
                )

    _session(
        mentor,
        "Deep learning Q&A (cancelled)",
        days=-2,
        status=SessionStatus.CANCELLED,
        cancelled_at=now - timedelta(days=3),
        cancel_reason="Mentor unwell",
    )

    for learner, topic, status in [
        (learners[0], "Help with time-series forecasting", RequestStatus.PENDING),
        (learners[2], "Career chat: moving into analytics", RequestStatus.PENDING),
        (learners[1], "Regex crash course", RequestStatus.DECLINED),
    ]:
        SessionRequest.objects.get_or_create(
            learner=learner,
            mentor=mentor,
            topic=topic,
            defaults={
                "message": "Could we do a short session this week?",
                "status": status,
                "preferred_times": [
                    (now + timedelta(days=d)).replace(minute=0, second=0, microsecond=0).isoformat()
                    for d in (2, 3)
                ],
            },
        )
