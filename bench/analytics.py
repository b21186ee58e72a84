# ruff: noqa: S608  (SQL is built from this script's own integers and table names only)
"""Earnings analytics: GET /api/analytics/earnings/ against the bare SQL GROUP BY, same process.

    .venv/bin/python bench/analytics.py [--postgres [ADMIN_URL]] [--rows 1000000]
        [--mine 100000] [--runs 60]

Django is configured in this process (peerlearn.settings, DEBUG=1) on a temporary SQLite file,
or with --postgres on a temporary PostgreSQL database created and dropped here. The ledger
(EarningEntry) gets ``--rows`` entries, ``--mine`` of them for the measured mentor and the rest
for 9 other mentors, interleaved (the mentor's rows are spread through the table, not
clustered), earned at pseudo-random instants over the last 365 days; every entry has its
real session and booking rows. Everything is bulk-inserted with one INSERT ... SELECT per table
(generate_series on PostgreSQL, a recursive CTE on SQLite).

Measured, interleaved run by run, for weekly (all 53-54 weeks holding the mentor's rows) and
monthly (13 months) buckets:
  bare SQL     the hand-written GROUP BY a database does natively (PostgreSQL: date_trunc on
               earned_at AT TIME ZONE; SQLite: date()/strftime() with the zone's fixed offset,
               which is exact for Asia/Kolkata only) through a plain cursor: the floor;
  ORM SQL      the exact SQL the selector generates, through a plain cursor (no ORM, no view);
  endpoint     the whole request through django.test.Client with a JWT: authentication,
               validation, the grouped query, filling empty buckets, serialising.
Every run's sums are checked against each other and against SUM() over the mentor's rows.
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ZONE = "Asia/Kolkata"
OTHER_MENTORS = 9
LEARNERS = 10  # bookings per session: one per learner
WATCHDOG_SECONDS = 900


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Database:
    """A throw-away database: a SQLite file in a temp dir, or a PostgreSQL database."""

    def __init__(self, postgres_url: str | None):
        self.tmp = Path(tempfile.mkdtemp(prefix="peerlearn-analytics-"))
        self.admin_url = postgres_url
        self.pg_name = f"peerlearn_bench_{uuid.uuid4().hex[:10]}" if postgres_url else None

    def configure(self) -> str:
        for key in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(key, None)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="peerlearn.settings",
            DEBUG="1",
            PEERLEARN_DATA_DIR=str(self.tmp),
            SQLITE_PATH=str(self.tmp / "bench.sqlite3"),
            LOG_LEVEL="WARNING",
            TIME_ZONE=ZONE,
        )
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            os.environ["DATABASE_URL"] = self.admin_url.rsplit("/", 1)[0] + f"/{self.pg_name}"
            return f"PostgreSQL (temp db {self.pg_name})"
        return "SQLite (WAL)"

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows in all")
    parser.add_argument("--mine", type=int, default=100_000, help="rows of the measured mentor")
    parser.add_argument("--runs", type=int, default=60, help="measured runs of each variant")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgres://postgres@127.0.0.1:5432/postgres",
        metavar="ADMIN_URL",
        help="run on a temp PostgreSQL database (default admin URL: %(const)s)",
    )
    args = parser.parse_args()
    if not 10 <= args.mine <= args.rows // (OTHER_MENTORS + 1) * (OTHER_MENTORS + 1):
        parser.error("--mine must be at least 10 and at most rows / 10 * 10")
    if args.rows % LEARNERS or args.rows > 20_000_000 or not 1 <= args.runs <= 1000:
        parser.error("--rows must be a multiple of 10 up to 20M; --runs 1..1000")

    db = Database(args.postgres)

    def abort():
        print(f"watchdog: the run took over {WATCHDOG_SECONDS} s, stopping", flush=True)
        db.drop()
        os._exit(3)

    watchdog = threading.Timer(WATCHDOG_SECONDS, abort)
    watchdog.daemon = True
    watchdog.start()
    started = time.monotonic()
    print("  load at start " + "/".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    try:
        backend = db.configure()
        sys.path.insert(0, str(REPO / "site"))
        import django

        django.setup()
        return bench(args, backend, started)
    finally:
        watchdog.cancel()
        from django.db import connections

        connections.close_all()
        db.drop()


def log(started: float, message: str) -> None:
    print(f"  [{time.monotonic() - started:6.1f} s] {message}", flush=True)


def load(args, mentor_ids: list[int], learner_ids: list[int], now, started: float) -> None:
    """One INSERT ... SELECT per table, no parameters (so ``%`` is SQL's modulo on both).
    Session s belongs to the measured mentor when s % 10 == 0 (until it has ``--mine`` rows),
    else to one of the others; its booking and ledger rows are 10 * s .. 10 * s + 9, one per
    learner, all credited at the session's end, a pseudo-random instant of the last year."""
    from django.db import connection, transaction

    from peerlearn_bookings.models import Booking, LiveSession
    from peerlearn_payouts.models import EarningEntry

    sessions = args.rows // LEARNERS
    mine_sessions = args.mine // LEARNERS
    first_learner = learner_ids[0]
    assert learner_ids == list(range(first_learner, first_learner + LEARNERS))
    target, others = mentor_ids[0], mentor_ids[1:]
    pg = connection.vendor == "postgresql"
    tables = {
        "session": LiveSession._meta.db_table,
        "booking": Booking._meta.db_table,
        "entry": EarningEntry._meta.db_table,
    }
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")

    def ago(seconds: str) -> str:
        """``now`` minus an integer SQL expression of seconds, as each database stores it."""
        if pg:
            return f"(TIMESTAMPTZ '{stamp}+00' - ({seconds}) * INTERVAL '1 second')"
        return f"strftime('%Y-%m-%d %H:%M:%f', '{stamp}', '-' || ({seconds}) || ' seconds')"

    def ended(s: str) -> str:
        # When session s ended and was credited: spread over the year, the same on both.
        return ago(f"(({s}) * 7919 + (({s}) / 10) * 104729) % {365 * 86400}")

    def series(count: int) -> str:
        if pg:
            return f"generate_series(0::bigint, {count - 1}::bigint) AS g(n)"
        return (
            "(WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g "
            f"WHERE n < {count - 1}) SELECT n FROM g) AS g"
        )

    def mentor_of(s: str) -> str:
        return (
            f"CASE WHEN ({s}) % 10 = 0 AND ({s}) / 10 < {mine_sessions} THEN {target} "
            f"ELSE {others[0]} + ({s}) % {len(others)} END"
        )

    false, true = ("false", "true") if pg else ("0", "1")
    now_sql = f"TIMESTAMPTZ '{stamp}+00'" if pg else f"'{stamp}'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {tables['session']}")
        base = cursor.fetchone()[0] + 1
        cursor.execute(
            f"INSERT INTO {tables['session']} (id, mentor_id, title, description, starts_at, "
            "duration_minutes, max_participants, price_paise, status, booked_count, "
            "mentor_ready, started_at, completed_at, cancel_reason, created_at, updated_at) "
            f"SELECT {base} + n, {mentor_of('n')}, 'Bench session ' || n, '', "
            f"{ago(f'(n * 7919 + (n / 10) * 104729) % {365 * 86400} + 3600')}, 60, {LEARNERS}, "
            f"49900, 'completed', {LEARNERS}, {false}, "
            f"{ago(f'(n * 7919 + (n / 10) * 104729) % {365 * 86400} + 3600')}, {ended('n')}, "
            f"'', {now_sql}, {now_sql} FROM {series(sessions)}"
        )
        log(started, f"{sessions:,} sessions")
        cursor.execute(
            f"INSERT INTO {tables['booking']} (id, session_id, learner_id, booked_at, "
            "amount_paise, payment_status, confirmed, declined, attended) "
            f"SELECT 1 + n, {base} + n / {LEARNERS}, {first_learner} + n % {LEARNERS}, "
            f"{ago(f'(n / 10 * 7919 + (n / 100) * 104729) % {365 * 86400} + 86400')}, "
            f"100 + n % 99900, 'paid', {true}, {false}, {true} FROM {series(args.rows)}"
        )
        log(started, f"{args.rows:,} bookings")
        gross = "(100 + n % 99900)"
        commission = f"(({gross} * 10 + 50) / 100)"  # 10 %, half-up, in integer paise
        cursor.execute(
            f"INSERT INTO {tables['entry']} (id, mentor_id, booking_id, session_id, "
            "gross_paise, commission_paise, net_paise, earned_at) "
            f"SELECT 1 + n, {mentor_of(f'n / {LEARNERS}')}, 1 + n, {base} + n / {LEARNERS}, "
            f"{gross}, {commission}, {gross} - {commission}, {ended(f'n / {LEARNERS}')} "
            f"FROM {series(args.rows)}"
        )
        log(started, f"{args.rows:,} ledger entries")
    with connection.cursor() as cursor:
        if pg:
            for table in tables.values():
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    log(started, "ANALYZE done")


