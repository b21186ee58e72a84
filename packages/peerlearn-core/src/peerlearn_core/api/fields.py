"""Serializer fields the packages share: strict strings and rupee amounts."""

import re
from decimal import Decimal

from rest_framework import serializers

from ..money import rupees, to_paise

# --- strict strings ------------------------------------------------------------------------------


class StrictStringMixin:
    """A JSON string or nothing: DRF's string fields turn ``0``, ``1.5`` (and, for choices,
    ``true``) into text, where the schema says ``type: string``. Here any non-string is a 400
    against the field. Form and multipart bodies are all strings, so they are unaffected."""

    default_error_messages = {"not_a_string": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictRegexField(StrictStringMixin, serializers.RegexField):
    pass


class StrictChoiceField(StrictStringMixin, serializers.ChoiceField):
    """For choices whose values are strings (a JSON ``1`` is not the choice ``"1"``)."""


STRICT_STRING_FIELDS = (StrictCharField, StrictEmailField, StrictRegexField, StrictChoiceField)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated text fields (``CharField``, ``TextField``,
    ``EmailField``, ``choices``) are the strict ones above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{
            model_field: StrictEmailField if base is serializers.EmailField else StrictCharField
            for model_field, base in serializers.ModelSerializer.serializer_field_mapping.items()
            if base in (serializers.CharField, serializers.EmailField)
        },
    }
    serializer_choice_field = StrictChoiceField


# --- rupees --------------------------------------------------------------------------------------


def rupees_pattern(max_digits: int, decimal_places: int, *, positive: bool = False) -> str:
    r"""The one pattern an input amount must match, in the schema and in ``RupeesField``: ASCII
    digits, optionally a point and one or two more (no sign, exponent, spaces or empty string);
    with ``positive``, not zero. ``[0-9]`` rather than ``\d``, which is Unicode in Python."""
    whole = max_digits - decimal_places
    nonzero = r"(?![0]+(?:\.0*)?$)" if positive else ""
    return rf"^{nonzero}[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{decimal_places}}})?$"


class RupeesField(serializers.DecimalField):
    """Rupees on the wire as a two-place string; paise (int) in validated data and on models.

    Input is what the OpenAPI schema documents: a string matching ``rupees_pattern`` (``"499"``,
    ``"499.5"``, ``"499.50"``) or a whole number of rupees as a JSON integer (``499``); ``""``,
    ``"-1"``, ``"1e3"``, ``" 5"``, booleans and JSON floats are a 400."""

    default_error_messages = {
        "invalid": 'Give an amount in rupees as a string, like "499.00" (at most two decimal '
        "places).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
        self.pattern = re.compile(self.input_pattern())

    def input_pattern(self) -> str:
        positive = self.min_value is not None and self.min_value > 0
        return rupees_pattern(self.max_digits, self.decimal_places, positive=positive)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)  # whole rupees; a negative one fails the pattern below
        if not isinstance(data, str) or not self.pattern.fullmatch(data):
            self.fail("invalid")
        return to_paise(super().to_internal_value(data))

    def to_representation(self, value):
        return rupees(int(value))
