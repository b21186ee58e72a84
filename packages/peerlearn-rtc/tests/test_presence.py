"""Presence in the database: heartbeats, sockets of a dead process pruned as lost, the welcome's
chat history, and the all_ready transition under concurrent writers."""

import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.db import close_old_connections, connection
from django.utils import timezone

from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_rtc import services
from peerlearn_rtc.models import RoomPeer
from peerlearn_rtc.testing.factories import make_room


def age(peer_id: str, seconds: int) -> None:
    """Pretend the peer's process died ``seconds`` ago (its heartbeats stopped)."""
    RoomPeer.objects.filter(peer_id=peer_id).update(
        seen_at=timezone.now() - timedelta(seconds=seconds)
    )


def row(peer_id: str) -> RoomPeer:
    return RoomPeer.objects.get(peer_id=peer_id)


@pytest.mark.django_db(transaction=True)
async def test_a_peer_whose_process_died_is_pruned_as_lost(sockets, rtc_override):
    rtc_override(PEER_STALE_SECONDS=45)
    room = await db(make_room)(learners=2)
    (l1, l2) = room.learners
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    ghost = await sockets.room(l1, room.session_id)
    await mentor_ws.expect("peer.joined", peer_id=ghost.peer_id)
    await db(age)(ghost.peer_id, 60)

    # A stale peer is no longer "present": the next one in does not see it.
    newcomer = await sockets.room(l2, room.session_id)
    assert [p["peer_id"] for p in newcomer.welcome["peers"]] == [mentor_ws.peer_id]
    await mentor_ws.expect("peer.left", peer_id=ghost.peer_id, reason="lost")
    await mentor_ws.expect("peer.joined", peer_id=newcomer.peer_id)
    pruned = await db(row)(ghost.peer_id)
    assert pruned.left_at is not None and pruned.left_reason == "lost"
    # The socket was alive after all (only its heartbeats were late): it is told to come back.
    assert await ghost.close_code() == 4000
    again = await sockets.room(l1, room.session_id)
    assert again.peer_id != ghost.peer_id
    await mentor_ws.expect("peer.joined", peer_id=again.peer_id)


@pytest.mark.django_db(transaction=True)
async def test_heartbeats_keep_a_peer_present(sockets, rtc_override):
    rtc_override(HEARTBEAT_SECONDS=0.1)
    room = await db(make_room)(learners=1)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    first_seen = (await db(row)(mentor_ws.peer_id)).seen_at
    await mentor_ws.nothing(0.5)  # a few heartbeats
    assert (await db(row)(mentor_ws.peer_id)).seen_at > first_seen


@pytest.mark.django_db(transaction=True)
async def test_a_socket_whose_row_is_gone_is_told_to_rejoin(sockets, rtc_override):
    rtc_override(HEARTBEAT_SECONDS=0.1)
    room = await db(make_room)(learners=1)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    # Marked left behind its back (e.g. pruned by another process whose push was lost).
    await db(RoomPeer.objects.filter(peer_id=mentor_ws.peer_id).update)(
        left_at=timezone.now(), left_reason="lost"
    )
    assert await mentor_ws.close_code() == 4000


@pytest.mark.django_db(transaction=True)
async def test_the_welcome_carries_recent_chat(sockets):
    room = await db(make_room)(learners=2)
    mentor_ws = await sockets.room(room.mentor, room.session_id)
    await mentor_ws.chat("before you came")
    await mentor_ws.expect("chat", text="before you came")
    late = await sockets.room(room.learners[0], room.session_id)
    assert [(m["text"], m["name"], m["from"]) for m in late.welcome["chat"]] == [
        ("before you came", room.mentor.name, mentor_ws.peer_id)
    ]


@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
@pytest.mark.django_db(transaction=True)
def test_all_ready_is_announced_once_when_everyone_turns_ready_at_once(monkeypatch):
    """Learners become ready in parallel threads (own connections): exactly one ``all_ready``."""
    room = make_room(learners=6)
    pushed: list[dict] = []
    lock = threading.Lock()

    def record(session_id, message, **kwargs):
        with lock:
            pushed.append(message)

    monkeypatch.setattr(services, "push_room", record)
    peers = [
        services.join_room(session_id=room.session_id, user=user, channel_name=f"t.{user.pk}")[0]
        for user in (room.mentor, *room.learners)
    ]
    services.set_ready(peer_id=peers[0].peer_id, ready=True)
    pushed.clear()

    barrier = threading.Barrier(len(peers) - 1)
    errors: list[BaseException] = []

    def ready(peer_id):
        try:
            barrier.wait(timeout=10)
            services.set_ready(peer_id=peer_id, ready=True)
        except BaseException as problem:  # reported below
            errors.append(problem)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=ready, args=(p.peer_id,)) for p in peers[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    kinds = [m["type"] for m in pushed]
    assert kinds.count("peer.ready") == len(peers) - 1
    assert kinds.count("all_ready") == 1
    # The one peer.ready that completed the room says so; the earlier ones do not.
    assert [m["all_ready"] for m in pushed if m["type"] == "peer.ready"].count(True) == 1
