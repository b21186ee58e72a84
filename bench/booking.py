"""Booking throughput and correctness under contention, against plain INSERTs in the same process.

    .venv/bin/python bench/booking.py [--rounds 20] [--postgres]

Django is configured in this process (peerlearn.settings, DEBUG=1, in-memory channel layer) on
a temporary SQLite file, or with --postgres on a temporary PostgreSQL database created and
dropped here. Each round creates a session with 10 seats and releases 50 learner threads at a
barrier into ``peerlearn_bookings.services.book_session``; every round must end with exactly 10
bookings and 40 Conflict (409) refusals. The baseline is the same 50 threads and barriers doing
one plain single-row INSERT into a scratch table per attempt (what the database can do at all).
"""

import argparse
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEATS = 10
LEARNERS = 50


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Database:
    """A throw-away database: a SQLite file in a temp dir, or a PostgreSQL database."""

    def __init__(self, postgres_url: str | None):
        self.tmp = Path(tempfile.mkdtemp(prefix="peerlearn-booking-"))
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
        )
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            os.environ["DATABASE_URL"] = self.admin_url.rsplit("/", 1)[0] + f"/{self.pg_name}"
            return f"PostgreSQL (temp db {self.pg_name})"
        return "SQLite (WAL, IMMEDIATE transactions)"

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


class Race:
    """LEARNERS threads, each with its own connection, released together once per round."""

    def __init__(self, learner_ids: list[int], rounds: int):
        self.learner_ids = learner_ids
        self.rounds = rounds
        self.start = threading.Barrier(len(learner_ids) + 1)
        self.end = threading.Barrier(len(learner_ids) + 1)
        self.attempt = None  # callable(round, learner) -> outcome
        self.target = None  # what the coordinator prepared for the round
        self.results: list[list[tuple[str, float]]] = [[] for _ in range(rounds)]
        self.lock = threading.Lock()

    def worker(self, learner_id: int) -> None:
        from django.db import connection

        from peerlearn_core.models import User

        learner = User.objects.get(pk=learner_id)
        connection.ensure_connection()
        try:
            for r in range(self.rounds):
                self.start.wait()
                t0 = time.perf_counter()
                try:
                    outcome = self.attempt(self.target, learner)
                except Exception as exc:
                    outcome = classify(exc)
                elapsed = time.perf_counter() - t0
                with self.lock:
                    self.results[r].append((outcome, elapsed))
                self.end.wait()
        finally:
            connection.close()

    def run(self, prepare) -> list[float]:
        """``prepare(r)`` sets up round r; returns each round's wall time."""
        threads = [
            threading.Thread(target=self.worker, args=(pk,), daemon=True) for pk in self.learner_ids
        ]
        for thread in threads:
            thread.start()
        walls = []
        for r in range(self.rounds):
            self.target = prepare(r)
            self.start.wait(timeout=60)
            t0 = time.perf_counter()
            self.end.wait(timeout=120)
            walls.append(time.perf_counter() - t0)
        for thread in threads:
            thread.join(30)
        return walls


def classify(exc: Exception) -> str:
    from peerlearn_core.exceptions import Conflict

    if isinstance(exc, Conflict) and exc.status_code == 409:
        return f"409 {exc.code}"
    return f"error {type(exc).__name__}: {exc}"


def figures(name: str, race: Race, walls: list[float], successes: str) -> dict:
    outcomes = [o for rnd in race.results for o, _ in rnd]
    latencies = [t for rnd in race.results for _, t in rnd]
    total = sum(walls)
    ok = sum(1 for o in outcomes if o == successes)
    return {
        "name": name,
        "attempts": len(outcomes),
        "ok": ok,
        "conflicts": sum(1 for o in outcomes if o.startswith("409")),
        "errors": [o for o in outcomes if o.startswith("error")],
        "seconds": total,
        "attempts_s": len(outcomes) / total,
        "ok_s": ok / total,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="R sessions raced for")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgres://postgres@127.0.0.1:5432/postgres",
        metavar="ADMIN_URL",
        help="run on a temp PostgreSQL database (default admin URL: %(const)s)",
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 200:
        parser.error("--rounds must be 1..200")

    db = Database(args.postgres)

    def abort():
        print("watchdog: the run took over 170 s, stopping", flush=True)
        db.drop()
        os._exit(3)

    watchdog = threading.Timer(170, abort)
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


