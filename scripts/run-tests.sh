#!/usr/bin/env bash
# The whole suite: lint, OpenAPI validation, API fuzzing (scripts/fuzz-api.sh), every test on
# SQLite, then the database suites again on PostgreSQL beside each app alone in fresh bare hosts
# on Django 4.2, 5.2 and 6.1 (scripts/check-hosts.sh). Exits non-zero on a failing stage.
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
echo "== tests on SQLite (everything)"
export EXPECT_DB_VENDOR=sqlite
$BIN/pytest -q "$@"
# The two last stages share the machine (neither drives a browser): the apps alone in fresh
# venvs and bare hosts on Django 4.2, 5.2 and 6.1 (scripts/check-hosts.sh), beside the database
# suites on PostgreSQL. The hosts' log is printed when both are done.
echo "== each app alone in a bare host (Django 4.2, 5.2, 6.1), beside the PostgreSQL stage"
HOSTS_LOG=$(mktemp /tmp/peerlearn-hosts-log.XXXXXX)
bash scripts/check-hosts.sh >"$HOSTS_LOG" 2>&1 &
hosts=$!
echo "== tests on PostgreSQL (database suites)"
pg_status=0
PAYOUT_TRIALS=${PAYOUT_TRIALS_PG:-200} LIFECYCLE_TRIALS=${LIFECYCLE_TRIALS_PG:-50} EXPECT_DB_VENDOR=postgresql DATABASE_URL=$PG_URL $BIN/pytest -q -m "not browser" packages tests "$@" || pg_status=$?
hosts_status=0
wait "$hosts" || hosts_status=$?
echo "== each app alone in a bare host: the log"
# Django's own check output (W006 on 4.2) stays; the sandbox's and uv's chatter does not.
grep -v '^Using Python\|^Checked [0-9]* packages\|^All installed packages' "$HOSTS_LOG" || true
rm -f "$HOSTS_LOG"
if [ "$pg_status" != 0 ] || [ "$hosts_status" != 0 ]; then
  echo "== failed: PostgreSQL stage $pg_status, bare hosts stage $hosts_status" >&2
  exit 1
fi
