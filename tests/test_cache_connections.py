"""The Redis cache under ASGI: one connection pool per Daphne process, not one per request.

Django keeps cache backends per context and Daphne runs each request in a context of its own, so
with Django's own RedisCache every throttled request opened a new TCP connection to Redis
(peerlearn_core.cache). Measured here on a private redis-server that nothing else talks to: its
count of connections received, before and after 30 throttled requests to one Daphne."""

import shutil
import subprocess

import pytest
import redis
import requests

from .conftest import SiteServer, free_port, port_open, require, site_env

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REQUESTS = 30


@pytest.fixture
def private_redis(tmp_path):
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # redis-server logs this line once it listens; if it fails, it exits and the pipe ends.
        for line in proc.stdout:
            if "Ready to accept connections" in line:
                break
        assert proc.poll() is None and port_open("127.0.0.1", port), "redis-server did not start"
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def connections_received(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return client.info("stats")["total_connections_received"]
    finally:
        client.close()


def test_throttled_requests_share_the_process_redis_connections(tmp_path, private_redis):
    site = SiteServer(site_env(tmp_path, REDIS_URL=private_redis), free_port())
    site.manage("migrate", "--noinput", "-v0")
    site.start()
    try:
        # Warm the process (its first request may open the pool's connection).
        requests.post(f"{site.url}/api/auth/token/", json={}, timeout=30)
        before = connections_received(private_redis)
        answers = [
            requests.post(
                f"{site.url}/api/auth/token/",
                json={"email": f"nobody{i}@example.test", "password": "wrong-pass-1"},
                timeout=30,
            ).status_code
            for i in range(REQUESTS)
        ]
        # Our own INFO call above is one connection; each request opened one more before.
        opened = connections_received(private_redis) - before - 1
    finally:
        site.stop()
    # Every request went through the auth throttles (the cache) and was answered.
    assert answers == [401] * REQUESTS
    assert opened <= 2, f"{opened} Redis connections for {REQUESTS} requests"
