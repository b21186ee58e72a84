"""Every write of peerlearn_core. Keyword-only, one transaction, pushes after commit."""

from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .exceptions import Conflict
from .models import Notification, Role
from .realtime import (
    broadcast,
    broadcast_lazy,
    broadcast_many_lazy,
    notifications_group,
    relay_batch_event,
)
from .selectors import badge_counts, badge_counts_many

User = get_user_model()


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "created_at": notification.created_at.isoformat(),
    }


@transaction.atomic
def register_user(*, email: str, password: str, name: str, role: str) -> User:
    email = User.objects.normalize_email(email).lower()
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    candidate = User(email=email, name=name, role=role)
    password_validation.validate_password(password, candidate)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("A user with this email already exists.", field="email", code="unique")
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name, role=role)
    except IntegrityError as exc:  # a concurrent sign-up won the race
        raise Conflict("A user with this email already exists.", field="email") from exc


@transaction.atomic
def update_profile(*, user: User, name: str | None = None, bio: str | None = None, avatar=None):
    fields = []
    if name is not None:
        user.name = name
        fields.append("name")
    if bio is not None:
        user.bio = bio
        fields.append("bio")
    if avatar is not None:
        if user.avatar:
            old = user.avatar
            transaction.on_commit(lambda: old.storage.delete(old.name))
        user.avatar = avatar or ""
        fields.append("avatar")
    if fields:
        user.full_clean(exclude=["password"])
        user.save(update_fields=fields)
        # Account changes are always announced to the owner (security hygiene, and a toast).
        notify(
            user=user,
            kind="account.updated",
            title="Profile updated",
            body="Your " + ", ".join(fields) + " changed.",
        )
    return user


def push_badges(*, user_id: int, user=None) -> None:
    """Send the user's current badge counts after commit (any app calls this when a count moves).
    Pass ``user`` when the caller already holds it, to spare a lookup per push."""

    def build():
        return badge_counts(user if user is not None else User.objects.get(pk=user_id))

    broadcast_lazy(notifications_group(user_id), "badges", build)


@transaction.atomic
def notify(
    *, user, kind: str, title: str, body: str = "", data: dict | None = None
) -> Notification:
    """Store a notification and, after commit, push it and the new badge counts to the user."""
    notification = Notification.objects.create(
        user=user, kind=kind, title=title, body=body, data=data or {}, created_at=timezone.now()
    )
    broadcast(notifications_group(user.pk), "notification", notification_payload(notification))
    push_badges(user_id=user.pk, user=user)
    return notification


@transaction.atomic
def notify_many(
    *,
    users,
    kind: str,
    title: str,
    body: str = "",
    data: dict | None = None,
    thread: str = "",
    coalesce_seconds: int = 0,
) -> list[int]:
    """``notify`` for many users at once: one INSERT, and after commit every user's notification
    and badge counts in ONE channel-layer hop with the counts from one grouped query per badge
    (never a query or a round trip per user on the request thread). Returns the notifications'
    ids.

    ``thread`` + ``coalesce_seconds``: a user's unread notification of the same thread from the
    last ``coalesce_seconds`` is replaced (same id, new text and time) instead of a new one."""
    users = list(users)
    now = timezone.now()
    data = data or {}
    written: list[tuple[int, int]] = []  # (notification id, user id)
    if thread and coalesce_seconds > 0 and users:
        recent = now - timedelta(seconds=coalesce_seconds)
        written = list(
            Notification.objects.filter(
                user__in=[u.pk for u in users], thread=thread, read=False, created_at__gte=recent
            ).values_list("id", "user_id")
        )
        if written:
            # Every replaced row gets the same text and time: one UPDATE, not one per row.
            Notification.objects.filter(id__in=[pk for pk, _user in written]).update(
                kind=kind, title=title, body=body, data=data, created_at=now
            )
    covered = {user_id for _pk, user_id in written}
    created = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=kind,
                title=title,
                body=body,
                data=data,
                created_at=now,
                thread=thread,
            )
            for user in users
            if user.pk not in covered
        ]
    )
    written += [(notification.pk, notification.user_id) for notification in created]
    if not written:
        return []
    # Every row holds the same text and time: the payload is built once, only ids differ (the
    # pushes are built from what was written, never read back).
    shared = notification_payload(
        Notification(id=0, kind=kind, title=title, body=body, data=data, created_at=now)
    )

    def fan_out():
        counts = badge_counts_many(users)
        return [
            (
                notifications_group(user_id),
                relay_batch_event(
                    [("notification", {**shared, "id": pk}), ("badges", counts[user_id])]
                ),
            )
            for pk, user_id in written
        ]

    broadcast_many_lazy(fan_out)
    return [pk for pk, _user in written]


@transaction.atomic
def mark_notification_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.select_for_update().get(pk=notification_id, user=user)
    if not notification.read:
        notification.read = True
        notification.save(update_fields=["read"])
        push_badges(user_id=user.pk)
    return notification


@transaction.atomic
def mark_all_notifications_read(
    *, user, kind_prefixes: list[str] | None = None, up_to_id: int | None = None
) -> int:
    """Mark the user's unread notifications read; ``kind_prefixes`` narrows it to some kinds
    (e.g. ``["payout.", "earnings."]`` when the Earnings tab is opened), ``up_to_id`` to those
    the user has seen (ids up to the newest one shown)."""
    unread = Notification.objects.filter(user=user, read=False)
    if up_to_id is not None:
        unread = unread.filter(pk__lte=up_to_id)
    if kind_prefixes:
        matches = Q()
        for prefix in kind_prefixes:
            matches |= Q(kind__startswith=prefix)
        unread = unread.filter(matches)
    changed = unread.update(read=True)
    if changed:
        push_badges(user_id=user.pk)
    return changed
