from django.db.models import QuerySet

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def badge_counts(user) -> dict[str, int]:
    from .dashboard import registry

    return registry.badge_counts(user)
