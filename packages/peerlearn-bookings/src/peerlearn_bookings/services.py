"""Every write of peerlearn_bookings: one transaction each, pushes and signals after commit."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from peerlearn_core.exceptions import Conflict, DomainError, NotAllowed
from peerlearn_core.models import Role
from peerlearn_core.realtime import (
    after_commit_in_background,
    broadcast,
    broadcast_lazy,
    recheck_access,
    revoke_access,
    session_group,
)
from peerlearn_core.services import notify, notify_many, push_badges

from . import selectors, signals
from .app_settings import bookings_settings
from .models import (
    OPEN_STATUSES,
    Booking,
    CancelReason,
    Feedback,
    LiveSession,
    PaymentStatus,
    RequestStatus,
    SessionRequest,
    SessionStatus,
    WaitlistEntry,
)

READY_MESSAGE = "Mentor is ready—please confirm."
EDITABLE_FIELDS = (
    "title",
    "description",
    "starts_at",
    "duration_minutes",
    "max_participants",
    "price_paise",
)


# --- helpers ---------------------------------------------------------------------------------


def _locked_session(session_id: int) -> LiveSession:
    # select_for_update is a no-op on SQLite, where IMMEDIATE transactions already serialise writers.
    return LiveSession.objects.select_for_update().get(pk=session_id)


def lock_booking(booking_id: int) -> Booking:
    """Inside a transaction: lock the booking's session, then the booking, and return the booking
    with that session attached. Every writer takes its locks in this one order (session →
    booking, then payouts' payment rows), so no two of them can deadlock on PostgreSQL."""
    session_id = Booking.objects.values_list("session_id", flat=True).get(pk=booking_id)
    session = _locked_session(session_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    booking.session = session
    return booking


def _require_owner(session: LiveSession, mentor) -> None:
    if session.mentor_id != mentor.pk:
        raise NotAllowed("Only the session's mentor can do this.")


def _require_open(session: LiveSession) -> None:
    if session.status not in OPEN_STATUSES:
        raise Conflict(f"The session is {session.status}.", code="session_closed")


def _require_future(starts_at: datetime) -> None:
    if starts_at <= timezone.now():
        raise DomainError(
            "The start time must be in the future.", field="starts_at", code="past_start"
        )


def _push_session_updated(session_id: int) -> None:
    def payload():
        from .api.serializers import SessionSerializer

        return {"session": SessionSerializer(selectors.session_with_counts(session_id)).data}

    broadcast_lazy(session_group(session_id), "session.updated", payload)
    _push_browse(session_id)


# Every learner's notifications socket joins this group (apps.py): bookable sessions, live.
BROWSE_GROUP = "sessions_browse"

# What every learner's Browse tab may show of a session (no per-user fields).
BROWSE_FIELDS = (
    "id",
    "title",
    "description",
    "mentor",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "max_participants",
    "price",
    "currency",
    "status",
    "booked_count",
    "seats_left",
    "waitlist_count",
)


def _push_browse(session_id: int) -> None:
    """``browse.session {session}`` to every learner's notifications socket after commit, so
    Browse shows new sessions, changed details and seat counts without a reload (and drops a
    session that is no longer bookable: its status says so)."""

    def payload():
        from .api.serializers import SessionSerializer

        data = SessionSerializer(selectors.session_with_counts(session_id)).data
        return {"session": {key: data[key] for key in BROWSE_FIELDS}}

    broadcast_lazy(BROWSE_GROUP, "browse.session", payload)


def _push_counts(session_id: int, message_type: str, fields: dict, counts: tuple[str, ...]) -> None:
    """A session_{id} message whose counts are read after commit, so they are never stale."""

    def payload():
        current = selectors.session_counts(session_id)
        return {**fields, **{key: current[key] for key in counts}}

    broadcast_lazy(session_group(session_id), message_type, payload)
    if "booked_count" in counts:
        _push_browse(session_id)  # seats left on every learner's Browse


def _push_reconfirm_counts(session_id: int, message_type: str, fields: dict) -> None:
    """A session_{id} message carrying the re-confirm tally read after commit ("2/3")."""

    def payload():
        return {**fields, **selectors.reconfirm_counts(session_id)}

    broadcast_lazy(session_group(session_id), message_type, payload)


def _push_rescheduled(session: LiveSession) -> None:
    """``session.rescheduled {session_id, starts_at, bookings: [{booking_id, learner_id,
    reconfirm_pending}], reconfirmed_count, reconfirm_pending_count, booked_count}``."""
    from rest_framework.fields import DateTimeField

    starts_at = DateTimeField().to_representation(session.starts_at)  # as the session JSON has it

    def payload():
        return {
            "session_id": session.pk,
            "starts_at": starts_at,
            "bookings": selectors.reconfirm_states(session.pk),
            **selectors.reconfirm_counts(session.pk),
        }

    broadcast_lazy(session_group(session.pk), "session.rescheduled", payload)


# A mentor toggling Ready within this window leaves each learner one (the latest) notification.
READY_COALESCE_SECONDS = 60


def _notify_learners(
    session: LiveSession,
    *,
    kind: str,
    title: str,
    body: str,
    thread: str = "",
    learner_ids: list[int] | None = None,
) -> None:
    """After commit and off the request: the session's own push leaves first and the mentor's
    response never waits for 500 learners' rows and pushes."""
    User = get_user_model()
    session_id = session.pk
    # Who is told is decided now, with the write (receivers may cancel bookings after commit).
    if learner_ids is None:
        learner_ids = selectors.active_learner_ids(session_id)

    def notify() -> None:
        notify_many(
            users=User.objects.filter(pk__in=learner_ids).only("id", "role"),
            kind=kind,
            title=title,
            body=body,
            data={"session_id": session_id},
            thread=thread,
            coalesce_seconds=READY_COALESCE_SECONDS if thread else 0,
        )

    after_commit_in_background(notify)


# --- live sessions ---------------------------------------------------------------------------


@transaction.atomic
def create_session(
    *,
    mentor,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    max_participants: int,
    price_paise: int = 0,
    description: str = "",
) -> LiveSession:
    if mentor.role != Role.MENTOR:
        raise NotAllowed("Only mentors can create sessions.")
    _require_future(starts_at)
    session = LiveSession(
        mentor=mentor,
        title=title,
        description=description,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        max_participants=max_participants,
        price_paise=price_paise,
    )
    session.full_clean()
    session.save()
    _push_browse(session.pk)  # learners see it on Browse at once
    return session


@transaction.atomic
def update_session(*, session_id: int, mentor, **changes) -> LiveSession:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.")
    session = _locked_session(session_id)
    _require_owner(session, mentor)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(f"A {session.status} session cannot be edited.", code="session_closed")
    old_start = session.starts_at
    if "starts_at" in changes and changes["starts_at"] != old_start:
        _require_future(changes["starts_at"])
    if "max_participants" in changes and changes["max_participants"] < session.booked_count:
        raise Conflict(
            f"{session.booked_count} seats are already booked.",
            field="max_participants",
            code="below_booked",
        )
    if (
        "price_paise" in changes
        and changes["price_paise"] != session.price_paise
        and session.booked_count
    ):
        raise Conflict(
            "The price cannot change once learners have booked.", field="price", code="price_locked"
        )
    old_seats = session.max_participants
    for field, value in changes.items():
        setattr(session, field, value)
    moved = session.starts_at != old_start
    if moved:
        # A readiness signal and confirmations were for the old time; both start over, and
        # every booked learner must re-confirm the new time to keep the seat.
        if session.mentor_ready:
            broadcast(session_group(session.pk), "mentor.cancel_ready", {"session_id": session.pk})
        session.mentor_ready = False
        session.rescheduled_at = timezone.now()
        Booking.objects.filter(session=session, cancelled_at__isnull=True).update(
            confirmed=False,
            confirmed_at=None,
            declined=False,
            declined_at=None,
            reconfirm_pending=True,
            reconfirm_requested_at=session.rescheduled_at,
            reconfirmed_at=None,
        )
    session.full_clean()
    session.save()
    if moved:
        when = timezone.localtime(session.starts_at).strftime("%d %b %Y, %H:%M")
        _notify_learners(
            session,
            kind="session.rescheduled",
            title="Session rescheduled",
            body=f"“{session.title}” now starts {when}. Keep your seat or decline the new time.",
        )
    elif changes:
        _notify_learners(
            session,
            kind="session.updated",
            title="Session updated",
            body=f"“{session.title}” has new details.",
        )
    if session.max_participants > old_seats:
        _promote_waitlisted(session)  # more seats: the waitlist moves up
    _push_session_updated(session.pk)
    if moved:
        _push_rescheduled(session)
    return session


@transaction.atomic
def cancel_session(*, session_id: int, mentor, reason: str = "") -> LiveSession:
    session = _locked_session(session_id)
    _require_owner(session, mentor)
    _require_open(session)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason[:300]
    session.mentor_ready = False
    session.save(
        update_fields=["status", "cancelled_at", "cancel_reason", "mentor_ready", "updated_at"]
    )
    _notify_learners(
        session,
        kind="session.cancelled",
        title="Session cancelled",
        body=f"“{session.title}” was cancelled." + (f" {reason}" if reason else ""),
    )
    _push_session_updated(session.pk)
    signals.send_on_commit(
        signals.session_cancelled, session_id=session.pk, mentor_id=session.mentor_id
    )
    return session


def can_start(session: LiveSession, now=None) -> bool:
    """A scheduled session goes live inside its room's window: from ROOM_OPENS_MINUTES_BEFORE
    before the start until its end."""
    now = now or timezone.now()
    return (
        session.status == SessionStatus.SCHEDULED and session.room_opens_at <= now < session.ends_at
    )


def can_complete(session: LiveSession, now=None) -> bool:
    """An open session ends once it went live, or (the clock's path) once its end time passed."""
    now = now or timezone.now()
    return session.status == SessionStatus.LIVE or (
        session.status == SessionStatus.SCHEDULED and session.ends_at <= now
    )


@transaction.atomic
def start_session(*, session_id: int, mentor) -> LiveSession:
    session = _locked_session(session_id)
    _require_owner(session, mentor)
    if session.status == SessionStatus.LIVE:
        return session
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(f"A {session.status} session cannot start.", code="session_closed")
    now = timezone.now()
    if now < session.room_opens_at:
        minutes = bookings_settings.ROOM_OPENS_MINUTES_BEFORE
        raise Conflict(
            f"A session can go live from {minutes} minutes before its start.", code="too_early"
        )
    if now >= session.ends_at:
        raise Conflict("This session's time is over.", code="session_over")
    session.status = SessionStatus.LIVE
    session.started_at = timezone.now()
    session.save(update_fields=["status", "started_at", "updated_at"])
    _push_session_updated(session.pk)
    return session


@transaction.atomic
def complete_session(*, session_id: int, mentor=None) -> LiveSession:
    """End a session (the mentor's End Session, or the clock when ``mentor`` is None)."""
    session = _locked_session(session_id)
    if mentor is not None:
        _require_owner(session, mentor)
    if session.status == SessionStatus.COMPLETED:
        return session
    _require_open(session)
    if not can_complete(session):
        raise Conflict(
            "A session can end once it went live or its end time passed.", code="not_started"
        )
    session.status = SessionStatus.COMPLETED
    session.completed_at = timezone.now()
    session.mentor_ready = False
    session.save(update_fields=["status", "completed_at", "mentor_ready", "updated_at"])
    _notify_learners(
        session,
        kind="session.completed",
        title="Session completed",
        body=f"Thanks for joining “{session.title}”. Leave a rating?",
    )
    _push_session_updated(session.pk)
    signals.send_on_commit(
        signals.session_completed, session_id=session.pk, mentor_id=session.mentor_id
    )
    return session


def complete_due_sessions(*, now=None) -> list[int]:
    done = []
    for session_id in selectors.due_for_completion(now=now):
        try:
            complete_session(session_id=session_id)
        except Conflict:
            continue  # closed meanwhile by someone else
        done.append(session_id)
    return done


# --- ready / confirm / decline / attend ------------------------------------------------------


def _counted_ready_session(session_id: int, mentor) -> tuple[LiveSession, list[int]]:
    """The locked session of a Ready toggle, with its counts and mentor set, so the mentor's
    response is built from it without another query (see ``selectors.counted_learners``); and its
    active learners."""
    session = _locked_session(session_id)
    _require_owner(session, mentor)
    _require_open(session)
    session.mentor = mentor
    return session, selectors.counted_learners(session)


@transaction.atomic
def mark_ready(*, session_id: int, mentor) -> LiveSession:
    """The mentor is ready; the session comes back with the counts ``SessionSerializer`` shows."""
    session, learner_ids = _counted_ready_session(session_id, mentor)
    if session.mentor_ready:
        return session
    session.mentor_ready = True
    session.mentor_ready_at = timezone.now()
    session.save(update_fields=["mentor_ready", "mentor_ready_at", "updated_at"])
    broadcast(
        session_group(session.pk),
        "mentor.ready",
        {"session_id": session.pk, "message": READY_MESSAGE},
    )
    _notify_learners(
        session,
        kind="session.ready",
        title=READY_MESSAGE,
        body=f"“{session.title}”: confirm your attendance.",
        thread=f"session-ready:{session.pk}",
        learner_ids=learner_ids,
    )
    return session


@transaction.atomic
def cancel_ready(*, session_id: int, mentor) -> LiveSession:
    """Like ``mark_ready``, the other way."""
    session, learner_ids = _counted_ready_session(session_id, mentor)
    if not session.mentor_ready:
        return session
    session.mentor_ready = False
    session.save(update_fields=["mentor_ready", "updated_at"])
    broadcast(session_group(session.pk), "mentor.cancel_ready", {"session_id": session.pk})
    _notify_learners(
        session,
        kind="session.cancel_ready",
        title="Mentor is no longer ready",
        body=f"“{session.title}”: the mentor paused. Wait for the next call.",
        thread=f"session-ready:{session.pk}",
        learner_ids=learner_ids,
    )
    return session


def _learner_booking(booking_id: int, learner) -> Booking:
    booking = lock_booking(booking_id)
    if booking.learner_id != learner.pk:
        raise NotAllowed("This is not your booking.")
    if not booking.is_active:
        raise Conflict("This booking was cancelled.", code="booking_cancelled")
    return booking


@transaction.atomic
def confirm_booking(*, booking_id: int, learner) -> Booking:
    booking = _learner_booking(booking_id, learner)
    _require_open(booking.session)
    if not booking.session.mentor_ready:
        raise Conflict("The mentor is not ready yet.", code="mentor_not_ready")
    if not booking.confirmed:
        booking.confirmed, booking.confirmed_at = True, timezone.now()
        booking.declined, booking.declined_at = False, None
        booking.save(update_fields=["confirmed", "confirmed_at", "declined", "declined_at"])
        _push_counts(
            booking.session_id,
            "booking.confirmed",
            dict(booking_id=booking.pk, learner_id=learner.pk, learner_name=learner.name),
            ("confirmed_count",),
        )
    return booking


@transaction.atomic
def decline_booking(*, booking_id: int, learner) -> Booking:
    booking = _learner_booking(booking_id, learner)
    _require_open(booking.session)
    if not booking.declined:
        booking.confirmed, booking.confirmed_at = False, None
        booking.declined, booking.declined_at = True, timezone.now()
        booking.save(update_fields=["confirmed", "confirmed_at", "declined", "declined_at"])
        _push_counts(
            booking.session_id,
            "booking.declined",
            dict(booking_id=booking.pk, learner_id=learner.pk, learner_name=learner.name),
            ("confirmed_count",),
        )
        signals.send_on_commit(
            signals.booking_declined,
            booking_id=booking.pk,
            session_id=booking.session_id,
            learner_id=learner.pk,
        )
    return booking


@transaction.atomic
def mark_attended(*, booking_id: int, mentor, attended: bool = True) -> Booking:
    booking = lock_booking(booking_id)
    _require_owner(booking.session, mentor)
    if not booking.is_active:
        raise Conflict("This booking was cancelled.", code="booking_cancelled")
    if booking.session.status == SessionStatus.CANCELLED:
        raise Conflict("The session was cancelled.", code="session_closed")
    if booking.session.status not in (SessionStatus.LIVE, SessionStatus.COMPLETED):
        raise Conflict("Attendance opens when the session goes live.", code="not_live")
    if booking.attended != attended:
        booking.attended = attended
        booking.attended_at = timezone.now() if attended else None
        booking.save(update_fields=["attended", "attended_at"])
    _push_counts(
        booking.session_id,
        "booking.attended",
        dict(booking_id=booking.pk, attended=booking.attended),
        ("attended_count",),
    )
    return booking


# --- booking ---------------------------------------------------------------------------------


def _take_seat(session: LiveSession, learner, *, notify_mentor: bool = True) -> Booking:
    """Inside a transaction: one conditional UPDATE claims a seat, or nothing changes."""
    if selectors.active_booking(session_id=session.pk, learner_id=learner.pk):
        raise Conflict("You have already booked this session.", code="already_booked")
    claimed = LiveSession.objects.filter(
        pk=session.pk,
        status=SessionStatus.SCHEDULED,
        booked_count__lt=F("max_participants"),
    ).update(booked_count=F("booked_count") + 1)
    if not claimed:
        raise Conflict("This session is full.", code="full")
    # Booked (directly or promoted): no longer waiting for this session.
    WaitlistEntry.objects.filter(session_id=session.pk, learner_id=learner.pk).delete()
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                session=session,
                learner=learner,
                amount_paise=session.price_paise,
                payment_status=PaymentStatus.PENDING if session.price_paise else PaymentStatus.FREE,
            )
    except IntegrityError as exc:  # a concurrent request of the same learner won
        raise Conflict("You have already booked this session.", code="already_booked") from exc
    _push_counts(session.pk, "booking.created", dict(booking_id=booking.pk), ("booked_count",))
    if notify_mentor:
        notify(
            user=session.mentor,
            kind="booking.created",
            title="New booking",
            body=f"{learner.name} booked “{session.title}”.",
            data={"session_id": session.pk, "booking_id": booking.pk},
        )
    signals.send_on_commit(
        signals.booking_created,
        booking_id=booking.pk,
        session_id=session.pk,
        learner_id=learner.pk,
        amount_paise=booking.amount_paise,
    )
    return booking


def _give_back_seat(
    booking: Booking, *, reason: str = CancelReason.LEARNER, payment_status: str | None = None
) -> None:
    """Inside a transaction that holds the session's lock (``lock_booking``): cancel an active
    booking and free its seat, promote the first waitlisted learner into it in this same
    transaction, then tell the session channel and the packages above (after commit)."""
    booking.cancelled_at = timezone.now()
    booking.confirmed = False
    booking.cancel_reason = reason
    booking.reconfirm_pending = False
    fields = ["cancelled_at", "confirmed", "cancel_reason", "reconfirm_pending"]
    if payment_status:
        booking.payment_status = payment_status
        fields.append("payment_status")
    booking.save(update_fields=fields)
    LiveSession.objects.filter(pk=booking.session_id).update(booked_count=F("booked_count") - 1)
    _push_counts(
        booking.session_id,
        "booking.cancelled",
        {"booking_id": booking.pk},
        ("booked_count", "confirmed_count"),
    )
    signals.send_on_commit(
        signals.booking_cancelled,
        booking_id=booking.pk,
        session_id=booking.session_id,
        learner_id=booking.learner_id,
        reason=str(reason),
    )
    # The learner's open session sockets stop receiving this session's pushes at once: the
    # revocation travels with the session's pushes (ordered), the re-check covers the rest.
    revoke_access(booking.learner_id, session_group(booking.session_id))
    recheck_access(booking.learner_id)
    _promote_waitlisted(booking.session)


def _promote_waitlisted(session: LiveSession) -> list[Booking]:
    """Inside the transaction that freed seats, with the session row locked (session → booking
    → payment): the first waitlisted learners take the free seats, in the order they joined. A
    priced seat is booked with payment pending, so payouts' SEAT_HOLD_MINUTES hold runs from
    now; a free one is booked outright. The conditional UPDATE of ``_take_seat`` keeps the
    count within the limit whatever else races."""
    promoted: list[Booking] = []
    session.refresh_from_db(fields=["status", "starts_at", "booked_count", "max_participants"])
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        return promoted
    free = session.max_participants - session.booked_count
    if free <= 0:
        return promoted
    for entry in (
        WaitlistEntry.objects.select_related("learner")
        .filter(session=session)
        .order_by("joined_at", "id")[: free + 20]
    ):
        if len(promoted) == free:
            break
        try:
            # A savepoint: a refused seat leaves neither the count nor the queue changed.
            with transaction.atomic():
                booking = _take_seat(session, entry.learner, notify_mentor=False)
        except Conflict as exc:
            if exc.code == "full":
                break
            # Booked meanwhile: their place in the queue is simply gone.
            WaitlistEntry.objects.filter(pk=entry.pk).delete()
            continue
        promoted.append(booking)
        priced = booking.payment_status == PaymentStatus.PENDING
        notify(
            user=entry.learner,
            kind="waitlist.promoted",
            title="A seat opened up — you're in",
            body=(
                f"You got a seat in “{session.title}”. Pay now to keep it."
                if priced
                else f"You're booked into “{session.title}”."
            ),
            data={"session_id": session.pk, "booking_id": booking.pk, "pay": priced},
        )
    if promoted:
        _push_waitlist(session.pk)
    return promoted


def _push_waitlist(session_id: int) -> None:
    def payload():
        return {"session_id": session_id, "waitlist_count": selectors.waitlist_count(session_id)}

    broadcast_lazy(session_group(session_id), "waitlist.changed", payload)


@transaction.atomic
def join_waitlist(*, session_id: int, learner) -> WaitlistEntry:
    """Queue for a full session. Joining twice returns the same place in the queue."""
    if learner.role != Role.LEARNER:
        raise NotAllowed("Only learners can join a waitlist.")
    session = _locked_session(session_id)
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        raise Conflict("This session is not open for booking.", code="not_bookable")
    if selectors.active_booking(session_id=session.pk, learner_id=learner.pk):
        raise Conflict("You have already booked this session.", code="already_booked")
    existing = WaitlistEntry.objects.filter(session=session, learner=learner).first()
    if existing:
        return existing
    if session.booked_count < session.max_participants:
        raise Conflict("This session has free seats: book one instead.", code="not_full")
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(session=session, learner=learner)
    except IntegrityError:  # a double click of the same learner won
        return WaitlistEntry.objects.get(session=session, learner=learner)
    _push_waitlist(session.pk)
    return entry


@transaction.atomic
def leave_waitlist(*, session_id: int, learner) -> bool:
    """Leave the queue; True when there was a place to give up."""
    session = _locked_session(session_id)
    deleted, _ = WaitlistEntry.objects.filter(session=session, learner=learner).delete()
    if deleted:
        _push_waitlist(session.pk)
    return bool(deleted)


@transaction.atomic
def reconfirm_booking(*, booking_id: int, learner, accept: bool) -> Booking:
    """The learner answers the mentor's new time: keep the seat, or decline it. Declining frees
    the seat (the waitlist moves up) and is refunded in full by payouts whatever the cutoff."""
    booking = _learner_booking(booking_id, learner)
    session = booking.session
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(f"The session is {session.status}.", code="session_closed")
    if not booking.reconfirm_pending:
        raise Conflict("There is no new time to answer.", code="not_pending")
    if accept:
        booking.reconfirm_pending = False
        booking.reconfirmed_at = timezone.now()
        booking.save(update_fields=["reconfirm_pending", "reconfirmed_at"])
    else:
        _give_back_seat(booking, reason=CancelReason.RESCHEDULE_DECLINED)
        notify(
            user=session.mentor,
            kind="booking.reschedule_declined",
            title="New time declined",
            body=f"{learner.name} can't make the new time of “{session.title}”.",
            data={"session_id": session.pk, "booking_id": booking.pk},
        )
    _push_reconfirm_counts(
        session.pk,
        "booking.reconfirmed",
        {
            "booking_id": booking.pk,
            "learner_id": learner.pk,
            "learner_name": learner.name,
            "accepted": bool(accept),
        },
    )
    return booking


@transaction.atomic
def book_session(*, session_id: int, learner) -> Booking:
    if learner.role != Role.LEARNER:
        raise NotAllowed("Only learners can book sessions.")
    session = LiveSession.objects.select_related("mentor").get(pk=session_id)
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        raise Conflict("This session is not open for booking.", code="not_bookable")
    return _take_seat(session, learner)


@transaction.atomic
def cancel_booking(*, booking_id: int, learner) -> Booking:
    booking = _learner_booking(booking_id, learner)
    session = booking.session
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        raise Conflict("Bookings can only be cancelled before the session starts.", code="too_late")
    if booking.reconfirm_pending:
        # Cancelling instead of answering the mentor's new time is declining it.
        _give_back_seat(booking, reason=CancelReason.RESCHEDULE_DECLINED)
        _push_reconfirm_counts(
            session.pk,
            "booking.reconfirmed",
            {
                "booking_id": booking.pk,
                "learner_id": learner.pk,
                "learner_name": learner.name,
                "accepted": False,
            },
        )
    else:
        _give_back_seat(booking)
    notify(
        user=session.mentor,
        kind="booking.cancelled",
        title="Booking cancelled",
        body=f"{learner.name} cancelled their seat in “{session.title}”.",
        data={"session_id": session.pk, "booking_id": booking.pk},
    )
    return booking


@transaction.atomic
def leave_feedback(*, booking_id: int, learner, rating: int, comment: str = "") -> Feedback:
    booking = _learner_booking(booking_id, learner)
    if booking.session.status != SessionStatus.COMPLETED:
        raise Conflict("Feedback opens when the session is completed.", code="not_completed")
    feedback, _created = Feedback.objects.update_or_create(
        booking=booking, defaults={"rating": rating, "comment": comment}
    )
    feedback.full_clean()
    return feedback


# --- session requests ------------------------------------------------------------------------


@transaction.atomic
def create_request(
    *,
    learner,
    mentor_id: int,
    topic: str,
    message: str = "",
    preferred_times: list[datetime] | None = None,
) -> SessionRequest:
    if learner.role != Role.LEARNER:
        raise NotAllowed("Only learners can request sessions.")
    mentor = get_user_model().objects.filter(pk=mentor_id, role=Role.MENTOR, is_active=True).first()
    if mentor is None:
        raise DomainError("No such mentor.", field="mentor", code="not_a_mentor")
    times = sorted(preferred_times or [])
    for when in times:
        if when <= timezone.now():
            raise DomainError("Preferred times must be in the future.", field="preferred_times")
    request = SessionRequest.objects.create(
        learner=learner,
        mentor=mentor,
        topic=topic,
        message=message,
        preferred_times=[when.isoformat() for when in times],
    )
    notify(
        user=mentor,
        kind="request.created",
        title="New session request",
        body=f"{learner.name} asks for “{topic}”.",
        data={"request_id": request.pk},
    )
    push_badges(user_id=mentor.pk)
    return request


def _mentor_request(request_id: int, mentor) -> SessionRequest:
    request = (
        SessionRequest.objects.select_for_update().select_related("learner").get(pk=request_id)
    )
    if request.mentor_id != mentor.pk:
        raise NotAllowed("This request is not addressed to you.")
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"This request was already {request.status}.", code="request_closed")
    return request


