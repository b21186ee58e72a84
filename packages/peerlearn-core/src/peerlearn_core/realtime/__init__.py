"""Realtime helpers: group names and broadcasts that leave only after the transaction commits."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel-layer event type every PeerLearn consumer relays verbatim to its socket.
RELAY = "relay"
# Several frames for one socket's group in one channel-layer message (a learner's notification
# and badge counts: half the sends of a 500-learner fan-out).
RELAY_BATCH = "relay.batch"


def notifications_group(user_id: int) -> str:
    return f"notifications_{user_id}"


def session_group(session_id: int) -> str:
    return f"session_{session_id}"


def room_group(session_id: int) -> str:
    return f"room_{session_id}"


def user_group(user_id: int) -> str:
    """Every socket a user has open, whatever it shows: access changes are announced here."""
    return f"user_{user_id}"


# Channel-layer event types the base consumer handles (never relayed to the browser).
ACCESS_RECHECK = "access.recheck"
ACCESS_LOGOUT = "access.logout"
ACCESS_REVOKE = "access.revoke"


def group_event(group: str, event: dict) -> dict:
    """Every event names its group: a process channel that joined many shared groups (see
    ``shared``) learns from it which local sockets the event is for."""
    return {**event, "group": group}


def _send_event(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    from .shared import send_to_group

    try:
        async_to_sync(send_to_group)(layer, group, group_event(group, event))
    except Exception:  # best effort: state lives in the database, sockets re-sync on reconnect
        logger.exception("group_send to %s failed", group)


def recheck_access(user_id: int) -> None:
    """After commit, ask every open socket of ``user_id`` to check again what it may show: a
    socket whose groups its user may no longer see closes (4403). Call it whenever a write takes
    access away (a cancelled booking, say)."""
    event = {"type": ACCESS_RECHECK}
    transaction.on_commit(lambda: _send_event(user_group(user_id), event), robust=True)


def revoke_access(user_id: int, group: str) -> None:
    """After commit, drop ``user_id``'s sockets from ``group`` and close them (4403). Sent through
    the group itself, so it is ordered with the group's pushes: none sent after this commit
    reaches that user."""
    event = {"type": ACCESS_REVOKE, "user_id": user_id}
    transaction.on_commit(lambda: _send_event(group, event), robust=True)


def close_session_sockets(user_id: int, session_key: str | None) -> None:
    """Close (4401) the user's sockets that were opened with this login session's cookie (a
    logout); sockets opened with a bearer token live until the token expires."""
    if session_key:
        _send_event(user_group(user_id), {"type": ACCESS_LOGOUT, "session_key": session_key})


def opened_by_login(scope, session_key: str | None) -> bool:
    """Whether a socket was opened with the session cookie of this login (not a bearer token)."""
    session = scope.get("session")
    if scope.get("auth_expires_at") is not None or session is None or not session_key:
        return False
    return session.session_key == session_key


def send_now(group: str, message_type: str, payload: dict) -> None:
    """Send to a group immediately (use ``broadcast`` from inside writes). Best effort: the state
    already lives in the database."""
    _send_event(group, relay_event(message_type, payload))


def relay_event(message_type: str, payload: dict) -> dict:
    return {"type": RELAY, "message": {"type": message_type, **payload}}


def relay_batch_event(messages: list[tuple[str, dict]]) -> dict:
    """One event relaying ``[(message_type, payload), ...]`` as that many frames, in order."""
    return {"type": RELAY_BATCH, "messages": [{"type": t, **payload} for t, payload in messages]}


async def _group_send_all(layer, events: list[tuple[str, dict]]) -> None:
    from . import redis_batch

    if redis_batch.batches(layer):
        try:
            await redis_batch.group_send_many(
                layer, [(group, group_event(group, event)) for group, event in events]
            )
        except Exception:
            logger.exception("sending %d pushes failed", len(events))
        return
    # One after the other, yielding between sends: the sockets' own deliveries (the session push
    # that left just before) go first.
    for group, event in events:
        try:
            await layer.group_send(group, group_event(group, event))
        except Exception:
            logger.exception("group_send to %s failed", group)
        await asyncio.sleep(0)


def _server_loop():
    """The event loop serving this request's thread (Daphne's), or None outside a server."""
    import os

    from asgiref.sync import SyncToAsync

    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


_background: set = set()


def _submit(coroutine_function, *args) -> bool:
    """Run ``coroutine_function(*args)`` as a background job on the server's event loop; False
    outside a server (nothing was started)."""
    loop = _server_loop()
    if loop is None:
        return False
    future = asyncio.run_coroutine_threadsafe(coroutine_function(*args), loop)
    _background.add(future)
    future.add_done_callback(_background.discard)
    return True


async def _run_sync(work) -> None:
    from asgiref.sync import sync_to_async

    from .shared import fan_outs_done

    try:
        await fan_outs_done()
        # Thread-sensitive outside a request: Django's one shared sync thread, so such jobs run
        # one at a time and in the order they were started (coalescing relies on it).
        await sync_to_async(work)()
    except Exception:
        logger.exception("background work %r failed", work)


def after_commit_in_background(work) -> None:
    """After commit, run ``work()`` (sync; it may write and push) off the request: inside a
    server as a background job, so the response does not wait for it; elsewhere (commands,
    tests) at once. For per-user follow-ups of a write (500 learners' notification rows and
    pushes), never for the write itself: a process that dies before the job ran loses it."""

    def start() -> None:
        if not _submit(_run_sync, work):
            try:
                work()
            except Exception:
                logger.exception("work %r after commit failed", work)

    transaction.on_commit(start, robust=True)


def send_many_now(events: list[tuple[str, dict]]) -> None:
    """Send many (group, event) pairs as ONE job on the event loop: the per-user pushes of a
    fan-out (a notification and badges for each of 500 learners) cost the request thread one
    hand-off, not a round trip per message. Inside a server the job runs in the background, so
    the request answers without waiting for it; elsewhere (commands, tests) it runs to the end."""
    layer = get_channel_layer()
    if layer is None or not events or _submit(_group_send_all, layer, events):
        return
    try:
        async_to_sync(_group_send_all)(layer, events)
    except Exception:
        logger.exception("sending %d pushes failed", len(events))


def broadcast_many_lazy(build_events) -> None:
    """After commit, ``build_events()`` → [(group, event)] and all of them in one hop. Queued
    after the broadcasts of the same transaction, so a session push leaves first."""

    def push() -> None:
        try:
            events = build_events()
        except Exception:
            logger.exception("building a fan-out failed")
            return
        send_many_now(events)

    transaction.on_commit(push, robust=True)


def broadcast(group: str, message_type: str, payload: dict) -> None:
    """Push ``{type: message_type, **payload}`` to ``group`` once the current transaction commits.

    Receivers must never see a state the database rolled back, so nothing leaves before commit.
    Pushes are best effort and robust: one that fails is logged and never stops the on-commit
    callbacks queued after it (signals that move money among them).
    """
    transaction.on_commit(lambda: send_now(group, message_type, payload), robust=True)


def broadcast_lazy(group: str, message_type: str, build_payload) -> None:
    """Like ``broadcast`` but computes the payload after commit (e.g. counts that need the DB).
    A payload builder that raises is logged and skipped, like a failed send."""

    def push() -> None:
        try:
            payload = build_payload()
        except Exception:
            logger.exception("building the %s push to %s failed", message_type, group)
            return
        send_now(group, message_type, payload)

    transaction.on_commit(push, robust=True)
