"""The OpenAPI schema tells the truth about errors and money.

``AutoSchema`` adds, to every documented operation, the 4xx responses it can give, with the shapes
``exception_handler`` (``api/exceptions.py``) writes:

- 400 (``ValidationError``): field errors ``{"field": ["..."]}``, ``non_field_errors``, or a
  domain error ``{"detail": "...", "code": "..."}``; for writes and for reads that take query
  parameters.
- 409 (``ValidationError`` too: a conflict may name its field, ``{"amount": [...]}``).
- 401 / 403 / 404 / 429 (``Error``): ``{"detail": "...", "code"?: "..."}``. 401 when the
  view authenticates at all (a bad ``Authorization`` header fails even on open endpoints), 403 when
  a permission or CSRF can refuse, 404 when the path names an object or the list is paginated,
  409 for authenticated writes (state conflicts from services), 429 when the view is throttled.

A view can name its own set with ``schema_error_statuses = (400, 404)``. Set it as the site's
``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "peerlearn_core.api.schema.AutoSchema"``, and
``SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"] = "peerlearn_core.api.schema.SchemaGenerator"``
when the schema is served (see there).
"""

import math
import threading

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.generators import SchemaGenerator as SpectacularSchemaGenerator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenViewBase

from .fields import RupeesField

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# What DRF keeps of a text after trimming it: something. Spelled out as the characters Python's
# str.strip() removes (str.isspace()), because `\S` means something else in each engine: Rust's
# and Python's leave U+001C-U+001F out of `\s` (strip() removes them), ECMA's puts U+FEFF in.
NOT_BLANK = (
    r"[^\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    r"\u3000]"
)

ERROR_SCHEMA = {
    "type": "object",
    "description": 'DRF\'s error shape: `{"detail": "..."}`, with a machine `code` on domain errors.',
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "description": "Messages for one field (a list), or for the items of a nested field.",
    "oneOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": True},
    ],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": 'Bad input: `{"field": ["message", ...]}` per field, `non_field_errors` for '
    'the whole body, or `{"detail": "...", "code": "..."}` for a rule the request broke.',
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": _FIELD_ERRORS,
}
DESCRIPTIONS = {
    "400": "Bad input (field errors) or a rule the request broke.",
    "401": "No credentials, or bad ones (JWT or session).",
    "403": "Authenticated but not allowed (role, ownership or CSRF).",
    "404": "No such object (or not visible to you), or no such page.",
    "409": "The current state forbids it (full, already booked, balance changed...), said as a "
    "`detail` or against the field concerned.",
    "429": "Throttled: retry after the `Retry-After` header's seconds.",
}


# drf-spectacular keeps generation state on classes and module singletons (extension classes
# resolved on first use, GENERATOR_STATS), so two schemas generated at once in one process can
# fail: under Daphne each request has its own thread, and two first GETs of /api/schema/ answered
# 500 ("'NoneType' object has no attribute 'startswith'", tfranzel/drf-spectacular#1122, #1123,
# #1368). One generation at a time per process.
_generation = threading.Lock()


class SchemaGenerator(SpectacularSchemaGenerator):
    def get_schema(self, request=None, public=False):
        with _generation:
            return super().get_schema(request=request, public=public)


class AutoSchema(SpectacularAutoSchema):
    def _error_component(self, name: str, schema: dict) -> ResolvedComponent:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component

    def error_statuses(self) -> set[int]:
        """The 4xx this operation can answer (see the module docstring)."""
        declared = getattr(self.view, "schema_error_statuses", None)
        if declared is not None:
            return set(declared)
        view, method = self.view, self.method.upper()
        statuses = set()
        writes = method not in SAFE_METHODS
        if writes or self._get_query_parameters_present():
            statuses.add(400)
        authenticators = list(getattr(view, "authentication_classes", []) or [])
        # Token endpoints authenticate nobody but answer wrong credentials with 401.
        if authenticators or isinstance(view, TokenViewBase):
            statuses.add(401)
        permissions = list(getattr(view, "permission_classes", []) or [])
        csrf = writes and any(issubclass(a, SessionAuthentication) for a in authenticators)
        guarded = any(p is not AllowAny for p in permissions)
        if guarded or csrf:
            statuses.add(403)
        paginated = getattr(view, "pagination_class", None) and self._is_list_view()
        if "{" in self.path or paginated:
            statuses.add(404)
        if writes and guarded:
            statuses.add(409)
        if self._throttled():
            statuses.add(429)
        return statuses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.RegexField):
            # drf-spectacular leaves it out for a list's items (ReadAllRequest.kinds).
            (regex,) = [v.regex for v in field.validators if isinstance(v, RegexValidator)]
            schema["pattern"] = getattr(field, "published_pattern", regex.pattern)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and "pattern" not in schema
            and schema.get("format") != "binary"
        ):
            # DRF trims the text first, so "   " is blank (400), which `minLength: 1` allows:
            # say "at least one character that is not whitespace".
            schema["pattern"] = NOT_BLANK
        return schema

    def _get_format_parameters(self) -> list:
        """DRF's ``?format=`` override stays an undocumented convenience: it takes "" as "no
        format" and answers 404 for unknown ones, which no enum can say. Clients use ``Accept``."""
        return []

    def _query(self) -> list[dict]:
        return [p for p in self._get_parameters() if p.get("in") == "query"]

    def _get_query_parameters_present(self) -> bool:
        return bool(self._query())

    def _throttled(self) -> bool:
        try:
            return bool(self.view.get_throttles())
        except Exception:  # a view whose throttles depend on a real request: trust its classes
            return bool(getattr(self.view, "throttle_classes", None))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = self._error_component("Error", ERROR_SCHEMA)
        invalid = self._error_component("ValidationError", VALIDATION_ERROR_SCHEMA)
        for status in sorted(self.error_statuses()):
            code = str(status)
            # 409s name a field when one is at fault (`{"amount": ["..."], "code": ...}`).
            component = invalid if status in (400, 409) else error
            documented = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            # A view's own description stays; a body it left out gets the handler's shape.
            documented.setdefault("content", {"application/json": {"schema": component.ref}})
        return responses


class RupeesFieldExtension(OpenApiSerializerFieldExtension):
    """Money as the validator takes it: a non-negative decimal string, at most two places,
    within the field's bounds (``min_paise`` / ``max_paise``) when it has them."""

    target_class = RupeesField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction == "response":  # what the server writes: rupees(), sign included
            return {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"}
        whole_digits = field.max_digits - field.decimal_places
        unit = 10**field.decimal_places
        low, high = field.bounds()
        minimum = math.ceil(field.min_value) if field.min_value is not None else 0
        maximum = 10**whole_digits - 1
        if low is not None:
            minimum = max(minimum, -(-low // unit))
        if high is not None:
            maximum = min(maximum, high // unit)
        return {
            "oneOf": [
                {
                    "type": "string",
                    "format": "decimal",
                    "pattern": field.schema_pattern(),
                    "example": "499.00",
                },
                {"type": "integer", "minimum": minimum, "maximum": maximum},
            ]
        }
