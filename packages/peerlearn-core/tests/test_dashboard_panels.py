"""The dashboard registry's panels: an app adds a template and scripts to another app's tab,
rendered in a slot the tab names or at the tab's end."""

import pytest
from django.template import Context, Engine

from peerlearn_core.dashboard import DashboardRegistry, Panel, Tab, registry

TEMPLATES = {
    "tab.html": "{% load peerlearn %}[tab]{% dashboard_slot 'demo' 'top' %}[/tab]",
    "plain.html": "[plain tab]",
    "a.html": "<a>{{ panel.key }}:{{ who }}</a>",
    "b.html": "<b>{{ panel.key }}</b>",
    "c.html": "<c>{{ panel.key }}</c>",
}


@pytest.fixture
def engine():
    return Engine(
        loaders=[("django.template.loaders.locmem.Loader", TEMPLATES)],
        libraries={"peerlearn": "peerlearn_core.templatetags.peerlearn"},
    )


@pytest.fixture
def panels():
    """Panels on the global registry (the one the tags read), removed afterwards."""
    added = []

    def add(panel: Panel) -> Panel:
        registry.register_panel(panel)
        added.append(panel)
        return panel

    yield add
    for panel in added:
        registry._panels.pop((panel.tab, panel.key), None)


def render(engine, source: str, **context) -> str:
    context.setdefault("dashboard_slots_rendered", set())
    return engine.from_string(source).render(Context(context))


def test_panels_for_orders_and_filters_by_slot():
    r = DashboardRegistry()
    r.register_panel(Panel(tab="t", key="late", template="x", order=90))
    r.register_panel(Panel(tab="t", key="early", template="x", order=10, slot="top"))
    r.register_panel(Panel(tab="other", key="elsewhere", template="x"))
    r.register_panel(Panel(tab="t", key="late", template="y", order=90))  # replaces
    assert [p.key for p in r.panels_for("t")] == ["early", "late"]
    assert [p.template for p in r.panels_for("t")] == ["x", "y"]
    assert [p.key for p in r.panels_for("t", "top")] == ["early"]
    assert r.panels_for("nobody") == []


def test_scripts_for_puts_tab_scripts_first_each_once():
    r = DashboardRegistry()
    tabs = [
        Tab(key="a", label="A", roles=("mentor",), template="a", scripts=("lib.js", "a.js")),
        Tab(key="b", label="B", roles=("mentor",), template="b", scripts=("b.js",)),
    ]
    r.register_panel(Panel(tab="b", key="p", template="p", scripts=("vendor.js", "p.js")))
    r.register_panel(Panel(tab="a", key="q", template="q", scripts=("lib.js", "vendor.js")))
    r.register_panel(Panel(tab="hidden", key="r", template="r", scripts=("never.js",)))
    assert r.scripts_for(tabs) == ["lib.js", "a.js", "b.js", "vendor.js", "p.js"]


def test_a_named_slot_renders_its_panels_in_order(engine, panels):
    panels(Panel(tab="demo", key="second", template="b.html", slot="top", order=20))
    panels(Panel(tab="demo", key="first", template="a.html", slot="top", order=10))
    html = render(engine, "{% include 'tab.html' %}", who="Asha")
    assert html == "[tab]<a>first:Asha</a><b>second</b>[/tab]"


def test_the_tab_end_gets_end_panels_and_those_of_slots_the_tab_lacks(engine, panels):
    panels(Panel(tab="demo", key="top", template="a.html", slot="top"))
    panels(Panel(tab="demo", key="tail", template="b.html"))
    panels(Panel(tab="demo", key="lost", template="c.html", slot="nowhere", order=60))
    page = "{% load peerlearn %}{% include tab %}|{% dashboard_tab_end 'demo' %}"
    # The tab names "top": that panel renders there, once; the others at the end.
    assert render(engine, page, tab="tab.html", who="x") == (
        "[tab]<a>top:x</a>[/tab]|<b>tail</b><c>lost</c>"
    )
    # A tab naming no slot gets every panel at its end, in (order, key) order.
    assert render(engine, page, tab="plain.html", who="x") == (
        "[plain tab]|<b>tail</b><a>top:x</a><c>lost</c>"
    )


def test_panel_output_is_escaped_by_its_own_template(engine, panels):
    panels(Panel(tab="demo", key="top", template="a.html", slot="top"))
    html = render(engine, "{% include 'tab.html' %}", who="<script>")
    assert "&lt;script&gt;" in html and "<script>" not in html
