#!/usr/bin/env bash
# Installs and starts what the tests need. Under CI=true anything missing is an error.
set -euo pipefail
ci=${CI:-}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
fail_or_warn() {
  if [ "$ci" = "true" ] || [ "$ci" = "1" ]; then echo "test-deps: $1" >&2; exit 1; fi
  echo "test-deps: warning: $1 (those tests will be skipped)" >&2
}

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "test-deps: installing Debian chromium"
  apt_install chromium || fail_or_warn "chromium is missing and could not be installed"
fi
if ! command -v redis-server >/dev/null; then
  echo "test-deps: installing redis-server"
  apt_install redis-server || fail_or_warn "redis-server is missing and could not be installed"
fi
if ! command -v turnserver >/dev/null; then
  # coturn: tests/test_rtc_aiortc.py starts its own turnserver on loopback (nothing runs as a service).
  echo "test-deps: installing coturn (turnserver)"
  apt_install coturn || fail_or_warn "coturn (turnserver) is missing and could not be installed"
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "test-deps: starting redis-server"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/peerlearn-redis.log || fail_or_warn "redis-server did not start"
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "test-deps: starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start \
      || fail_or_warn "PostgreSQL did not start"
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && break; sleep 0.1; done
  else
    fail_or_warn "PostgreSQL is not running on 127.0.0.1:5432 and no cluster is installed"
  fi
fi
echo "test-deps: ok"
