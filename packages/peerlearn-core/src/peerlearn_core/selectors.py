from django.db.models import Count, QuerySet

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def unread_notification_counts(users) -> dict[int, int]:
    """``unread_notification_count`` for many users in one grouped query."""
    rows = (
        Notification.objects.filter(user__in=[u.pk for u in users], read=False)
        .values("user_id")
        .annotate(n=Count("id"))
    )
    return {row["user_id"]: row["n"] for row in rows}


def badge_counts_many(users) -> dict[int, dict[str, int]]:
    from .dashboard import registry

    return registry.badge_counts_many(users)


def badge_counts(user) -> dict[str, int]:
    from .dashboard import registry

    return registry.badge_counts(user)
