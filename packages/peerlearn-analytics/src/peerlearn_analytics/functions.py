"""Django's ``TruncWeek`` / ``TruncMonth`` with ``tzinfo``, compiled natively on SQLite.

On PostgreSQL (and any other backend) these are exactly Django's: ``DATE_TRUNC('week',
"earned_at" AT TIME ZONE 'Asia/Kolkata')``. On SQLite, Django runs truncation in a Python
function called once per row (``django_datetime_trunc``, about 11 µs a row: over a second for
100,000 ledger rows). Given the range the query reads, these compile instead to SQLite's own
``date()`` with modifiers: the zone's UTC offset over the range is worked out
here once (a CASE on the instants where daylight saving changes it, if it does), so every row
costs one C call. The result is the same value Django's function returns, converted to an
aware datetime by the same converters; ``tests/test_functions.py`` checks the two agree across
daylight-saving zones. Without a range they fall back to Django's SQL.
"""

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from django.db.models.functions import TruncMonth, TruncWeek

# No time zone changes its offset twice within this step; it only bounds the search.
_STEP = timedelta(hours=12)


def _offset(zone: tzinfo, instant: datetime) -> int:
    return int(instant.astimezone(zone).utcoffset().total_seconds())


@lru_cache(maxsize=512)
def offset_spans(zone: tzinfo, since: datetime, until: datetime) -> tuple[tuple, ...]:
    """The UTC offset (seconds) of ``zone`` over [since, until) as consecutive spans
    ``((end, offset), ..., (None, offset))``; ``end`` is the first instant (UTC) of the next
    offset. Exact to the second."""
    spans = []
    start, current = since, _offset(zone, since)
    while start < until:
        step_end = min(start + _STEP, until)
        if _offset(zone, step_end) != current:
            low, high = int(start.timestamp()), int(step_end.timestamp())
            while high - low > 1:  # low has the current offset, high the next one
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == current:
                    low = middle
                else:
                    high = middle
            change = datetime.fromtimestamp(high, UTC)
            spans.append((change, current))
            start, current = change, _offset(zone, change)
            continue
        start = step_end
    spans.append((None, current))
    return tuple(spans)


class _NativeOnSQLite:
    def __init__(self, expression, *, tzinfo, since=None, until=None, **extra):
        super().__init__(expression, tzinfo=tzinfo, **extra)
        self.since, self.until = since, until

    def _time_and_shift(self, compiler, connection):
        """SQL for the column's UTC time and the SQLite modifier that moves it to local wall
        time in ``tzinfo`` ('+19800 seconds', or a CASE over daylight-saving changes)."""
        column, params = compiler.compile(self.lhs)
        # Whole seconds: SQLite's date functions round '23:59:59.9999' up to the next second
        # (they keep milliseconds), and bucket boundaries fall on whole seconds anyway.
        value = f"substr({column}, 1, 19)"
        spans = offset_spans(self.tzinfo, self.since, self.until)
        if len(spans) == 1:
            return value, f"'{spans[0][1]:+d} seconds'", list(params), []
        cases, case_params = [], []
        for end, offset in spans[:-1]:
            cases.append(f"WHEN {column} < %s THEN '{offset:+d} seconds'")
            case_params += [*params, connection.ops.adapt_datetimefield_value(end)]
        shift = f"CASE {' '.join(cases)} ELSE '{spans[-1][1]:+d} seconds' END"
        return value, shift, list(params), case_params

    def as_sqlite(self, compiler, connection, **extra_context):
        if self.since is None or self.until is None or self.tzinfo is None:
            return self.as_sql(compiler, connection, **extra_context)
        value, shift, params, shift_params = self._time_and_shift(compiler, connection)
        # One date() call, 'YYYY-MM-DD': the local midnight Django's own function returns (as
        # 'YYYY-MM-DD 00:00:00'); the same converters make it an aware datetime in tzinfo.
        return f"date({value}, {shift}, {self.native_modifiers})", [*params, *shift_params]


class LocalTruncWeek(_NativeOnSQLite, TruncWeek):
    """Monday 00:00 in ``tzinfo`` of the week holding the value."""

    # Back six days, then forward to the first Monday: the Monday on or before the day.
    native_modifiers = "'-6 days', 'weekday 1'"


class LocalTruncMonth(_NativeOnSQLite, TruncMonth):
    """The 1st, 00:00 in ``tzinfo`` of the month holding the value."""

    native_modifiers = "'start of month'"