@transaction.atomic
def accept_request(
    *,
    request_id: int,
    mentor,
    starts_at: datetime,
    duration_minutes: int,
    max_participants: int,
    price_paise: int = 0,
    title: str | None = None,
    description: str = "",
) -> SessionRequest:
    request = _mentor_request(request_id, mentor)
    session = create_session(
        mentor=mentor,
        title=title or request.topic,
        description=description or request.message,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        max_participants=max_participants,
        price_paise=price_paise,
    )
    _take_seat(session, request.learner, notify_mentor=False)
    request.status = RequestStatus.ACCEPTED
    request.session = session
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "session", "responded_at"])
    when = timezone.localtime(starts_at).strftime("%d %b %Y, %H:%M")
    notify(
        user=request.learner,
        kind="request.accepted",
        title="Request accepted",
        body=f"{mentor.name} scheduled “{session.title}” for {when}. You're booked.",
        data={"request_id": request.pk, "session_id": session.pk},
    )
    push_badges(user_id=mentor.pk)
    return request


@transaction.atomic
def decline_request(*, request_id: int, mentor, reason: str = "") -> SessionRequest:
    request = _mentor_request(request_id, mentor)
    request.status = RequestStatus.DECLINED
    request.decline_reason = reason[:500]
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "decline_reason", "responded_at"])
    notify(
        user=request.learner,
        kind="request.declined",
        title="Request declined",
        body=f"{mentor.name} can't take “{request.topic}”." + (f" {reason}" if reason else ""),
        data={"request_id": request.pk},
    )
    push_badges(user_id=mentor.pk)
    return request


