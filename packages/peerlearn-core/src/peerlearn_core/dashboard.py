"""The dashboard shell's registry: apps plug in tabs, panels and badge counters from
AppConfig.ready().

A tab belongs to the app that registers it. An app higher up the stack adds to another app's tab
with a panel (a template and its scripts) instead of editing that tab: the dashboard renders a
tab's panels at the end of the tab, or where the tab's template names a slot with
``{% dashboard_slot "tab-key" "slot-name" %}``, so the tab's app never refers to the panel's.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# Badge keys the contract always reports, even before an app registers a counter for them.
CONTRACT_BADGES = ("requests", "notifications", "earnings")


@dataclass(frozen=True)
class Tab:
    """A dashboard tab. ``icon``: the ``d`` of each path of a 24×24 stroke icon (as kit/icon.js
    draws them); on phones the tab shows it above its label, so every tab fits the width."""

    key: str
    label: str
    roles: tuple[str, ...]
    template: str
    order: int = 50
    badge: str | None = None
    scripts: tuple[str, ...] = field(default_factory=tuple)
    icon: tuple[str, ...] = field(default_factory=tuple)


# The slot every tab has: after the tab's own template.
END_SLOT = "end"


@dataclass(frozen=True)
class Panel:
    """A template (and its scripts) an app adds to a tab registered by another app.

    ``slot``: a slot the tab's template names with ``{% dashboard_slot %}``; a panel whose slot the
    tab does not name is rendered at the end of the tab. The panel template is rendered with the
    dashboard's context; ``scripts`` load as modules after the tabs' scripts.
    """

    tab: str
    key: str
    template: str
    slot: str = END_SLOT
    order: int = 50
    scripts: tuple[str, ...] = field(default_factory=tuple)


class DashboardRegistry:
    def __init__(self) -> None:
        self._tabs: dict[str, Tab] = {}
        self._panels: dict[tuple[str, str], Panel] = {}
        self._badges: dict[str, Callable] = {}
        self._bulk_badges: dict[str, Callable] = {}
        self._socket_groups: list[Callable] = []

    def register_tab(self, tab: Tab) -> None:
        self._tabs[tab.key] = tab

    def register_panel(self, panel: Panel) -> None:
        """Add ``panel`` to the tab ``panel.tab`` (re-registering the same key replaces it)."""
        self._panels[(panel.tab, panel.key)] = panel

    def panels_for(self, tab: str, slot: str | None = None) -> list[Panel]:
        """The panels of ``tab`` (only those of ``slot`` when given), in order."""
        return sorted(
            (
                panel
                for panel in self._panels.values()
                if panel.tab == tab and (slot is None or panel.slot == slot)
            ),
            key=lambda panel: (panel.order, panel.key),
        )

    def scripts_for(self, tabs: list[Tab]) -> list[str]:
        """Every script the given tabs and their panels load, each once, tabs' scripts first."""
        scripts = [script for tab in tabs for script in tab.scripts]
        scripts += [
            script for tab in tabs for panel in self.panels_for(tab.key) for script in panel.scripts
        ]
        return list(dict.fromkeys(scripts))

    def register_badge(self, key: str, counter: Callable, *, many: Callable | None = None) -> None:
        """``counter(user) -> int``; one cheap query at most, it runs on every badge push.
        ``many(users) -> {user_pk: int}`` counts for many users in one grouped query (users
        missing from the result count 0); fan-outs to hundreds of users use it when given."""
        self._badges[key] = counter
        if many is not None:
            self._bulk_badges[key] = many
        else:
            self._bulk_badges.pop(key, None)

    def register_socket_groups(self, groups_for: Callable) -> None:
        """``groups_for(user) -> [group]``: extra channel-layer groups a user's notifications
        socket joins (an app's platform-wide channel, e.g. bookable sessions for learners). It
        runs at every connect: decide from the user alone, no queries."""
        if groups_for not in self._socket_groups:
            self._socket_groups.append(groups_for)

    def socket_groups(self, user) -> list[str]:
        return [group for groups_for in self._socket_groups for group in groups_for(user)]

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

    def badge_counts_many(self, users) -> dict[int, dict[str, int]]:
        """``badge_counts`` for many users: one query per badge that has a bulk counter (a
        counter without one still runs per user)."""
        users = list(users)
        counts = {user.pk: dict.fromkeys(CONTRACT_BADGES, 0) for user in users}
        for key, counter in self._badges.items():
            bulk = self._bulk_badges.get(key)
            if bulk is not None:
                found = bulk(users)
                for user in users:
                    counts[user.pk][key] = int(found.get(user.pk, 0))
            else:
                for user in users:
                    counts[user.pk][key] = int(counter(user))
        return counts


registry = DashboardRegistry()
