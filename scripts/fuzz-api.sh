#!/usr/bin/env bash
# Fuzz the API with schemathesis (`--checks all`) against a live Daphne, once with a mentor's token
# and once with a learner's, and fail on any failure. Prints each command (token redacted) and the
# number of cases run. Own data directory, SQLite file, ports and Razorpay sandbox: it touches
# nothing else.
#
# Not yet in `make test` (scripts/run-tests.sh), because it still fails. What it reported last
# (FUZZ_MAX_EXAMPLES=10, about 1,100-1,300 cases per role, 0 server errors):
# - ST105 for every operation with an id in its path: a non-integer id (`/api/sessions/null/`)
#   gets Django's HTML 404. Fixed by the JSON 404 for everything under /api/ (issue 12, another
#   slice), nothing to change here.
# - ST202 "schema-valid request rejected" where a rule cannot be said in OpenAPI: start times and
#   preferred times in the future (POST/PATCH /api/sessions/, POST /api/requests/, accept),
#   Django's password validators (register), the analytics range cap (earnings ?from=), the payout
#   minimum/maximum settings, unknown Razorpay orders (payments/verify), the webhook's signature
#   (Razorpay only), and an avatar upload that is not an image (PATCH /api/me/ multipart). Each
#   answers 400 with the field's message, as documented; making the check pass needs per-operation
#   `expected-statuses` in a schemathesis.toml, a choice left to review.
# - ST201 on POST /api/requests/: DRF's CharField takes a JSON number for a string (`"message":
#   0`); rejecting it means a strict CharField across the serializers.
# NUL characters are not generated: DRF refuses them in every string field (400), a
# rule the schema does not repeat on each field. Usage: scripts/fuzz-api.sh [extra `st run` options, e.g. --max-examples 20]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
export DEBUG=1
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
WORKDIR=$(mktemp -d /tmp/peerlearn-fuzz.XXXXXX)
free_port() { $BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
SANDBOX_PORT=$(free_port)

export PEERLEARN_DATA_DIR=$WORKDIR SQLITE_PATH=$WORKDIR/fuzz.sqlite3 PYTHONUNBUFFERED=1
export DJANGO_SETTINGS_MODULE=peerlearn.settings
# Throttles high enough that the fuzzer exercises the endpoints rather than the 429s.
export THROTTLE_AUTH=100000/min THROTTLE_MONEY=100000/min THROTTLE_ACTIONS=100000/min
export RAZORPAY_KEY_ID=rzp_test_fuzz RAZORPAY_KEY_SECRET=fuzz-key-secret
export RAZORPAY_WEBHOOK_SECRET=fuzz-webhook-secret RAZORPAYX_ACCOUNT_NUMBER=7878780080316316
export RAZORPAY_BASE_URL=http://127.0.0.1:$SANDBOX_PORT
export RAZORPAY_CHECKOUT_URL=http://localhost:$SANDBOX_PORT/checkout

children=()
cleanup() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

$BIN/python -m razorpay_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" \
  --auto-advance >"$WORKDIR/sandbox.log" 2>&1 &
children+=($!)
$BIN/python manage.py migrate --noinput -v0
$BIN/daphne -b 127.0.0.1 -p "$PORT" peerlearn.asgi:application >"$WORKDIR/daphne.log" 2>&1 &
children+=($!)
BASE=http://localhost:$PORT
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$BASE/api/schema/" 2>/dev/null && break
  sleep 0.2
done

# Two accounts and a little data (a priced session, a booking, a request) so that the operations
# on ids have something to find; prints "MENTOR_TOKEN LEARNER_TOKEN".
read -r MENTOR LEARNER < <($BIN/python scripts/fuzz_seed.py "$BASE")

status=0
cd "$WORKDIR"  # schemathesis keeps its cache (.schemathesis/) in the working directory
for role in mentor learner; do
  token=$MENTOR
  [ "$role" = learner ] && token=$LEARNER
  log=$WORKDIR/$role.log
  cmd=($BIN/st run "$BASE/api/schema/" --checks all --max-examples "$MAX_EXAMPLES"
    --workers "${FUZZ_WORKERS:-1}" --no-color --generation-allow-x00 false "$@")
  echo "== schemathesis as the $role: ${cmd[*]} -H 'Authorization: Bearer <$role access token>'"
  if ! "${cmd[@]}" -H "Authorization: Bearer $token" | tee "$log"; then
    status=1
  fi
  # schemathesis's own count, e.g. "1253 generated, 42 found 45 unique failures, 69 skipped".
  echo "== schemathesis as the $role, cases: $(grep -E '^ *[0-9]+ generated' "$log" | tail -1 | xargs)"
done
echo "Daphne log: $WORKDIR/daphne.log"
exit $status
