"""Read-only analytics over the bookings and the payouts ledger.

Money comes from ``peerlearn_payouts.models.EarningEntry``, one row per paid booking of a
completed session, written once by accrual: what the mentor was actually credited, with the
ledger's own commission. Refunded, unpaid and free bookings (and seats cancelled in time for a
refund) have no entry, so they never count, and the sums agree with
``peerlearn_payouts.selectors.balance``. Every selector
costs a constant number of queries however many sessions, bookings or entries there are.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db.models import (
    Avg,
    BigIntegerField,
    Count,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from peerlearn_bookings.models import Booking, Feedback, LiveSession, PaymentStatus, SessionStatus
from peerlearn_payouts.models import EarningEntry
from peerlearn_rtc.models import ChatMessage

from .app_settings import analytics_settings
from .functions import LocalTruncMonth, LocalTruncWeek

WEEKLY, MONTHLY = "weekly", "monthly"
PERIODS = (WEEKLY, MONTHLY)
_TRUNC = {WEEKLY: LocalTruncWeek, MONTHLY: LocalTruncMonth}


# --- buckets ---------------------------------------------------------------------------------


def bucket_floor(day: date, period: str) -> date:
    """The first day of the bucket holding ``day``: its Monday, or the 1st of its month."""
    if period == WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_shift(start: date, period: str, n: int) -> date:
    """The bucket ``n`` buckets after (or before, n < 0) the one starting on ``start``."""
    if period == WEEKLY:
        return start + timedelta(weeks=n)
    months = start.year * 12 + start.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def bucket_span(first: date, last: date, period: str) -> int:
    """How many buckets from the one holding ``first`` to the one holding ``last``, inclusive."""
    first, last = bucket_floor(first, period), bucket_floor(last, period)
    if period == WEEKLY:
        return (last - first).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def local_midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Bucket:
    start: datetime  # local midnight its first day, aware
    end: datetime  # the next bucket's start (exclusive)
    gross: int  # paise
    commission: int
    net: int
    sessions: int


def earnings_queryset(mentor, *, period: str, since: datetime, until: datetime, zone):
    """The one grouped query: the mentor's ledger entries earned in [since, until), summed per
    bucket (Django's ``TruncWeek``/``TruncMonth`` with ``tzinfo``: the database truncates local
    time in ``zone``; compiled to SQLite's own date functions there, see ``functions``). Served
    by the (mentor, earned_at) index."""
    return (
        EarningEntry.objects.filter(
            mentor_id=getattr(mentor, "pk", mentor), earned_at__gte=since, earned_at__lt=until
        )
        .order_by()
        .annotate(bucket=_TRUNC[period]("earned_at", tzinfo=zone, since=since, until=until))
        .values("bucket")
        .annotate(
            gross=Sum("gross_paise"),
            commission=Sum("commission_paise"),
            net=Sum("net_paise"),
            sessions=Count("session_id", distinct=True),
        )
    )


def earnings_buckets(mentor, *, period: str, first: date, last: date, zone=None) -> list[Bucket]:
    """Gross, commission and net credited to ``mentor`` per week (Monday 00:00) or month (the
    1st, 00:00) in ``zone`` (default: the analytics time zone), from the bucket holding
    ``first`` to the one holding ``last``, with empty buckets filled in.

    One grouped query; an entry at 23:30 on a Sunday belongs to that week in ``zone``, not to
    the next. ``sessions`` counts distinct sessions with an entry in the bucket.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    zone = zone or analytics_settings.zone
    first, last = bucket_floor(first, period), bucket_floor(last, period)
    starts = [bucket_shift(first, period, i) for i in range(bucket_span(first, last, period) + 1)]
    rows = earnings_queryset(
        mentor,
        period=period,
        since=local_midnight(starts[0], zone),
        until=local_midnight(starts[-1], zone),
        zone=zone,
    )
    found = {timezone.localtime(row["bucket"], zone).date(): row for row in rows}
    buckets = []
    for start, end in pairwise(starts):
        row = found.get(start, {})
        buckets.append(
            Bucket(
                start=local_midnight(start, zone),
                end=local_midnight(end, zone),
                gross=row.get("gross") or 0,
                commission=row.get("commission") or 0,
                net=row.get("net") or 0,
                sessions=row.get("sessions") or 0,
            )
        )
    return buckets


# --- sessions ---------------------------------------------------------------------------------


def _ledger_sum(field: str) -> Coalesce:
    entries = (
        EarningEntry.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(entries, output_field=BigIntegerField()), Value(0))


def _active_bookings() -> Coalesce:
    bookings = (
        Booking.objects.filter(session_id=OuterRef("pk"), cancelled_at__isnull=True)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(bookings, output_field=IntegerField()), Value(0))


def _ratings(aggregate, output_field):
    ratings = (
        Feedback.objects.filter(booking__session_id=OuterRef("pk"))
        .order_by()
        .values("booking__session_id")
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(ratings, output_field=output_field)


def with_earnings(sessions: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    """Annotate each session with its ledger totals (paise), its learners (active bookings)
    and its ratings. Correlated subqueries: one query however many sessions."""
    return sessions.annotate(
        gross=_ledger_sum("gross_paise"),
        commission=_ledger_sum("commission_paise"),
        net=_ledger_sum("net_paise"),
        learners=_active_bookings(),
        average_rating=_ratings(Avg("rating"), FloatField()),
        ratings_count=Coalesce(_ratings(Count("pk"), IntegerField()), Value(0)),
    )


def completed_sessions(mentor) -> QuerySet[LiveSession]:
    """The mentor's completed sessions with their earnings, newest first."""
    return with_earnings(
        LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED)
    ).order_by("-starts_at", "-id")


def completed_session_rows(mentor, *, chunk_size: int):
    """Every completed session of ``mentor`` as (starts_at, title, learners, gross, commission,
    net), newest first, fetched ``chunk_size`` at a time by keyset (starts_at, id): memory stays
    flat and no cursor is held open between chunks. A generator of lists."""
    base = LiveSession.objects.filter(mentor=mentor, status=SessionStatus.COMPLETED).order_by(
        "-starts_at", "-id"
    )
    after = None
    while True:
        page = base
        if after is not None:
            page = page.filter(Q(starts_at__lt=after[0]) | Q(starts_at=after[0], pk__lt=after[1]))
        rows = list(
            page.annotate(
                gross=_ledger_sum("gross_paise"),
                commission=_ledger_sum("commission_paise"),
                net=_ledger_sum("net_paise"),
                learners=_active_bookings(),
            ).values_list("pk", "starts_at", "title", "learners", "gross", "commission", "net")[
                :chunk_size
            ]
        )
        if rows:
            yield [row[1:] for row in rows]
        if len(rows) < chunk_size:
            return
        after = (rows[-1][1], rows[-1][0])


def mentor_session(mentor, session_id: int) -> LiveSession:
    """One of the mentor's sessions (any status) with its earnings; DoesNotExist (404) when it
    is missing or belongs to someone else."""
    return with_earnings(LiveSession.objects.filter(mentor=mentor)).get(pk=session_id)


def session_payments(session: LiveSession) -> QuerySet[Booking]:
    """Every booking of the session that holds a seat or moved money: active bookings, refunded
    (or refunding) ones and credited ones, with their ledger entry (None unless credited) and
    feedback."""
    return (
        Booking.objects.filter(session=session)
        .filter(
            Q(cancelled_at__isnull=True)
            | Q(payment_status__in=(PaymentStatus.REFUNDED, PaymentStatus.REFUND_PENDING))
            | Q(earning__isnull=False)  # e.g. cancelled after the refund cutoff: still credited
        )
        .select_related("learner", "earning", "feedback")
        .order_by("booked_at", "id")
    )


def session_feedback(session: LiveSession) -> QuerySet[Feedback]:
    """Ratings of the session's learners, newest first."""
    return (
        Feedback.objects.filter(booking__session=session)
        .select_related("booking__learner")
        .order_by("-created_at", "-id")
    )


def no_shows(session: LiveSession) -> int:
    """Booked learners not marked attended, once the session is completed (before that, or
    when it was cancelled, nobody has missed it)."""
    if session.status != SessionStatus.COMPLETED:
        return 0
    return max(session.booked - session.attended, 0)


def session_report(mentor, session_id: int) -> LiveSession:
    """One of the mentor's sessions with the attendance figures of its report: booked,
    confirmed, declined and attended (active bookings), ratings and chat size. One query;
    DoesNotExist when missing or someone else's."""
    active = Q(bookings__cancelled_at__isnull=True)
    chat = (
        ChatMessage.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        LiveSession.objects.filter(mentor=mentor)
        .annotate(
            booked=Count("bookings", filter=active),
            attended=Count("bookings", filter=active & Q(bookings__attended=True)),
            confirmed=Count("bookings", filter=active & Q(bookings__confirmed=True)),
            declined=Count("bookings", filter=active & Q(bookings__declined=True)),
            average_rating=Avg("bookings__feedback__rating", output_field=FloatField()),
            ratings_count=Count("bookings__feedback"),
            chat_count=Coalesce(Subquery(chat, output_field=IntegerField()), Value(0)),
        )
        .get(pk=session_id)
    )
