"""Django's Redis cache with one connection pool per server for the whole process.

Why: Django keeps cache backends per context (``caches`` is an asgiref ``Local`` that is not
thread-critical), and under ASGI every request runs in a context of its own. Each request then
builds a new ``RedisCache``, a new connection pool and a new TCP connection to Redis, so every
throttled API call paid a connect and a handshake, and left a socket in TIME_WAIT (measured: 20
requests, 20 connections). redis-py's pools are thread-safe and reset themselves in a forked
child, so one pool per (server, options) serves every request of the process.

Select it as the cache backend (the site does when ``REDIS_URL`` is set)::

    CACHES = {"default": {"BACKEND": "peerlearn_core.cache.RedisCache", "LOCATION": "redis://..."}}

Options are Django's ``RedisCache`` options."""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_pools: dict = {}
_pools_lock = threading.Lock()


class SharedPoolClient(RedisCacheClient):
    # Overrides Django's private pool lookup (the same on Django 4.2, 5.2 and 6.1).
    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)
        server = self._servers[index]
        key = (self._pool_class, server, repr(sorted(self._pool_options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(server, **self._pool_options)
        return pool


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolClient
