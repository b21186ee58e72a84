from django import template
from django.utils.safestring import mark_safe

from ..dashboard import END_SLOT, registry

register = template.Library()

# Context key of the (tab, slot) pairs the tab templates rendered on this page.
_RENDERED = "dashboard_slots_rendered"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, 0) if mapping else 0


def _render_panels(context, panels) -> str:
    html = []
    for panel in panels:
        panel_template = context.template.engine.get_template(panel.template)
        with context.push(panel=panel):
            html.append(panel_template.render(context))
    return mark_safe("".join(html))  # noqa: S308 (rendered templates, autoescaped)


@register.simple_tag(takes_context=True)
def dashboard_slot(context, tab: str, slot: str):
    """The panels other apps registered for ``slot`` of ``tab`` (see dashboard.Panel)."""
    rendered = context.get(_RENDERED)
    if rendered is not None:
        rendered.add((tab, slot))
    return _render_panels(context, registry.panels_for(tab, slot))


@register.simple_tag(takes_context=True)
def dashboard_tab_end(context, tab: str):
    """After a tab's template: its "end" panels, and those of slots the template did not name."""
    rendered = context.get(_RENDERED) or set()
    panels = [
        panel
        for panel in registry.panels_for(tab)
        if panel.slot == END_SLOT or (tab, panel.slot) not in rendered
    ]
    return _render_panels(context, panels)
