"""Channel layers for one process (the embedded default, tests)."""

import math
import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    """Channels' in-memory layer with its expiry sweep run at most once a second.

    Channels sweeps every channel and every group membership on each send, group_send and
    receive, so one push to 500 learners' own groups walked about 500 × 1,000 entries. Expired
    messages and memberships now linger up to ``clean_interval`` longer; nothing else changes."""

    clean_interval = 1.0
    _cleaned_at = -math.inf

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_interval:
            return
        self._cleaned_at = now
        super()._clean_expired()
