"""Django's SQLite backend with connections kept for the next request of the process.

Why: Django keeps a database connection per request context, and under ASGI every request has a
context of its own, so ``CONN_MAX_AGE`` never applies: each request opened a new SQLite
connection and paid again for what a connection learns once (the open, Django's SQL functions,
the PRAGMAs, and SQLite reading the schema for its first statement), about 2.6 ms of the
mentor's Ready before the learners' push could leave (docs/benchmarks.md, issue 11 part 8).

Here a connection Django closes goes back to a per-process list of idle connections instead,
rolled back and with its foreign keys on, and the next ``connect()`` takes it. Kept only for a
file database (an in-memory one is never closed by Django anyway) and only when the connection
is closed outside ``atomic``. A kept connection is used again only while the database file is
the same file (device and inode): a test database deleted and created again at the same path
gets new connections. After a fork the child never takes the parent's connections.

Use it as ``"ENGINE": "peerlearn_core.db.sqlite3"``; everything else is Django's backend.
"""

import os
import threading

from django.db.backends.sqlite3 import base

# Idle connections kept per database and process: enough for the sync threads of a burst of
# requests; beyond that they are closed as before.
MAX_IDLE = 16

_lock = threading.Lock()
_idle: dict[tuple, list[tuple[object, tuple[int, int] | None]]] = {}


def _file_identity(path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return status.st_dev, status.st_ino


def idle_connections() -> int:
    """How many connections this process keeps for reuse (all databases)."""
    with _lock:
        return sum(len(kept) for key, kept in _idle.items() if key[0] == os.getpid())


def close_idle_connections() -> None:
    with _lock:
        kept = [connection for entries in _idle.values() for connection, _file in entries]
        _idle.clear()
    for connection in kept:
        connection.close()


class DatabaseWrapper(base.DatabaseWrapper):
    _kept_as: tuple | None = None
    _kept_file: tuple[int, int] | None = None

    def get_new_connection(self, conn_params):
        if self.is_in_memory_db():
            self._kept_as = None
            return super().get_new_connection(conn_params)
        key = (
            os.getpid(),
            repr(sorted(conn_params.items())),
            tuple(getattr(self, "init_commands", ())),
        )
        identity = _file_identity(conn_params.get("database"))
        stale = []
        taken = None
        with _lock:
            kept = _idle.get(key, [])
            while kept and taken is None:
                connection, file = kept.pop()
                if identity is not None and file == identity:
                    taken = connection
                else:
                    stale.append(connection)
        for connection in stale:
            connection.close()
        if taken is None:
            taken = super().get_new_connection(conn_params)
            identity = _file_identity(conn_params.get("database"))  # created by the open
        self._kept_as, self._kept_file = key, identity
        return taken

    def _close(self):
        connection = self.connection
        if connection is None or self._kept_as is None or self.in_atomic_block:
            return super()._close()
        try:
            with self.wrap_database_errors:
                if connection.in_transaction:
                    connection.rollback()
                # A caller that turned constraint checks off and failed before turning them
                # back on must not hand that to the next request.
                connection.execute("PRAGMA foreign_keys = ON")
        except Exception:
            return super()._close()
        with _lock:
            kept = _idle.setdefault(self._kept_as, [])
            if len(kept) < MAX_IDLE:
                kept.append((connection, self._kept_file))
                return None
        return super()._close()
