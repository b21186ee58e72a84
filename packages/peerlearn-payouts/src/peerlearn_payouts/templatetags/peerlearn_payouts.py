"""Template tags of the Earnings tab."""

from django import template

from peerlearn_core.money import display

from ..selectors import withdraw_rules as rules_of_server

register = template.Library()


@register.simple_tag
def withdraw_rules() -> dict:
    """``{% withdraw_rules as rules %}``: the server's withdraw rules (for ``json_script``) and
    their readable forms (``rules.min_display``) for the help texts."""
    rules = rules_of_server()
    return {
        "config": rules,
        "min_display": display(rules["min_payout_paise"]),
        "max_display": display(rules["max_payout_paise"]),
        "commission_percent": rules["commission_percent"],
    }
