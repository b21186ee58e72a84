#!/usr/bin/env bash
# The whole suite: lint, OpenAPI validation, API fuzzing (scripts/fuzz-api.sh), every test on
# SQLite, the database suites again on PostgreSQL, and each app alone in fresh bare hosts on
# Django 4.2, 5.2 and 6.1 (scripts/check-hosts.sh), in two lanes (below). Exits non-zero on a
# failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DEBUG=1
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/peerlearn}

echo "== ruff"
$BIN/ruff check .
echo "== OpenAPI schema"
$BIN/python manage.py spectacular --validate --fail-on-warn --file /tmp/peerlearn-schema.yml
echo "== API fuzzing: schemathesis --checks all against a live Daphne, as a mentor and a learner"
# 20 cases per operation and phase: about 2,400 requests per role, under 2 minutes on two cores.
FUZZ_MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-20} bash scripts/fuzz-api.sh
echo "== migrations are up to date"
$BIN/python manage.py makemigrations --check --dry-run >/dev/null
# The tests run in two lanes side by side, one per core, each about 27 minutes of work:
#  - lane 1: the browser tests on SQLite, then each app alone in fresh venvs and bare hosts on
#    Django 4.2, 5.2 and 6.1 (scripts/check-hosts.sh);
#  - lane 2 (in the foreground): every other test on SQLite, then the database suites again on
#    PostgreSQL.
# One after the other they took 43 minutes on the 2-core CI machine. Lane 1's output is printed
# when both are done; a failing stage in either fails the run.
LANE=$(mktemp -d /tmp/peerlearn-lane.XXXXXX)
lanes=$SECONDS
echo "== before the lanes: $SECONDS s"
echo "== lane 1 (beside this one): browser tests on SQLite, then each app in bare hosts"
(
  set +e
  EXPECT_DB_VENDOR=sqlite $BIN/pytest -q -m browser --durations=10 "$@" >"$LANE/browser.log" 2>&1
  echo $? >"$LANE/browser.rc"
  echo "lane 1: browser tests done at $((SECONDS - lanes)) s" >>"$LANE/browser.log"
  bash scripts/check-hosts.sh >"$LANE/hosts.log" 2>&1
  echo $? >"$LANE/hosts.rc"
  echo "lane 1: bare hosts done at $((SECONDS - lanes)) s" >>"$LANE/hosts.log"
) &
lane=$!
echo "== lane 2: tests on SQLite (all but the browser tests)"
sqlite_status=0
EXPECT_DB_VENDOR=sqlite $BIN/pytest -q -m "not browser" --durations=15 "$@" || sqlite_status=$?
echo "lane 2: SQLite done at $((SECONDS - lanes)) s"
echo "== lane 2: tests on PostgreSQL (database suites)"
pg_status=0
PAYOUT_TRIALS=${PAYOUT_TRIALS_PG:-200} LIFECYCLE_TRIALS=${LIFECYCLE_TRIALS_PG:-50} EXPECT_DB_VENDOR=postgresql DATABASE_URL=$PG_URL $BIN/pytest -q -m "not browser" --durations=15 packages tests "$@" || pg_status=$?
echo "lane 2: PostgreSQL done at $((SECONDS - lanes)) s"
wait "$lane" || true
echo "== lane 1: browser tests on SQLite"
cat "$LANE/browser.log"
echo "== lane 1: each app alone in a bare host"
# Django's own check output (W006 on 4.2) stays; the sandbox's and uv's chatter does not.
grep -v '^Using Python\|^Checked [0-9]* packages\|^All installed packages' "$LANE/hosts.log" || true
browser_status=$(cat "$LANE/browser.rc" 2>/dev/null || echo 1)
hosts_status=$(cat "$LANE/hosts.rc" 2>/dev/null || echo 1)
rm -rf "$LANE"
echo "== stages: SQLite $sqlite_status, PostgreSQL $pg_status, browser $browser_status, bare hosts $hosts_status (0 is a pass)"
if [ "$sqlite_status" != 0 ] || [ "$pg_status" != 0 ] || [ "$browser_status" != 0 ] || [ "$hosts_status" != 0 ]; then
  exit 1
fi
