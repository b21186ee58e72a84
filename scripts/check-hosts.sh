#!/usr/bin/env bash
# Each app alone in someone else's project (issue 13), a stage of `make test`.
#
# Builds every wheel once, then for each Django series (4.2 on Python 3.11, 5.2 on 3.11, 6.1 on
# 3.12) and each app: a fresh venv with the series' hash-pinned lock (requirements/hosts/,
# third-party only) and, with --no-deps, that app's wheel, the PeerLearn wheels it depends on and
# the development-only ones its tests use (peerlearn-testing; razorpay-sandbox for payouts and
# analytics); `uv pip check` (our wheels' requirements hold with that Django: nothing upgraded);
# `django-admin startproject mysite` wired with only the README's blocks
# (scripts/readme_host.py); `manage.py check`, `migrate`; the smoke and the sweep
# (`python -m peerlearn_testing.host`: the app's main flow by its user, 401/403 and never a 500
# for everyone else, every URL and socket); then the app's own tests from its folder, importing
# the installed wheel (never src/ or site/).
#
# HOST_SERIES ("4.2 5.2 6.1") and HOST_APPS ("core bookings payouts rtc analytics") narrow it;
# HOST_TRIALS (30) sizes the payouts trials here: the full-size runs are the main stages'.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=$REPO/.venv/bin
SERIES=${HOST_SERIES:-4.2 5.2 6.1}
APPS=${HOST_APPS:-core bookings payouts rtc analytics}
WORK=$(mktemp -d /tmp/peerlearn-hosts.XXXXXX)
started=$SECONDS
# Hard links from uv's cache: 1-2 s per venv instead of 3-7 s copying (uv copies by itself when the
# cache is on another file system).
export UV_NO_PROGRESS=1 UV_LINK_MODE=${UV_LINK_MODE:-hardlink}

python_for() { # the interpreter a series runs on: 6.x needs 3.12 (pyenv's when not on PATH)
  local want=3.11
  case $1 in 6.*) want=3.12 ;; esac
  # pyenv's shims answer for versions that are not selected, then fail: try each one for real.
  for p in "$HOME"/.pyenv/versions/"$want".*/bin/python"$want" python"$want"; do
    if "$p" -c 'import sys, venv' >/dev/null 2>&1; then command -v "$p"; return; fi
  done
  echo "check-hosts: Python $want (for Django $1) not found" >&2
  return 1
}
deps_of() { # the PeerLearn wheels an app's venv gets: itself, its dependencies, its test helpers
  case $1 in
    core) echo "core testing" ;;
    bookings) echo "core bookings testing" ;;
    payouts) echo "core bookings payouts testing sandbox" ;;
    rtc) echo "core bookings rtc testing" ;;
    analytics) echo "core bookings payouts rtc analytics testing sandbox" ;;
  esac
}
wheel_of() {
  case $1 in
    testing) ls "$WORK"/wheels/peerlearn_testing-*.whl ;;
    sandbox) ls "$WORK"/wheels/razorpay_sandbox-*.whl ;;
    *) ls "$WORK"/wheels/peerlearn_"$1"-*.whl ;;
  esac
}

echo "-- building the wheels"
$BIN/pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  --wheel-dir "$WORK/wheels" packages/peerlearn-{core,bookings,payouts,rtc,analytics,testing} \
  packages/razorpay-sandbox
ls "$WORK/wheels"

for series in $SERIES; do
  python=$(python_for "$series")
  lock=requirements/hosts/django-$series.txt
  for app in $APPS; do
    t0=$SECONDS
    venv=$WORK/$series-$app/venv
    host=$WORK/$series-$app/host
    echo "-- Django $series, peerlearn-$app: $($python --version), $lock"
    $BIN/uv venv --quiet --python "$python" "$venv"
    $BIN/uv pip install --quiet --python "$venv/bin/python" --require-hashes -r "$lock"
    wheels=()
    for dep in $(deps_of "$app"); do wheels+=("$(wheel_of "$dep")"); done
    $BIN/uv pip install --quiet --python "$venv/bin/python" --no-deps "${wheels[@]}"
    $BIN/uv pip check --python "$venv/bin/python"
    got=$("$venv/bin/python" -c 'import django; print(django.get_version())')
    case $got in "$series".*) ;; *) echo "check-hosts: Django $got installed, wanted $series" >&2; exit 1 ;; esac

    mkdir -p "$host"
    "$venv/bin/django-admin" startproject mysite "$host"
    echo "   README wiring: $("$venv/bin/python" scripts/readme_host.py "packages/peerlearn-$app/README.md" "$host")"
    (
      cd "$host"
      # Razorpay keys as the README reads them (the smoke points the app at a sandbox).
      export DJANGO_SETTINGS_MODULE=mysite.settings RAZORPAY_KEY_ID=rzp_test_host \
        RAZORPAY_KEY_SECRET=host-key-secret RAZORPAYX_ACCOUNT_NUMBER=7878780080316316 \
        RAZORPAY_WEBHOOK_SECRET=host-webhook-secret
      "$venv/bin/python" manage.py check
      "$venv/bin/python" manage.py migrate --noinput -v0
      PEERLEARN_SMOKE=1 "$venv/bin/python" -m peerlearn_testing.host > report.json
      "$venv/bin/python" - <<'EOF'
import json

from peerlearn_testing.host import problems

with open("report.json") as lines:
    report = json.loads(lines.read().strip().splitlines()[-1])  # the last line is the report
found = problems(report)
smoke = report["smoke"]
print(f"   smoke: {sum(r['ok'] for r in smoke)}/{len(smoke)} held; sweep: "
      f"{len(report['responses'])} requests, {len(report['sockets'])} sockets, "
      f"{len(found)} problems")
for line in found:
    print("   PROBLEM", line)
raise SystemExit(1 if found or not smoke else 0)
EOF
    )
    if ! (cd "packages/peerlearn-$app" &&
      PAYOUT_TRIALS=${HOST_TRIALS:-30} LIFECYCLE_TRIALS=${HOST_TRIALS:-30} \
        "$venv/bin/pytest" -q -p no:cacheprovider >"$WORK/$series-$app/pytest.log" 2>&1); then
      tail -n 80 "$WORK/$series-$app/pytest.log"
      echo "check-hosts: peerlearn-$app's own tests failed on Django $series ($WORK kept)" >&2
      exit 1
    fi
    echo "   own tests: $(tail -n 1 "$WORK/$series-$app/pytest.log")"
    echo "   took $((SECONDS - t0)) s"
  done
done
rm -rf "$WORK"
echo "-- every app passed in a bare host on Django ${SERIES// /, } in $((SECONDS - started)) s"
