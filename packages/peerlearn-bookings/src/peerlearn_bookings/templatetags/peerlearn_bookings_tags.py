from django import template
from django.utils.html import json_script

from ..limits import session_form_limits

register = template.Library()


@register.simple_tag
def session_limits() -> dict:
    """``{% session_limits as limits %}``: min/max attributes of the session form fields."""
    return session_form_limits()


@register.simple_tag
def session_limits_json(element_id: str):
    """``{% session_limits_json "id" %}``: the same limits for the page scripts' validators."""
    return json_script(session_form_limits(), element_id)
