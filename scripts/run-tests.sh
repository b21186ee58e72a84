#!/usr/bin/env bash
# The whole suite: lint, OpenAPI validation, API fuzzing (scripts/fuzz-api.sh), every test on
# SQLite, the database suites again on PostgreSQL, and each app alone in fresh bare hosts on
# Django 4.2, 5.2 and 6.1 (scripts/check-hosts.sh), in three lanes (below). Exits non-zero on a
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
# The tests run in three lanes side by side. Two cores, three lanes: the randomized trials and
# the browser tests spend most of their time waiting (HTTP round trips, timeouts, animations),
# and that waiting overlaps the other lanes' work:
#  - lane 1: the browser tests on SQLite, then each app alone in fresh venvs and bare hosts on
#    Django 4.2 and 5.2 (scripts/check-hosts.sh);
#  - lane 2 (in the foreground): every other test on SQLite, then the database suites again on
#    PostgreSQL (the trials included, at PAYOUT_TRIALS_PG / LIFECYCLE_TRIALS_PG);
#  - lane 3: the randomized payout trials on SQLite at full size, then the bare hosts on
#    Django 6.1.
# The whole `make test` on the 2-core CI machine: 43 minutes with the stages one after the other;
# 21.6 (quiet machine) to 34 minutes in two lanes; 19.5 minutes in these three on the same quiet
# machine. Lanes 1 and 3 are printed when all are done; a failing stage in any lane fails the run.
LANE=$(mktemp -d /tmp/peerlearn-lane.XXXXXX)
lanes=$SECONDS
echo "== before the lanes: $SECONDS s"
# stage NAME COMMAND...: runs a stage of a background lane into $LANE/NAME.log and .rc.
stage() {
  local name=$1
  shift
  "$@" >"$LANE/$name.log" 2>&1
  echo $? >"$LANE/$name.rc"
  echo "-- $name done at $((SECONDS - lanes)) s" >>"$LANE/$name.log"
}
# The two background lanes (their stages' output is printed at the end).
browser_then_hosts() {
  EXPECT_DB_VENDOR=sqlite stage browser $BIN/pytest -q -m browser --durations=10 "$@"
  HOST_SERIES="4.2 5.2" stage hosts-a bash scripts/check-hosts.sh
}
trials_then_hosts() {
  EXPECT_DB_VENDOR=sqlite stage trials $BIN/pytest -q -m trials --durations=5 "$@"
  HOST_SERIES="6.1" stage hosts-b bash scripts/check-hosts.sh
}
echo "== lane 1 (beside this one): browser tests on SQLite, then the bare hosts on Django 4.2, 5.2"
echo "== lane 3 (beside this one): randomized trials on SQLite, then the bare hosts on Django 6.1"
background=()
for lane in browser_then_hosts trials_then_hosts; do
  (
    set +e
    $lane "$@"
  ) &
  background+=($!)
done
echo "== lane 2: tests on SQLite (all but the browser tests and the trials)"
sqlite_status=0
EXPECT_DB_VENDOR=sqlite $BIN/pytest -q -m "not browser and not trials" --durations=15 "$@" || sqlite_status=$?
echo "-- lane 2: SQLite done at $((SECONDS - lanes)) s"
echo "== lane 2: tests on PostgreSQL (database suites)"
pg_status=0
PAYOUT_TRIALS=${PAYOUT_TRIALS_PG:-200} LIFECYCLE_TRIALS=${LIFECYCLE_TRIALS_PG:-50} EXPECT_DB_VENDOR=postgresql DATABASE_URL=$PG_URL $BIN/pytest -q -m "not browser" --durations=15 packages tests "$@" || pg_status=$?
echo "-- lane 2: PostgreSQL done at $((SECONDS - lanes)) s"
wait "${background[@]}" || true
echo "== lane 1: browser tests on SQLite"
cat "$LANE/browser.log"
echo "== lane 3: randomized trials on SQLite"
cat "$LANE/trials.log"
echo "== lanes 1 and 3: each app alone in a bare host"
# Django's own check output (W006 on 4.2) stays; the sandbox's and uv's chatter does not.
grep -hv '^Using Python\|^Checked [0-9]* packages\|^All installed packages' "$LANE/hosts-a.log" "$LANE/hosts-b.log" || true
rc() { cat "$LANE/$1.rc" 2>/dev/null || echo 1; }
browser_status=$(rc browser)
trials_status=$(rc trials)
hosts_status=$(($(rc hosts-a) | $(rc hosts-b)))
rm -rf "$LANE"
echo "== stages: SQLite $sqlite_status, trials $trials_status, PostgreSQL $pg_status, browser $browser_status, bare hosts $hosts_status (0 is a pass)"
for status in "$sqlite_status" "$trials_status" "$pg_status" "$browser_status" "$hosts_status"; do
  [ "$status" = 0 ] || exit 1
done