def bench(args, backend: str, started: float) -> int:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from peerlearn_bookings import services
    from peerlearn_bookings.models import Booking, LiveSession
    from peerlearn_core.models import Role, User

    call_command("migrate", "--noinput", verbosity=0)
    print(f"  [{time.monotonic() - started:5.1f} s] migrated {backend}", flush=True)
    hashed = make_password("bench-orchard-5521")
    mentor = User.objects.create(
        email="mentor@bench.test", name="Bench Mentor", role=Role.MENTOR, password=hashed
    )
    User.objects.bulk_create(
        User(email=f"l{i:02d}@bench.test", name=f"Learner {i}", role=Role.LEARNER, password=hashed)
        for i in range(LEARNERS)
    )
    learner_ids = list(User.objects.filter(role=Role.LEARNER).values_list("pk", flat=True))

    # Baseline: one plain single-row INSERT per attempt, autocommit, same threads and barriers.
    with connection.cursor() as cursor:
        key = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
        cursor.execute(
            f"CREATE TABLE bench_scratch (id {key} PRIMARY KEY, round_no INTEGER NOT NULL, "
            "learner_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)"
        )

    def insert(round_no, learner):
        from django.db import connection as conn

        with conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_scratch (round_no, learner_id, created_at) VALUES (%s, %s, %s)",
                [round_no, learner.pk, timezone.now()],
            )
        return "inserted"

    baseline = Race(learner_ids, args.rounds)
    baseline.attempt = insert
    base_walls = baseline.run(lambda r: r)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_scratch")
        inserted = cursor.fetchone()[0]
    base = figures("plain INSERT (baseline)", baseline, base_walls, "inserted")
    print(f"  [{time.monotonic() - started:5.1f} s] baseline: {inserted} rows", flush=True)

    def book(session_id, learner):
        services.book_session(session_id=session_id, learner=learner)
        return "booked"

    def new_session(r):
        return services.create_session(
            mentor=mentor,
            title=f"Race {r}",
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=60,
            max_participants=SEATS,
        ).pk

    race = Race(learner_ids, args.rounds)
    race.attempt = book
    session_ids = []
    walls = race.run(lambda r: session_ids.append(new_session(r)) or session_ids[-1])
    ours = figures("book_session", race, walls, "booked")
    print(f"  [{time.monotonic() - started:5.1f} s] {args.rounds} sessions raced", flush=True)

    # Reference: the same attempts made one after another by one thread (no contention).
    serial = Race(learner_ids, args.rounds)
    serial_walls, learners = [], list(User.objects.filter(pk__in=learner_ids))
    for r in range(args.rounds):
        session_id = new_session(args.rounds + r)
        t_round = time.perf_counter()
        for learner in learners:
            t0 = time.perf_counter()
            try:
                outcome = book(session_id, learner)
            except Exception as exc:
                outcome = classify(exc)
            serial.results[r].append((outcome, time.perf_counter() - t0))
        serial_walls.append(time.perf_counter() - t_round)
        session_ids.append(session_id)
    alone = figures("book_session, 1 thread", serial, serial_walls, "booked")
    print(
        f"  [{time.monotonic() - started:5.1f} s] {args.rounds} sessions booked serially",
        flush=True,
    )

    # Correctness: exactly SEATS bookings per session, by outcome, row count and counter.
    problems = []
    outcomes = race.results + serial.results
    for r, session_id in enumerate(session_ids):
        booked = sum(1 for o, _ in outcomes[r] if o == "booked")
        rows = Booking.objects.filter(session_id=session_id, cancelled_at__isnull=True).count()
        counter = LiveSession.objects.get(pk=session_id).booked_count
        if not booked == rows == counter == SEATS:
            problems.append(f"session {session_id}: {booked} ok, {rows} rows, counter {counter}")
    codes = sorted({o for rnd in outcomes for o, _ in rnd if o.startswith("409")})
    for f in (ours, alone):
        if f["errors"]:
            problems.append(f"{f['name']}: {len(f['errors'])} errors, e.g. {f['errors'][0]}")
    if base["errors"] or inserted != base["attempts"]:
        problems.append(f"baseline: {inserted} rows, errors {base['errors'][:1]}")

    print()
    print(
        f"{LEARNERS} threads racing for {SEATS} seats, R={args.rounds} rounds, {backend}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load {'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    head = f"{'run':<26}{'attempts':>9}{'ok':>6}{'409':>6}{'err':>5}{'attempts/s':>12}"
    head += f"{'ok/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(head)
    print("-" * len(head))
    for f in (base, ours, alone):
        print(
            f"{f['name']:<26}{f['attempts']:>9}{f['ok']:>6}{f['conflicts']:>6}{len(f['errors']):>5}"
            f"{f['attempts_s']:>12.0f}{f['ok_s']:>8.0f}{f['p50'] * 1000:>9.2f}"
            f"{f['p99'] * 1000:>9.2f}{f['max'] * 1000:>9.2f}"
        )
    throughput_ratio = ours["attempts_s"] / base["attempts_s"]
    p50_ratio, p99_ratio = ours["p50"] / base["p50"], ours["p99"] / base["p99"]
    print(
        f"ratio book_session/INSERT: throughput {throughput_ratio:.3g}x, "
        f"p50 latency {p50_ratio:.3g}x, p99 latency {p99_ratio:.3g}x; refusals: {', '.join(codes)}"
    )
    print(
        f"contention cost: 50 racing threads make {ours['attempts_s']:.0f} attempts/s, "
        f"one thread alone {alone['attempts_s']:.0f}/s "
        f"({ours['attempts_s'] / alone['attempts_s']:.2f}x)"
    )
    verdict = "correct" if not problems else "WRONG: " + "; ".join(problems)
    for problem in problems:
        print(f"  ! {problem}")
    print(
        f"SUMMARY booking {backend.split()[0]} R={args.rounds}: {ours['ok_s']:.0f} bookings/s "
        f"({ours['attempts_s']:.0f} attempts/s = {throughput_ratio:.3g}x plain INSERT), "
        f"p50 {ours['p50'] * 1000:.1f} ms p99 {ours['p99'] * 1000:.1f} ms; "
        f"{len(session_ids) * SEATS} seats, {verdict}"
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
