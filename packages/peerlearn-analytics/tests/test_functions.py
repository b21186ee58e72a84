"""LocalTruncWeek / LocalTruncMonth give exactly the bucket Python (and Django's own Trunc)
gives, around every edge: local midnights to the microsecond, daylight-saving changes, half-hour
and 45-minute offsets, zones whose clocks jump at midnight."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import DateTimeField, Value
from django.db.models.functions import TruncMonth, TruncWeek

from peerlearn_analytics.functions import LocalTruncMonth, LocalTruncWeek, offset_spans
from peerlearn_analytics.selectors import bucket_floor, local_midnight
from peerlearn_core.models import User

pytestmark = pytest.mark.django_db

ZONES = [
    "Asia/Kolkata",  # +05:30, no daylight saving
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # +10:30 / +11: a 30-minute daylight-saving shift
    "America/St_Johns",  # -03:30 / -02:30
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Santiago",  # clocks jump at 24:00: some local midnights do not exist
    "Asia/Kathmandu",  # +05:45
    "UTC",
]
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
UNTIL = datetime(2027, 1, 1, tzinfo=UTC)


def interesting_instants(zone: ZoneInfo, rng: random.Random) -> list[datetime]:
    instants = [
        SINCE + timedelta(seconds=rng.randrange(int((UNTIL - SINCE).total_seconds())))
        for _ in range(60)
    ]
    for end, _offset in offset_spans(zone, SINCE, UNTIL)[:-1]:
        instants += [end + timedelta(microseconds=d) for d in (-1_000_001, -1, 0, 1, 999_999)]
    day = date(2024, 1, 1)
    while day < date(2026, 12, 31):
        midnight = local_midnight(day, zone)
        instants += [midnight + timedelta(microseconds=d) for d in (-500, -1, 0, 1)]
        day += timedelta(days=rng.choice([1, 6, 13, 29]))
    return [i for i in instants if SINCE <= i < UNTIL]


def truth(instant: datetime, zone: ZoneInfo, period: str) -> datetime:
    return local_midnight(bucket_floor(instant.astimezone(zone).date(), period), zone)


@pytest.mark.parametrize("zone_name", ZONES)
def test_native_truncation_matches_python_and_django(zone_name):
    zone = ZoneInfo(zone_name)
    instants = interesting_instants(zone, random.Random(zone_name))
    user = User.objects.create(email=f"{zone_name}@example.test", name="x", role="mentor")
    for batch_start in range(0, len(instants), 150):
        batch = instants[batch_start : batch_start + 150]
        columns = {}
        for index, instant in enumerate(batch):
            value = Value(instant, output_field=DateTimeField())
            kwargs = {"tzinfo": zone, "since": SINCE, "until": UNTIL}
            columns[f"w{index}"] = LocalTruncWeek(value, **kwargs)
            columns[f"m{index}"] = LocalTruncMonth(value, **kwargs)
            if connection.vendor == "sqlite":  # Django's own (Python-function) truncation
                columns[f"dw{index}"] = TruncWeek(value, tzinfo=zone)
                columns[f"dm{index}"] = TruncMonth(value, tzinfo=zone)
        row = User.objects.filter(pk=user.pk).values(**columns).get()
        for index, instant in enumerate(batch):
            week, month = truth(instant, zone, "weekly"), truth(instant, zone, "monthly")
            assert row[f"w{index}"] == week, (instant, row[f"w{index}"], week)
            assert row[f"m{index}"] == month, (instant, row[f"m{index}"], month)
            if connection.vendor == "sqlite":
                assert row[f"dw{index}"] == week and row[f"dm{index}"] == month


def test_offset_spans_find_each_change_to_the_second():
    london = ZoneInfo("Europe/London")
    spans = offset_spans(london, SINCE, datetime(2025, 1, 1, tzinfo=UTC))
    assert spans == (
        (datetime(2024, 3, 31, 1, 0, tzinfo=UTC), 0),
        (datetime(2024, 10, 27, 1, 0, tzinfo=UTC), 3600),
        (None, 0),
    )
    assert offset_spans(ZoneInfo("Asia/Kolkata"), SINCE, UNTIL) == ((None, 19800),)


def test_without_a_range_it_is_djangos_truncation():
    zone = ZoneInfo("Asia/Kolkata")
    instant = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # Sunday 23:30 IST
    user = User.objects.create(email="norange@example.test", name="x", role="mentor")
    value = Value(instant, output_field=DateTimeField())
    row = (
        User.objects.filter(pk=user.pk)
        .values(week=LocalTruncWeek(value, tzinfo=zone), month=LocalTruncMonth(value, tzinfo=zone))
        .get()
    )
    assert row == {
        "week": datetime(2026, 3, 2, tzinfo=zone),
        "month": datetime(2026, 3, 1, tzinfo=zone),
    }
