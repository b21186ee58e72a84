"""Query-string parsing that is as strict as the schema that documents it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

TRUE = {"true", "1"}
FALSE = {"false", "0"}


def query_bool(request, name: str, *, default: bool = False) -> bool:
    """``?name=true|false|1|0`` (any case) as a bool; absent gives ``default``; anything else
    (``null``, ``yes``, empty) is a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError({name: ["Use true or false."]})


def bool_parameter(name: str, description: str = "", *, default: bool = False):
    """The OpenAPI side of ``query_bool``."""
    return OpenApiParameter(name, OpenApiTypes.BOOL, description=description, default=default)
