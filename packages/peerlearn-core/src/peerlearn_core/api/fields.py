from decimal import Decimal

from rest_framework import serializers

from ..money import rupees, to_paise


class RupeesField(serializers.DecimalField):
    """Rupees on the wire as a two-place string; paise (int) in validated data and on models."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return to_paise(super().to_internal_value(data))

    def to_representation(self, value):
        return rupees(int(value))
