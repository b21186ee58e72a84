#!/usr/bin/env bash
# Fuzz the API with schemathesis against a live Daphne, as a mentor and as a learner, and fail on
# anything it finds. A stage of `make test` (scripts/run-tests.sh).
#
# What a pass guarantees, for both roles: every operation of /api/schema/ was called with
# generated requests (examples, coverage, fuzzing and stateful phases, `--checks all`) and
#  - no response was a 5xx (not_a_server_error), and Daphne logged no traceback and no 5xx;
#  - every response (4xx included) has a status, content type, headers and body the schema
#    documents (status_code / content_type / response_headers / response_schema_conformance);
#  - every request that violates the schema was refused (negative_data_rejection), and every
#    request the schema allows was accepted (positive_data_acceptance), except where
#    schemathesis.toml lists an operation whose documented 400 also answers schema-valid requests
#    (each with the rule OpenAPI cannot state: password validators, signatures, image content...);
#  - authentication, methods and object access behave (ignored_auth, unsupported_method,
#    use_after_free, ensure_resource_availability, missing_required_header, ...).
# Session times are moved into the bookable window, and session requests addressed to the seeded
# mentor, by scripts/fuzz_hooks.py (see there), so the fuzzer creates, reschedules, books, asks
# for and accepts real sessions; negative form cases a form body cannot carry (`"bio": true`
# travels as the text "true") are dropped there too. NUL characters are not generated: DRF
# refuses them in every string field (400), a rule the schema does not repeat on each field.
#
# Own data directory, SQLite file, ports and Razorpay sandbox: it touches nothing else, and
# removes its directory when it passes (FUZZ_KEEP=1 keeps it). The roles run side by side
# against the same server. Prints each command (token redacted), each role's case counts and
# schemathesis's seed (rerun one with `--seed N`).
# Settings: FUZZ_MAX_EXAMPLES (cases per operation and phase, 25), FUZZ_WORKERS (1); extra
# arguments go to `st run` (e.g. --include-name 'POST /api/sessions/').
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
CONFIG=$PWD/schemathesis.toml
export FUZZ_REPO=$PWD # schemathesis.toml names its hooks file from here
export DEBUG=1
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
WORKDIR=$(mktemp -d /tmp/peerlearn-fuzz.XXXXXX)
free_port() { $BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
SANDBOX_PORT=$(free_port)
started=$SECONDS

export PEERLEARN_DATA_DIR=$WORKDIR SQLITE_PATH=$WORKDIR/fuzz.sqlite3 PYTHONUNBUFFERED=1
export DJANGO_SETTINGS_MODULE=peerlearn.settings
# Throttles high enough that the fuzzer exercises the endpoints rather than the 429s, and access
# tokens that outlive a long run.
export THROTTLE_AUTH=100000/min THROTTLE_AUTH_ACCOUNT=100000/min THROTTLE_MONEY=100000/min
export THROTTLE_ACTIONS=100000/min JWT_ACCESS_MINUTES=240
export RAZORPAY_KEY_ID=rzp_test_fuzz RAZORPAY_KEY_SECRET=fuzz-key-secret
export RAZORPAY_WEBHOOK_SECRET=fuzz-webhook-secret RAZORPAYX_ACCOUNT_NUMBER=7878780080316316
export RAZORPAY_BASE_URL=http://127.0.0.1:$SANDBOX_PORT
export RAZORPAY_CHECKOUT_URL=http://localhost:$SANDBOX_PORT/checkout

children=()
cleanup() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  children=()
}
trap cleanup EXIT INT TERM

$BIN/python -m razorpay_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" \
  --auto-advance >"$WORKDIR/sandbox.log" 2>&1 &
children+=($!)
$BIN/python manage.py migrate --noinput -v0
$BIN/daphne -b 127.0.0.1 -p "$PORT" peerlearn.asgi:application >"$WORKDIR/daphne.log" 2>&1 &
children+=($!)
BASE=http://localhost:$PORT
up=0
for _ in $(seq 150); do
  curl -fsS -o /dev/null "$BASE/api/schema/" 2>/dev/null && up=1 && break
  sleep 0.2
done
if [ $up = 0 ]; then
  echo "fuzz: Daphne did not serve $BASE/api/schema/ within 30 s; its log:" >&2
  cat "$WORKDIR/daphne.log" >&2
  exit 1
fi

# Two accounts and a little data (a priced session, a booking, a request) so that the operations
# on ids have something to find; prints "MENTOR_TOKEN LEARNER_TOKEN MENTOR_ID".
seeded=$($BIN/python scripts/fuzz_seed.py "$BASE")
read -r MENTOR LEARNER FUZZ_MENTOR_ID <<<"$seeded"
export FUZZ_MENTOR_ID # scripts/fuzz_hooks.py addresses session requests to this mentor

cd "$WORKDIR" # schemathesis keeps its cache (.schemathesis/) in the working directory
declare -A pids
for role in mentor learner; do
  token=$MENTOR
  [ "$role" = learner ] && token=$LEARNER
  cmd=($BIN/st --config-file "$CONFIG" run "$BASE/api/schema/" --checks all --max-examples "$MAX_EXAMPLES"
    --workers "${FUZZ_WORKERS:-1}" --no-color --generation-allow-x00 false "$@")
  echo "== schemathesis as the $role: ${cmd[*]} -H 'Authorization: Bearer <$role access token>'"
  mkdir -p "$WORKDIR/$role"
  (cd "$WORKDIR/$role" && "${cmd[@]}" -H "Authorization: Bearer $token") >"$WORKDIR/$role.log" 2>&1 &
  pids[$role]=$!
done

status=0
summary=()
for role in mentor learner; do
  if ! wait "${pids[$role]}"; then
    status=1
  fi
  echo "== schemathesis as the $role, output:"
  cat "$WORKDIR/$role.log"
  # schemathesis's own count, e.g. "2653 generated, 2653 passed, 81 skipped".
  cases=$(grep -E '^ *[0-9]+ generated' "$WORKDIR/$role.log" | tail -1 | xargs || true)
  seed=$(grep -E '^Seed: ' "$WORKDIR/$role.log" | tail -1 | cut -d' ' -f2 || true)
  summary+=("== schemathesis as the $role, cases: ${cases:-none counted} (seed ${seed:-?})")
done

# Server errors schemathesis cannot see (a failure after the response, in a background job).
if grep -nE 'Traceback|" 5[0-9]{2} ' "$WORKDIR/daphne.log" >"$WORKDIR/server-errors.log"; then
  echo "== Daphne logged server errors:"
  head -50 "$WORKDIR/server-errors.log"
  status=1
fi
printf '%s\n' "${summary[@]}"
echo "== fuzzing took $((SECONDS - started)) s"
cleanup
if [ $status = 0 ] && [ "${FUZZ_KEEP:-0}" != 1 ]; then
  rm -rf "$WORKDIR"
else
  echo "Logs: $WORKDIR (daphne.log, mentor.log, learner.log)"
fi
exit $status
