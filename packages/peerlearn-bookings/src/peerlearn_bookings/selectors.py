"""Reads for views, APIs and consumers; each costs a constant number of queries."""

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Booking,
    LiveSession,
    RequestStatus,
    SessionRequest,
    SessionStatus,
    WaitlistEntry,
)

ACTIVE = Q(bookings__cancelled_at__isnull=True)


def _waitlist_count_subquery():
    return Coalesce(
        Subquery(
            WaitlistEntry.objects.filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        0,
    )


def sessions_with_counts() -> QuerySet[LiveSession]:
    return LiveSession.objects.select_related("mentor").annotate(
        confirmed_count=Count("bookings", filter=ACTIVE & Q(bookings__confirmed=True)),
        attended_count=Count("bookings", filter=ACTIVE & Q(bookings__attended=True)),
        reconfirm_pending_count=Count(
            "bookings", filter=ACTIVE & Q(bookings__reconfirm_pending=True)
        ),
        waitlist_count=_waitlist_count_subquery(),
    )


def session_with_counts(session_id: int) -> LiveSession:
    return sessions_with_counts().get(pk=session_id)


def mentor_sessions(mentor, scope: str = "scheduled") -> QuerySet[LiveSession]:
    sessions = sessions_with_counts().filter(mentor=mentor)
    if scope == "past":
        return sessions.filter(status__in=CLOSED_STATUSES).order_by("-starts_at", "-id")
    return sessions.filter(status__in=OPEN_STATUSES).order_by("starts_at", "id")


def browsable_sessions(*, now=None) -> QuerySet[LiveSession]:
    """Scheduled future sessions, full ones included (a learner may join their waitlist)."""
    now = now or timezone.now()
    return (
        sessions_with_counts()
        .filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at", "id")
    )


def bookable_sessions(*, now=None) -> QuerySet[LiveSession]:
    now = now or timezone.now()
    from django.db.models import F

    return (
        sessions_with_counts()
        .filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            booked_count__lt=F("max_participants"),
        )
        .order_by("starts_at", "id")
    )


def is_bookable(session: LiveSession, *, now=None) -> bool:
    now = now or timezone.now()
    return (
        session.status == SessionStatus.SCHEDULED
        and session.starts_at > now
        and session.booked_count < session.max_participants
    )


def active_booking(*, session_id: int, learner_id: int) -> Booking | None:
    return Booking.objects.filter(
        session_id=session_id, learner_id=learner_id, cancelled_at__isnull=True
    ).first()


def learner_booked_session_ids(learner, session_ids) -> set[int]:
    return set(
        Booking.objects.filter(
            learner=learner, session_id__in=list(session_ids), cancelled_at__isnull=True
        ).values_list("session_id", flat=True)
    )


def can_view_session(user, session: LiveSession) -> bool:
    if session.mentor_id == user.pk:
        return True
    if getattr(user, "role", None) != "learner":
        return False
    return (
        is_bookable(session)
        or Booking.objects.filter(session=session, learner=user, cancelled_at__isnull=True).exists()
        or WaitlistEntry.objects.filter(session=session, learner=user).exists()
    )


def can_join_session_channel(user, session_id: int) -> bool:
    """The session's mentor and its booked (active) learners."""
    return LiveSession.objects.filter(
        Q(mentor_id=user.pk) | Q(bookings__learner_id=user.pk, bookings__cancelled_at__isnull=True),
        pk=session_id,
    ).exists()


def room_member_booking(user, session: LiveSession) -> Booking | None:
    """The learner's active, not-declined booking of the session: their seat in its room."""
    return Booking.objects.filter(
        session=session, learner_id=user.pk, cancelled_at__isnull=True, declined=False
    ).first()


def learner_bookings(learner, *, include_cancelled: bool = False) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(learner=learner)
    if not include_cancelled:
        bookings = bookings.filter(cancelled_at__isnull=True)
    return (
        bookings.select_related("learner", "feedback")
        .prefetch_related(Prefetch("session", queryset=sessions_with_counts()))
        .order_by("session__starts_at", "id")
    )


