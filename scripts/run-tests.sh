#!/usr/bin/env bash
# The whole suite: lint, OpenAPI validation, API fuzzing (scripts/fuzz-api.sh), every test on
# SQLite, then the database suites again on PostgreSQL. Exits non-zero on the first failing stage.
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
# 20 cases per operation and phase: about 2,400 requests per role, ~3 minutes on two cores.
# Opt-in until one whole clean-clone `make test` has run it (FUZZ_API=1 turns it on).
if [ "${FUZZ_API:-0}" = 1 ]; then
  FUZZ_MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-20} bash scripts/fuzz-api.sh
else
  echo "(skipped: FUZZ_API=1 runs it; see issue 12)"
fi
echo "== migrations are up to date"
$BIN/python manage.py makemigrations --check --dry-run >/dev/null
echo "== tests on SQLite (everything)"
export EXPECT_DB_VENDOR=sqlite
$BIN/pytest -q "$@"
echo "== tests on PostgreSQL (database suites)"
PAYOUT_TRIALS=${PAYOUT_TRIALS_PG:-200} LIFECYCLE_TRIALS=${LIFECYCLE_TRIALS_PG:-50} EXPECT_DB_VENDOR=postgresql DATABASE_URL=$PG_URL $BIN/pytest -q -m "not browser" packages tests "$@"
