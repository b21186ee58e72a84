"""GET /api/analytics/earnings/: ledger figures per week or month in the analytics time zone."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from peerlearn_analytics.testing.factories import make_paid_session, set_earned_at
from peerlearn_core.testing.factories import make_mentor
from peerlearn_payouts.models import EarningEntry
from peerlearn_payouts.testing.factories import give_earnings

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
URL = "/api/analytics/earnings/"


def rupees(value: str) -> Decimal:
    assert isinstance(value, str) and value.count(".") == 1 and len(value.split(".")[1]) == 2
    return Decimal(value)


def totals(buckets) -> dict:
    return {
        key: sum((rupees(b[key]) for b in buckets), Decimal("0"))
        for key in ("gross", "commission", "net")
    }


def ledger(mentor) -> dict:
    sums = EarningEntry.objects.filter(mentor=mentor).aggregate(
        gross=Sum("gross_paise"), commission=Sum("commission_paise"), net=Sum("net_paise")
    )
    return {key: Decimal(value or 0) / 100 for key, value in sums.items()}


@pytest.fixture
def awkward(db):
    """₹333.33 × 2 paid seats, ₹0.05 and ₹999.95, plus money that must never count."""
    mentor = make_mentor()
    make_paid_session(mentor, price_paise=33333, paid=2, unpaid=1, refunded=1, refunded_active=1)
    make_paid_session(mentor, price_paise=5)
    make_paid_session(mentor, price_paise=99995)
    # A paid seat of a session that has not completed yet: nothing credited.
    make_paid_session(mentor, price_paise=70000, paid=2, complete=False)
    return mentor


def test_buckets_are_the_ledger_to_the_paisa(as_user, awkward):
    for period in ("weekly", "monthly"):
        response = as_user(awkward).get(URL, {"period": period})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["period"] == period and body["currency"] == "INR"
        assert body["timezone"] == "Asia/Kolkata"
        # 2 × 333.33 + 0.05 + 999.95; commission 2 × 33.33 + 0.01 (0.5 paise, half-up) + 100.00
        expected = {
            "gross": Decimal("1666.66"),
            "commission": Decimal("166.67"),
            "net": Decimal("1499.99"),
        }
        assert totals(body["buckets"]) == expected == ledger(awkward)
        assert {k: rupees(v) for k, v in body["totals"].items()} == expected
        current = body["buckets"][-1]
        assert (current["gross"], current["commission"], current["net"]) == (
            "1666.66",
            "166.67",
            "1499.99",
        )
        assert current["sessions"] == 3
        assert sum(b["sessions"] for b in body["buckets"]) == 3


def test_sum_of_buckets_is_the_balance_earned(as_user, awkward):
    client = as_user(awkward)
    earned = client.get("/api/payouts/balance/").json()["earned"]
    for period in ("weekly", "monthly"):
        body = client.get(URL, {"period": period}).json()
        assert totals(body["buckets"])["net"] == rupees(earned) == Decimal("1499.99")


def test_refunded_unpaid_and_pending_sessions_add_nothing(as_user):
    mentor = make_mentor()
    make_paid_session(mentor, price_paise=49900, paid=0, unpaid=2, refunded=1, refunded_active=1)
    make_paid_session(mentor, price_paise=49900, paid=3, complete=False)
    make_paid_session(mentor, price_paise=0, paid=3)  # free
    body = as_user(mentor).get(URL).json()
    assert all(b["gross"] == b["commission"] == b["net"] == "0.00" for b in body["buckets"])
    assert all(b["sessions"] == 0 for b in body["buckets"])
    assert EarningEntry.objects.filter(mentor=mentor).count() == 0


def test_other_mentors_money_stays_out(as_user):
    mine, theirs = make_mentor(), make_mentor()
    give_earnings(mine, 10000)
    give_earnings(theirs, 99999)
    body = as_user(mine).get(URL).json()
    assert totals(body["buckets"])["gross"] == Decimal("100.00")


def test_default_ranges_and_empty_buckets_filled(as_user):
    mentor = make_mentor()
    today = timezone.localdate(timezone=IST)
    weekly = as_user(mentor).get(URL).json()
    assert weekly["period"] == "weekly" and len(weekly["buckets"]) == 12
    starts = [datetime.fromisoformat(b["start"]) for b in weekly["buckets"]]
    assert all(s.utcoffset() == timedelta(hours=5, minutes=30) for s in starts)
    assert all(s.weekday() == 0 and (s.hour, s.minute) == (0, 0) for s in starts)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(starts))
    assert starts[-1].date() <= today < starts[-1].date() + timedelta(days=7)
    assert weekly["to"] == str(starts[-1].date() + timedelta(days=6))
    assert weekly["from"] == str(starts[0].date())
    for bucket in weekly["buckets"]:
        assert datetime.fromisoformat(bucket["end"]) - datetime.fromisoformat(
            bucket["start"]
        ) == timedelta(weeks=1)

    monthly = as_user(mentor).get(URL, {"period": "monthly"}).json()
    months = [datetime.fromisoformat(b["start"]) for b in monthly["buckets"]]
    assert len(months) == 12 and all(m.day == 1 for m in months)
    assert (months[-1].year, months[-1].month) == (today.year, today.month)
    assert [(m.year * 12 + m.month) for m in months] == list(
        range(months[0].year * 12 + months[0].month, months[0].year * 12 + months[0].month + 12)
    )
    assert all(b["gross"] == "0.00" and b["sessions"] == 0 for b in monthly["buckets"])


def test_range_is_widened_to_whole_buckets(as_user, mentor):
    # Wednesday 2026-01-14 .. Tuesday 2026-01-27 → the weeks of Mon 12th, 19th and 26th.
    body = as_user(mentor).get(URL, {"from": "2026-01-14", "to": "2026-01-27"}).json()
    assert [b["start"][:10] for b in body["buckets"]] == ["2026-01-12", "2026-01-19", "2026-01-26"]
    assert (body["from"], body["to"]) == ("2026-01-12", "2026-02-01")
    body = (
        as_user(mentor)
        .get(URL, {"period": "monthly", "from": "2025-11-30", "to": "2026-02-01"})
        .json()
    )
    assert [b["start"][:10] for b in body["buckets"]] == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
    ]
    assert body["to"] == "2026-02-28"


# --- time zone edges ------------------------------------------------------------------------


def earning_at(mentor, when: datetime, gross: int):
    session, _ = make_paid_session(mentor, price_paise=gross, earned_at=when)
    return session


def test_sunday_2330_ist_stays_in_its_week_and_monday_0030_starts_the_next(as_user, mentor):
    # Sunday 2026-03-08 23:30 IST is 18:00 UTC; Monday 2026-03-09 00:30 IST is Sunday 19:00 UTC:
    # bucketing in UTC would put both in the week of 2 March.
    earning_at(mentor, datetime(2026, 3, 8, 23, 30, tzinfo=IST), 10000)
    earning_at(mentor, datetime(2026, 3, 9, 0, 30, tzinfo=IST), 20000)
    earning_at(mentor, datetime(2026, 3, 2, 0, 0, tzinfo=IST), 400)  # the very first instant
    earning_at(mentor, datetime(2026, 3, 15, 23, 59, 59, tzinfo=IST), 800)  # the last one
    body = as_user(mentor).get(URL, {"from": "2026-02-23", "to": "2026-03-22"}).json()
    by_start = {b["start"]: (b["gross"], b["sessions"]) for b in body["buckets"]}
    assert by_start == {
        "2026-02-23T00:00:00+05:30": ("0.00", 0),
        "2026-03-02T00:00:00+05:30": ("104.00", 2),
        "2026-03-09T00:00:00+05:30": ("208.00", 2),
        "2026-03-16T00:00:00+05:30": ("0.00", 0),
    }


def test_month_boundary_in_ist(as_user, mentor):
    # 31 Jan 23:30 IST and 1 Feb 00:30 IST are both 31 January in UTC.
    earning_at(mentor, datetime(2026, 1, 31, 23, 30, tzinfo=IST), 10000)
    earning_at(mentor, datetime(2026, 2, 1, 0, 30, tzinfo=IST), 20000)
    earning_at(mentor, datetime(2026, 2, 28, 23, 59, tzinfo=IST), 5)
    earning_at(mentor, datetime(2026, 3, 1, 0, 0, tzinfo=IST), 7)
    body = (
        as_user(mentor)
        .get(URL, {"period": "monthly", "from": "2026-01-01", "to": "2026-03-31"})
        .json()
    )
    assert [(b["start"], b["gross"], b["sessions"]) for b in body["buckets"]] == [
        ("2026-01-01T00:00:00+05:30", "100.00", 1),
        ("2026-02-01T00:00:00+05:30", "200.05", 2),
        ("2026-03-01T00:00:00+05:30", "0.07", 1),
    ]


def test_bucket_zone_is_a_setting(as_user, mentor, settings):
    earning_at(mentor, datetime(2026, 3, 8, 23, 30, tzinfo=IST), 10000)
    earning_at(mentor, datetime(2026, 3, 9, 0, 30, tzinfo=IST), 20000)
    settings.PEERLEARN_ANALYTICS = {"TIME_ZONE": "UTC"}
    body = as_user(mentor).get(URL, {"from": "2026-03-02", "to": "2026-03-09"}).json()
    assert body["timezone"] == "UTC"
    assert [(b["start"], b["gross"]) for b in body["buckets"]] == [
        ("2026-03-02T00:00:00Z", "300.00"),
        ("2026-03-09T00:00:00Z", "0.00"),
    ]


def test_weeks_across_a_daylight_saving_change(as_user, mentor, settings):
    # Europe/London moves to BST at 01:00 on Sunday 2026-03-29.
    settings.PEERLEARN_ANALYTICS = {"TIME_ZONE": "Europe/London"}
    london = ZoneInfo("Europe/London")
    earning_at(mentor, datetime(2026, 3, 29, 23, 30, tzinfo=london), 100)  # 22:30 UTC
    earning_at(mentor, datetime(2026, 3, 30, 0, 30, tzinfo=london), 200)  # 23:30 UTC Sunday
    earning_at(mentor, datetime(2026, 3, 23, 0, 15, tzinfo=london), 400)  # GMT, week start
    body = as_user(mentor).get(URL, {"from": "2026-03-23", "to": "2026-03-30"}).json()
    assert [(b["start"], b["end"], b["gross"]) for b in body["buckets"]] == [
        ("2026-03-23T00:00:00Z", "2026-03-30T00:00:00+01:00", "5.00"),
        ("2026-03-30T00:00:00+01:00", "2026-04-06T00:00:00+01:00", "2.00"),
    ]


def test_entries_outside_the_range_are_left_out(as_user, mentor):
    earning_at(mentor, datetime(2026, 3, 1, 23, 59, tzinfo=IST), 100)  # Sunday before
    inside = earning_at(mentor, datetime(2026, 3, 2, 9, 0, tzinfo=IST), 200)
    earning_at(mentor, datetime(2026, 3, 9, 0, 0, tzinfo=IST), 400)  # Monday after
    body = as_user(mentor).get(URL, {"from": "2026-03-02", "to": "2026-03-08"}).json()
    assert [(b["gross"], b["sessions"]) for b in body["buckets"]] == [("2.00", 1)]
    set_earned_at(inside, datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=IST))
    body = as_user(mentor).get(URL, {"from": "2026-03-02", "to": "2026-03-08"}).json()
    assert body["buckets"][0]["gross"] == "2.00"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "daily"}, "period"),
        ({"period": "WEEKLY"}, "period"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"to": "2026-02-03T10:00:00"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "from"),
        ({"from": "2027-01-01"}, "from"),  # to defaults to today
        ({"from": "2000-01-01", "to": "2100-12-31"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),  # > 104 weeks
        ({"period": "monthly", "from": "2000-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-07"}, "from"),
        ({"from": "9999-12-25", "to": "9999-12-31"}, "from"),
        ({"period": "monthly", "to": "9999-12-31"}, "to"),
        ({"from": "1999-12-31", "to": "2000-01-06"}, "from"),
    ],
)
def test_bad_input_is_400_with_field_errors(as_user, mentor, params, field):
    response = as_user(mentor).get(URL, params)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert isinstance(response.json()[field], list)


def test_empty_parameters_mean_the_defaults(as_user, mentor):
    response = as_user(mentor).get(URL, {"period": "", "from": "", "to": ""})
    assert response.status_code == 200
    assert response.json()["period"] == "weekly" and len(response.json()["buckets"]) == 12


def test_the_schema_says_empty_parameters_are_allowed(openapi_schema):
    """schemathesis found `?to=` accepted where the schema said "a date" (ST201)."""
    schema = openapi_schema()
    parameters = {p["name"]: p["schema"] for p in schema["paths"][URL]["get"]["parameters"]}
    assert "" in parameters["period"]["enum"]
    for name in ("from", "to"):
        assert {"type": "string", "enum": [""]} in parameters[name]["anyOf"]
        assert {"type": "string", "format": "date"} in parameters[name]["anyOf"]


def test_the_longest_allowed_ranges_work(as_user, mentor):
    give_earnings(mentor, 12345)
    today = timezone.localdate(timezone=IST)
    weekly = as_user(mentor).get(URL, {"from": str(today - timedelta(weeks=103)), "to": str(today)})
    assert weekly.status_code == 200 and len(weekly.json()["buckets"]) == 104
    first = date(today.year - 4, today.month, 1)
    monthly = as_user(mentor).get(URL, {"period": "monthly", "from": str(first)})
    assert monthly.status_code == 200 and len(monthly.json()["buckets"]) == 49
    assert totals(monthly.json()["buckets"])["gross"] == Decimal("123.45")
