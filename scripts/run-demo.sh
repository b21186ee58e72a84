#!/usr/bin/env bash
# `make run`: the local Razorpay sandbox, the periodic jobs and Daphne, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
export SANDBOX_PORT=${SANDBOX_PORT:-8765}

children=()
cleanup() { for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -z "${RAZORPAY_KEY_ID:-}" ]; then
  # No real keys: the sandbox plays Razorpay (same fake keys the settings default to in DEBUG).
  RAZORPAY_KEY_ID=rzp_test_sandbox RAZORPAY_KEY_SECRET=sandbox-key-secret \
  RAZORPAY_WEBHOOK_SECRET=sandbox-webhook-secret RAZORPAYX_ACCOUNT_NUMBER=7878780080316316 \
    $BIN/python -m razorpay_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" --auto-advance \
      --webhook-url "http://127.0.0.1:$PORT/api/payouts/razorpay/webhook/" &
  children+=($!)
  echo "Razorpay sandbox on http://127.0.0.1:$SANDBOX_PORT (checkout page: /checkout)"
fi

# Periodic jobs: payout and refund reconciliation and seat-hold release every 30 s; every
# minute, sessions whose end time passed are completed and the earnings repair accrues whatever
# a completion's receiver missed (accrual never depends on a push or a receiver succeeding).
$BIN/python manage.py reconcile_payouts --every 30 --release-holds >var/reconcile.log 2>&1 &
children+=($!)
( while true; do
    $BIN/python manage.py complete_due_sessions >>var/complete.log 2>&1
    $BIN/python manage.py accrue_earnings >>var/complete.log 2>&1
    sleep 60
  done ) &
children+=($!)

$BIN/python manage.py seed_demo
echo
echo "PeerLearn: http://localhost:$PORT/   (Ctrl-C stops everything)"
$BIN/daphne -b 0.0.0.0 -p "$PORT" peerlearn.asgi:application