def bench(args, backend: str, started: float) -> int:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.utils import timezone

    from peerlearn_analytics import selectors
    from peerlearn_core.models import Role, User
    from peerlearn_core.testing.factories import jwt_for
    from peerlearn_payouts.models import EarningEntry

    call_command("migrate", "--noinput", verbosity=0)
    log(started, f"migrated {backend}")
    hashed = make_password("bench-orchard-5521")
    mentors = [
        User.objects.create(
            email=f"m{i}@bench.test", name=f"Mentor {i}", role=Role.MENTOR, password=hashed
        )
        for i in range(OTHER_MENTORS + 1)
    ]
    learners = [
        User.objects.create(
            email=f"l{i}@bench.test", name=f"Learner {i}", role=Role.LEARNER, password=hashed
        )
        for i in range(LEARNERS)
    ]
    now = timezone.now().replace(microsecond=0)
    load(args, [m.pk for m in mentors], sorted(u.pk for u in learners), now, started)
    mentor = mentors[0]
    mine = EarningEntry.objects.filter(mentor=mentor)
    truth = mine.aggregate(
        n=Count("pk"),
        gross=Sum("gross_paise"),
        commission=Sum("commission_paise"),
        net=Sum("net_paise"),
        sessions=Count("session_id", distinct=True),
    )
    total = EarningEntry.objects.count()
    if truth["n"] != args.mine or total != args.rows:
        print(f"  ! loaded {total} rows, {truth['n']} for the mentor")
        return 1
    log(started, f"mentor has {truth['n']:,} of {total:,} ledger rows")

    # Measure like production: no debug cursor logging every query (DEBUG=1 was only needed to
    # start the development settings without a SECRET_KEY).
    settings.DEBUG = False
    today = timezone.localdate()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {jwt_for(mentor)}", "HTTP_HOST": "localhost"}
    pg = connection.vendor == "postgresql"
    entry_table = EarningEntry._meta.db_table
    problems = []
    results = {}
    stock_note = {}
    for period, first in (
        ("weekly", today.replace(year=today.year - 1)),
        ("monthly", today.replace(year=today.year - 1)),
    ):
        params = {"period": period, "from": str(first), "to": str(today)}
        zone = selectors.analytics_settings.zone
        buckets = selectors.earnings_buckets(
            mentor, period=period, first=first, last=today, zone=zone
        )
        since, until = buckets[0].start, buckets[-1].end
        if pg:
            unit = "week" if period == "weekly" else "month"
            bucket_sql = f"date_trunc('{unit}', earned_at AT TIME ZONE '{ZONE}')"
        elif period == "weekly":
            bucket_sql = "date(earned_at, '+330 minutes', '-6 days', 'weekday 1')"
        else:
            bucket_sql = "strftime('%%Y-%%m-01', earned_at, '+330 minutes')"  # %% : params
        bare_sql = (
            f"SELECT {bucket_sql} AS bucket, SUM(gross_paise), SUM(commission_paise), "
            f"SUM(net_paise), COUNT(DISTINCT session_id) FROM {entry_table} "
            "WHERE mentor_id = %s AND earned_at >= %s AND earned_at < %s GROUP BY bucket"
        )
        bare_params = [mentor.pk, since, until]
        orm_queryset = selectors.earnings_queryset(
            mentor, period=period, since=since, until=until, zone=zone
        )
        orm_sql, orm_params = orm_queryset.query.sql_with_params()

        def run_bare(sql=bare_sql, sql_params=bare_params):
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                return cursor.fetchall()

        def run_orm(sql=orm_sql, sql_params=orm_params):
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                return cursor.fetchall()

        def run_endpoint(query=params):
            response = client.get("/api/analytics/earnings/", query, **auth)
            assert response.status_code == 200, response.content[:300]
            return response.json()

        # Same answer three ways, and the ledger's own sums.
        bare_rows, orm_rows, body = run_bare(), run_orm(), run_endpoint()
        for name, rows in (("bare", bare_rows), ("orm", orm_rows)):
            sums = [sum(r[i] for r in rows) for i in (1, 2, 3, 4)]
            if sums != [truth["gross"], truth["commission"], truth["net"], truth["sessions"]]:
                problems.append(f"{period} {name} sums {sums} != ledger {truth}")
        paise = [
            sum(int(b[k].replace(".", "")) for b in body["buckets"])
            for k in ("gross", "commission", "net")
        ]
        if paise != [truth["gross"], truth["commission"], truth["net"]]:
            problems.append(f"{period} endpoint sums {paise} != ledger")
        nonempty = sum(1 for b in body["buckets"] if b["sessions"])
        if nonempty != len(bare_rows) or len(orm_rows) != len(bare_rows):
            problems.append(f"{period}: {nonempty} buckets vs bare {len(bare_rows)}")

        with connection.cursor() as cursor:
            explain = "EXPLAIN" if pg else "EXPLAIN QUERY PLAN"
            cursor.execute(f"{explain} {orm_sql}", orm_params)
            plan = [str(row[-1]).strip() for row in cursor.fetchall()]
        print(f"  {period} plan: " + " | ".join(p for p in plan if "cost" not in p or "Scan" in p))

        timings = {"bare SQL": [], "ORM SQL": [], "endpoint": []}
        runners = {"bare SQL": run_bare, "ORM SQL": run_orm, "endpoint": run_endpoint}
        for _ in range(3):  # warm-up
            for run in runners.values():
                run()
        for _ in range(args.runs):
            for name, run in runners.items():
                t0 = time.perf_counter()
                run()
                timings[name].append((time.perf_counter() - t0) * 1000)
        if not pg:
            # For reference: Django's stock Trunc with tzinfo, a Python function per row here.
            from django.db.models import functions

            trunc = getattr(functions, "TruncWeek" if period == "weekly" else "TruncMonth")
            stock = (
                EarningEntry.objects.filter(
                    mentor=mentor, earned_at__gte=since, earned_at__lt=until
                )
                .order_by()
                .annotate(bucket=trunc("earned_at", tzinfo=zone))
                .values("bucket")
                .annotate(
                    gross=Sum("gross_paise"),
                    commission=Sum("commission_paise"),
                    net=Sum("net_paise"),
                    sessions=Count("session_id", distinct=True),
                )
            )
            stock_sql, stock_params = stock.query.sql_with_params()
            stock_times = []
            for _ in range(min(args.runs, 5)):
                t0 = time.perf_counter()
                stock_rows = run_orm(stock_sql, stock_params)
                stock_times.append((time.perf_counter() - t0) * 1000)
            # Same buckets ('YYYY-MM-DD 00:00:00' there, 'YYYY-MM-DD' here), same sums.
            stock_rows = sorted((str(r[0])[:10], *r[1:]) for r in stock_rows)
            if stock_rows != sorted((str(r[0])[:10], *r[1:]) for r in orm_rows):
                problems.append(f"{period}: Django's stock Trunc gives other buckets")
            stock_note[period] = percentile(stock_times, 50)
        results[period] = (timings, len(body["buckets"]), nonempty)
        log(started, f"{period}: {args.runs} runs of each")

    print()
    print(
        f"Earnings analytics, {backend}, {args.rows:,} ledger rows, {args.mine:,} for the "
        f"mentor, {args.runs} runs each, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load {'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    head = f"{'period':<9}{'variant':<11}{'p50 ms':>9}{'p99 ms':>9}{'mean':>9}{'min':>9}"
    head += f"{'p50 ×bare':>11}{'p99 ×bare':>11}"
    print(head)
    print("-" * len(head))
    summary = []
    for period, (timings, buckets, nonempty) in results.items():
        base50, base99 = percentile(timings["bare SQL"], 50), percentile(timings["bare SQL"], 99)
        for name, values in timings.items():
            p50, p99 = percentile(values, 50), percentile(values, 99)
            print(
                f"{period:<9}{name:<11}{p50:>9.2f}{p99:>9.2f}{statistics.mean(values):>9.2f}"
                f"{min(values):>9.2f}{p50 / base50:>11.2f}{p99 / base99:>11.2f}"
            )
        endpoint50 = percentile(timings["endpoint"], 50)
        summary.append(
            f"{period} endpoint p50 {endpoint50:.1f} ms = {endpoint50 / base50:.2f}x bare "
            f"({buckets} buckets, {nonempty} with rows)"
        )
    for period, p50 in stock_note.items():
        print(
            f"{period}: Django's stock Trunc SQL (SQLite calls a Python function per row), "
            f"bare cursor, p50 {p50:.0f} ms over {min(args.runs, 5)} runs"
        )
    for problem in problems:
        print(f"  ! {problem}")
    verdict = "sums exact" if not problems else "WRONG: " + "; ".join(problems)
    print(f"SUMMARY analytics {backend.split()[0]}: " + "; ".join(summary) + f"; {verdict}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
