"""pytest fixtures for room tests (kept with the tests: the runtime wheel ships no pytest import)."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from peerlearn_rtc.testing.sockets import Sockets


@pytest.fixture
async def sockets():
    """``await sockets.room(user, session_id)`` etc.; every socket is closed at teardown, on a
    channel layer that starts empty (SQLite reuses ids, so a ``room_1`` of an earlier test must not
    linger)."""
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    opened = Sockets()
    yield opened
    await opened.close_all()
    # Consumers ran their queries on Channels' sync thread; let go of its connection, so that
    # PostgreSQL can drop the test database at the end (CONN_MAX_AGE would keep it open).
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def rtc_override(settings):
    """``rtc_override(ATTENDED_AFTER_SECONDS=1)``: change PEERLEARN_RTC keys for one test."""

    def apply(**values):
        settings.PEERLEARN_RTC = {**getattr(settings, "PEERLEARN_RTC", {}), **values}

    return apply
