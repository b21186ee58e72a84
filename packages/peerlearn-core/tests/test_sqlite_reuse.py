"""peerlearn_core.db.sqlite3: a connection Django closes is used again by the next request (a new
connection object, as each ASGI request gets), never with a transaction, disabled constraint
checks or a database file that was replaced."""

import sqlite3
import threading

import pytest
from django.db import connections, transaction

from peerlearn_core.db.sqlite3 import base as reuse


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A file database under the alias ``reuse``, on this backend."""
    path = tmp_path / "reuse.sqlite3"
    settings = {**connections["default"].settings_dict}
    settings.update(ENGINE="peerlearn_core.db.sqlite3", NAME=str(path), OPTIONS={}, TEST={})
    connections.settings["reuse"] = settings
    reuse.close_idle_connections()
    # Its own database, outside the test database's isolation (the test cleans up after itself).
    with django_db_blocker.unblock():
        yield path, settings
    reuse.close_idle_connections()
    del connections.settings["reuse"]


def _request(settings, work):
    """``work(connection)`` in a new thread, on the new connection object Django makes for it (as
    for each request under ASGI), closed at its end as ``request_finished`` closes it."""
    out = {}

    def run():
        connection = connections["reuse"]
        try:
            out["value"] = work(connection)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return out.get("value")


def _raw(connection):
    connection.ensure_connection()
    return connection.connection


def test_the_next_request_takes_the_connection_the_last_one_closed(database):
    _path, settings = database
    first = _request(settings, _raw)
    assert reuse.idle_connections() == 1
    second = _request(settings, _raw)
    assert second is first
    assert isinstance(second, sqlite3.Connection)
    assert reuse.idle_connections() == 1


def test_work_left_uncommitted_is_rolled_back_before_the_connection_is_kept(database):
    _path, settings = database

    def create(connection):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE note (text TEXT)")

    def write_without_commit(connection):
        connection.set_autocommit(False)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO note VALUES ('left over')")
        return connection.connection

    def read(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM note")
            return cursor.fetchone()[0], connection.connection, connection.get_autocommit()

    _request(settings, create)
    writer = _request(settings, write_without_commit)
    count, reader, autocommit = _request(settings, read)
    assert reader is writer  # the same connection, and nothing of the last request's work
    assert count == 0
    assert autocommit is True


def test_a_connection_closed_inside_atomic_is_not_kept(database):
    _path, settings = database

    def close_in_atomic(connection):
        with transaction.atomic(using="reuse"):
            raw = _raw(connection)
            connection.close()
        return raw

    closed = _request(settings, close_in_atomic)
    assert reuse.idle_connections() == 0
    assert _request(settings, _raw) is not closed


def test_constraint_checks_are_on_again_for_the_next_request(database):
    _path, settings = database

    def disable(connection):
        assert connection.disable_constraint_checking()
        return connection.connection

    def foreign_keys(connection):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            return cursor.fetchone()[0], connection.connection

    disabled = _request(settings, disable)
    enabled, raw = _request(settings, foreign_keys)
    assert raw is disabled
    assert enabled == 1


def test_a_replaced_database_file_gets_a_new_connection(database):
    path, settings = database

    def marker(connection):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS marker (name TEXT)")
            cursor.execute("SELECT name FROM marker")
            return [row[0] for row in cursor.fetchall()], connection.connection

    _names, old = _request(settings, marker)
    path.unlink()
    with sqlite3.connect(path) as fresh:  # another database at the same path
        fresh.execute("CREATE TABLE marker (name TEXT)")
        fresh.execute("INSERT INTO marker VALUES ('new file')")
    fresh.close()
    names, raw = _request(settings, marker)
    assert raw is not old
    assert names == ["new file"]


def test_idle_connections_are_capped(database, monkeypatch):
    _path, settings = database
    monkeypatch.setattr(reuse, "MAX_IDLE", 2)
    opened = threading.Barrier(4)

    def hold(connection):
        connection.ensure_connection()
        opened.wait(10)  # four connections open at once, then closed

    threads = [threading.Thread(target=_request, args=(settings, hold)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert reuse.idle_connections() == 2