# --- payment state (driven by peerlearn_payouts through these two services) ------------------


@transaction.atomic
def record_payment(*, booking_id: int, payment_status: str) -> Booking:
    if payment_status not in PaymentStatus.values:
        raise ValueError(f"unknown payment status {payment_status!r}")
    booking = lock_booking(booking_id)
    if booking.payment_status != payment_status:
        booking.payment_status = payment_status
        booking.save(update_fields=["payment_status"])
        _push_counts(
            booking.session_id,
            "booking.payment",
            {"booking_id": booking.pk, "payment_status": payment_status},
            ("booked_count",),
        )
    return booking


@transaction.atomic
def release_unpaid_booking(*, booking_id: int) -> Booking | None:
    """Give an unpaid seat back (the hold expired). Does nothing if it was paid meanwhile."""
    booking = lock_booking(booking_id)
    if not booking.is_active or booking.payment_status != PaymentStatus.PENDING:
        return None
    _give_back_seat(booking, reason=CancelReason.HOLD_RELEASED, payment_status=PaymentStatus.FAILED)
    notify(
        user=booking.learner,
        kind="booking.released",
        title="Seat released",
        body=f"Payment for “{booking.session.title}” did not arrive in time, so the seat was released.",
        data={"session_id": booking.session_id, "booking_id": booking.pk},
    )
    return booking
