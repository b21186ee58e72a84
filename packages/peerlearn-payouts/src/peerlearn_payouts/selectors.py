from django.db.models import Count, Q, QuerySet, Sum

from peerlearn_core.models import Notification

from .app_settings import payout_settings
from .gateway import VPA_MAX_LENGTH, VPA_MIN_LENGTH, VPA_RE
from .models import OPEN_PAYOUT_STATUSES, EarningEntry, MentorWallet, Payout, PayoutStatus


def balance(mentor) -> dict[str, int]:
    """In paise. available = net earned − payouts that are not failed/reversed/rejected/cancelled."""
    earned = EarningEntry.objects.filter(mentor=mentor).aggregate(s=Sum("net_paise"))["s"] or 0
    sums = Payout.objects.filter(mentor=mentor).aggregate(
        withdrawn=Sum("amount_paise", filter=Q(status=PayoutStatus.PROCESSED)),
        pending=Sum("amount_paise", filter=Q(status__in=OPEN_PAYOUT_STATUSES)),
    )
    withdrawn, pending = sums["withdrawn"] or 0, sums["pending"] or 0
    return {
        "earned": earned,
        "withdrawn": withdrawn,
        "pending": pending,
        "available": earned - withdrawn - pending,
    }


def wallet_available(mentor) -> int:
    wallet = MentorWallet.objects.filter(mentor=mentor).first()
    return wallet.available_paise if wallet else 0


def payout_history(mentor) -> QuerySet[Payout]:
    return Payout.objects.filter(mentor=mentor).order_by("-created_at", "-id")


def unread_earnings_counts(users) -> dict[int, int]:
    """``unread_earnings_count`` for many users in one grouped query."""
    mentor_ids = [u.pk for u in users if getattr(u, "role", None) == "mentor"]
    if not mentor_ids:
        return {}
    rows = (
        Notification.objects.filter(
            Q(kind__startswith="payout.") | Q(kind__startswith="earnings."),
            user_id__in=mentor_ids,
            read=False,
        )
        .values("user_id")
        .annotate(n=Count("id"))
    )
    return {row["user_id"]: row["n"] for row in rows}


def unread_earnings_count(user) -> int:
    """Earnings tab badge: news about money the mentor has not looked at yet."""
    if getattr(user, "role", None) != "mentor":
        return 0
    return Notification.objects.filter(
        Q(kind__startswith="payout.") | Q(kind__startswith="earnings."), user=user, read=False
    ).count()


def withdraw_rules() -> dict:
    """The rules the withdraw form checks before it sends anything, exactly as the server applies
    them (app settings and the VPA validator): the Earnings tab puts them in the page as JSON."""
    return {
        "min_payout_paise": int(payout_settings.MIN_PAYOUT_PAISE),
        "max_payout_paise": int(payout_settings.MAX_PAYOUT_PAISE),
        "vpa_pattern": VPA_RE.pattern,
        "vpa_min_length": VPA_MIN_LENGTH,
        "vpa_max_length": VPA_MAX_LENGTH,
        "commission_percent": payout_settings.COMMISSION_PERCENT,
    }