def past_sessions_with_mentor_prefetch(mentor_id: int, *, exclude_session_id=None) -> Prefetch:
    """The learner's completed sessions with one mentor, newest first, as ``learner.past_bookings``."""
    return Prefetch(
        "learner__bookings",
        queryset=Booking.objects.filter(
            session__mentor_id=mentor_id,
            session__status=SessionStatus.COMPLETED,
            cancelled_at__isnull=True,
        )
        .exclude(session_id=exclude_session_id)
        .select_related("session")
        .order_by("-session__starts_at"),
        to_attr="past_bookings_with_mentor",
    )


def session_learners(session: LiveSession) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(session=session, cancelled_at__isnull=True)
        .select_related("learner", "feedback")
        .prefetch_related(
            past_sessions_with_mentor_prefetch(session.mentor_id, exclude_session_id=session.pk)
        )
        .order_by("booked_at", "id")
    )


def _active_bookings(session_id: int) -> QuerySet[Booking]:
    return Booking.objects.filter(session_id=session_id, cancelled_at__isnull=True)


def active_learner_ids(session_id: int) -> list[int]:
    """In no particular order (see ``counted_learners``)."""
    return list(_active_bookings(session_id).order_by().values_list("learner_id", flat=True))


def counted_learners(session: LiveSession) -> list[int]:
    """The session's active learners' ids, with the counts ``sessions_with_counts`` annotates
    set on ``session``, from one pass over its active bookings and a count of its waitlist.

    For the mentor's Ready and Cancel Ready: the learners to notify are read anyway, and the
    response then needs no grouped query of its own after the commit, where it would compete
    with the push's fan-out for the GIL. Inside the write's transaction the counts are those the
    commit leaves (the session is locked).

    The ids come in no particular order: sorting 500 bookings by ``booked_at`` (no index) took
    over a third of the read, on the request that sends the push."""
    rows = (
        _active_bookings(session.pk)
        .order_by()
        .values_list("learner_id", "confirmed", "attended", "reconfirm_pending")
    )
    learner_ids, confirmed, attended, reconfirm_pending = [], 0, 0, 0
    for learner_id, is_confirmed, is_attended, is_reconfirm_pending in rows:
        learner_ids.append(learner_id)
        confirmed += is_confirmed
        attended += is_attended
        reconfirm_pending += is_reconfirm_pending
    session.confirmed_count = confirmed
    session.attended_count = attended
    session.reconfirm_pending_count = reconfirm_pending
    session.waitlist_count = WaitlistEntry.objects.filter(session_id=session.pk).count()
    return learner_ids


def session_counts(session_id: int) -> dict:
    row = (
        LiveSession.objects.filter(pk=session_id)
        .annotate(
            confirmed=Count("bookings", filter=ACTIVE & Q(bookings__confirmed=True)),
            attended=Count("bookings", filter=ACTIVE & Q(bookings__attended=True)),
        )
        .values("booked_count", "confirmed", "attended")
        .get()
    )
    return {
        "booked_count": row["booked_count"],
        "confirmed_count": row["confirmed"],
        "attended_count": row["attended"],
    }


def requests_for(user) -> QuerySet[SessionRequest]:
    requests = SessionRequest.objects.select_related("learner", "mentor", "session")
    if getattr(user, "role", None) == "mentor":
        return requests.filter(mentor=user)
    return requests.filter(learner=user)


def pending_request_count(user) -> int:
    if getattr(user, "role", None) != "mentor":
        return 0
    return SessionRequest.objects.filter(mentor=user, status=RequestStatus.PENDING).count()


def pending_request_counts(users) -> dict[int, int]:
    """``pending_request_count`` for many users in one grouped query."""
    mentor_ids = [u.pk for u in users if getattr(u, "role", None) == "mentor"]
    if not mentor_ids:
        return {}
    rows = (
        SessionRequest.objects.filter(mentor_id__in=mentor_ids, status=RequestStatus.PENDING)
        .values("mentor_id")
        .annotate(n=Count("id"))
    )
    return {row["mentor_id"]: row["n"] for row in rows}


