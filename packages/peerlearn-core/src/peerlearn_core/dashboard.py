"""The dashboard shell's registry: apps plug in tabs and badge counters from AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass, field

# Badge keys the contract always reports, even before an app registers a counter for them.
CONTRACT_BADGES = ("requests", "notifications", "earnings")


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    roles: tuple[str, ...]
    template: str
    order: int = 50
    badge: str | None = None
    scripts: tuple[str, ...] = field(default_factory=tuple)


class DashboardRegistry:
    def __init__(self) -> None:
        self._tabs: dict[str, Tab] = {}
        self._badges: dict[str, Callable] = {}

    def register_tab(self, tab: Tab) -> None:
        self._tabs[tab.key] = tab

    def register_badge(self, key: str, counter: Callable) -> None:
        """``counter(user) -> int``; one cheap query at most, it runs on every badge push."""
        self._badges[key] = counter

    def tabs_for(self, role: str) -> list[Tab]:
        return sorted(
            (tab for tab in self._tabs.values() if role in tab.roles),
            key=lambda tab: (tab.order, tab.key),
        )

    def badge_counts(self, user) -> dict[str, int]:
        counts = dict.fromkeys(CONTRACT_BADGES, 0)
        for key, counter in self._badges.items():
            counts[key] = int(counter(user))
        return counts


registry = DashboardRegistry()