def mentors() -> QuerySet:
    return get_user_model().objects.filter(role="mentor", is_active=True).order_by("name")


def due_for_completion(*, now=None) -> list[int]:
    """Open sessions whose end time has passed (end = start + duration, computed in Python so
    it works the same on SQLite and PostgreSQL)."""
    now = now or timezone.now()
    candidates = LiveSession.objects.filter(status__in=OPEN_STATUSES, starts_at__lt=now)
    return [
        s.pk for s in candidates.only("id", "starts_at", "duration_minutes") if s.ends_at <= now
    ]


def unpaid_booking_ids(*, booked_before) -> list[int]:
    from .models import PaymentStatus

    return list(
        Booking.objects.filter(
            cancelled_at__isnull=True,
            payment_status=PaymentStatus.PENDING,
            booked_at__lt=booked_before,
        ).values_list("id", flat=True)
    )


def paid_bookings_of_session(session_id: int) -> QuerySet[Booking]:
    from .models import PaymentStatus

    return Booking.objects.filter(
        session_id=session_id,
        cancelled_at__isnull=True,
        payment_status=PaymentStatus.PAID,
        amount_paise__gt=0,
    ).select_related("session")


def completed_session_ids() -> list[int]:
    return list(
        LiveSession.objects.filter(status=SessionStatus.COMPLETED).values_list("id", flat=True)
    )


# --- reschedule re-confirmation and the waitlist ---------------------------------------------


def reconfirm_counts(session_id: int) -> dict:
    """The mentor's "x/y re-confirmed": active bookings that answered (or booked after the new
    time was set) out of all active bookings."""
    row = Booking.objects.filter(session_id=session_id, cancelled_at__isnull=True).aggregate(
        booked=Count("id"), pending=Count("id", filter=Q(reconfirm_pending=True))
    )
    return {
        "booked_count": row["booked"],
        "reconfirm_pending_count": row["pending"],
        "reconfirmed_count": row["booked"] - row["pending"],
    }


def reconfirm_states(session_id: int) -> list[dict]:
    return [
        {"booking_id": pk, "learner_id": learner_id, "reconfirm_pending": pending}
        for pk, learner_id, pending in Booking.objects.filter(
            session_id=session_id, cancelled_at__isnull=True
        )
        .order_by("id")
        .values_list("id", "learner_id", "reconfirm_pending")
    ]


def waitlist_count(session_id: int) -> int:
    return WaitlistEntry.objects.filter(session_id=session_id).count()


def waitlist_position(*, session_id: int, learner_id: int) -> int | None:
    """1-based place in the session's queue, or None when not waiting."""
    entry = WaitlistEntry.objects.filter(session_id=session_id, learner_id=learner_id).first()
    if entry is None:
        return None
    return (
        WaitlistEntry.objects.filter(session_id=session_id)
        .filter(Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, id__lte=entry.pk))
        .count()
    )


def waitlist_positions(*, learner_id: int, session_ids) -> dict[int, int]:
    """{session_id: 1-based position} for every queue the learner is in among ``session_ids``,
    in one query."""
    mine = WaitlistEntry.objects.filter(learner_id=learner_id, session_id__in=list(session_ids))
    ahead = WaitlistEntry.objects.filter(session_id=OuterRef("session_id")).filter(
        Q(joined_at__lt=OuterRef("joined_at"))
        | Q(joined_at=OuterRef("joined_at"), id__lt=OuterRef("id"))
    )
    counted = ahead.order_by().values("session_id").annotate(n=Count("id")).values("n")[:1]
    return {
        session_id: ahead_n + 1
        for session_id, ahead_n in mine.annotate(ahead=Coalesce(Subquery(counted), 0)).values_list(
            "session_id", "ahead"
        )
    }
