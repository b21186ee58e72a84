"""Serializer fields the packages share: strict strings and rupee amounts."""

import re
from collections.abc import Callable
from decimal import Decimal

from rest_framework import serializers
from rest_framework.fields import empty

from ..money import display, rupees, to_paise

# --- strict strings ------------------------------------------------------------------------------


class StrictStringMixin:
    """A JSON string or nothing: DRF's string fields turn ``0``, ``1.5`` (and, for choices,
    ``true``) into text, where the schema says ``type: string``. Here any non-string is a 400
    against the field. Form and multipart bodies are all strings, so they are unaffected.

    ``max_length`` counts what was sent, as the schema's ``maxLength`` does: DRF measures the
    trimmed text, so 201 characters with a leading space passed a 200-character limit."""

    default_error_messages = {"not_a_string": "Not a valid string."}

    def run_validation(self, data=empty):
        if data is not empty and data is not None:
            if not isinstance(data, str):
                self.fail("not_a_string")
            limit = getattr(self, "max_length", None)
            if limit is not None and len(data) > limit:
                self.fail("max_length", max_length=limit)
        return super().run_validation(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictRegexField(StrictStringMixin, serializers.RegexField):
    """The regex judges the text as sent and as the schema's ``pattern`` (``published_pattern``)
    reads: untrimmed by default, so " payout." is refused rather than trimmed into a match, and a
    closing ``$`` ends the text, as in JSON Schema (Python's also matches before a final "\\n")."""

    def __init__(self, regex: str, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        self.published_pattern = regex
        super().__init__(re.sub(r"(?<!\\)\$$", r"\\Z", regex), **kwargs)


class StrictChoiceField(StrictStringMixin, serializers.ChoiceField):
    """For choices whose values are strings (a JSON ``1`` is not the choice ``"1"``)."""


STRICT_STRING_FIELDS = (StrictCharField, StrictEmailField, StrictRegexField, StrictChoiceField)


# A ModelSerializer whose generated text fields (``CharField``, ``TextField``, ``EmailField``,
# ``choices``) are the strict ones above. (A comment, not a docstring: the schema generator would
# publish a docstring as the description of every serializer built on it.)
class StrictModelSerializer(serializers.ModelSerializer):
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


def _digits(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _fixed_width(low: int, high: int, width: int) -> str:
    """A regex for the ``width``-digit strings (leading zeros included) from ``low`` to ``high``."""
    if width == 0:
        return ""
    if low == 0 and high == 10**width - 1:
        return "[0-9]" if width == 1 else f"[0-9]{{{width}}}"
    unit = 10 ** (width - 1)
    (first_low, rest_low), (first_high, rest_high) = divmod(low, unit), divmod(high, unit)
    if first_low == first_high:
        return str(first_low) + _fixed_width(rest_low, rest_high, width - 1)
    parts = []
    if rest_low:
        parts.append(str(first_low) + _fixed_width(rest_low, unit - 1, width - 1))
        first_low += 1
    tail = None
    if rest_high != unit - 1:
        tail = str(first_high) + _fixed_width(0, rest_high, width - 1)
        first_high -= 1
    if first_low <= first_high:
        parts.append(_digits(first_low, first_high) + _fixed_width(0, unit - 1, width - 1))
    if tail:
        parts.append(tail)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _whole_range(low: int, high: int, max_width: int) -> list[str]:
    """Whole rupees from ``low`` to ``high``, each with the leading zeros ``rupees_pattern``
    allows (at most ``max_width`` digits in all)."""
    parts = []
    for width in range(len(str(low)), len(str(high)) + 1):
        first = max(low, 10 ** (width - 1) if width > 1 else 0)
        last = min(high, 10**width - 1)
        if first > last:
            continue
        zeros = max_width - width
        prefix = "" if zeros == 0 else ("0?" if zeros == 1 else f"0{{0,{zeros}}}")
        parts.append(prefix + _fixed_width(first, last, width))
    return parts


def _fraction(low: int, high: int, places: int) -> str:
    """The optional decimal part whose value, in hundredths (or ``places``-ths), lies in
    [low, high]: none counts as 0, ``.5`` as 50, ``.05`` as 5."""
    if low == 0 and high == 10**places - 1:
        return rf"(?:\.[0-9]{{1,{places}}})?"
    options = []
    for width in range(1, places + 1):
        scale = 10 ** (places - width)
        first, last = -(-low // scale), high // scale
        if first <= last:
            options.append(_fixed_width(first, last, width))
    if not options:
        body = None
    else:
        body = r"\." + (options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")")
    if low == 0:
        return f"(?:{body})?" if body else ""
    return body or "(?!)"


def rupees_range_pattern(
    max_digits: int, decimal_places: int, minimum: int, maximum: int | None = None
) -> str:
    """``rupees_pattern`` narrowed to amounts from ``minimum`` to ``maximum`` (in paise, both
    included): what a schema can say about a bounded amount, as one regular expression."""
    whole_width = max_digits - decimal_places
    unit = 10**decimal_places
    top = 10 ** (whole_width + decimal_places) - 1
    maximum = top if maximum is None else min(maximum, top)
    low_whole, low_part = divmod(max(minimum, 0), unit)
    high_whole, high_part = divmod(maximum, unit)
    if (low_whole, low_part) > (high_whole, high_part):
        return "(?!)"

    def whole(low: int, high: int, fraction: str) -> list[str]:
        return [part + fraction for part in _whole_range(low, high, whole_width)]

    every = _fraction(0, unit - 1, decimal_places)
    if low_whole == high_whole:
        parts = whole(low_whole, low_whole, _fraction(low_part, high_part, decimal_places))
    else:
        parts = whole(low_whole, low_whole, _fraction(low_part, unit - 1, decimal_places))
        if low_whole + 1 <= high_whole - 1:
            parts += whole(low_whole + 1, high_whole - 1, every)
        parts += whole(high_whole, high_whole, _fraction(0, high_part, decimal_places))
    return "^(?:" + "|".join(parts) + ")$"


Paise = int | Callable[[], int] | None


class RupeesField(serializers.DecimalField):
    """Rupees on the wire as a two-place string; paise (int) in validated data and on models.

    Input is what the OpenAPI schema documents: a string matching ``rupees_pattern`` (``"499"``,
    ``"499.5"``, ``"499.50"``) or a whole number of rupees as a JSON integer (``499``); ``""``,
    ``"-1"``, ``"1e3"``, ``" 5"``, booleans and JSON floats are a 400.

    ``min_paise`` / ``max_paise`` (an int, or a callable read at each use, for limits that come
    from settings) bound the amount, with the ``too_small`` / ``too_large`` messages (``{minimum}``
    and ``{maximum}`` as people read them); the schema then says the same bounds
    (``rupees_range_pattern`` and the integer's minimum/maximum)."""

    default_error_messages = {
        "invalid": 'Give an amount in rupees as a string, like "499.00" (at most two decimal '
        "places).",
        "too_small": "The smallest amount is {minimum}.",
        "too_large": "The largest amount is {maximum}.",
    }

    def __init__(self, *, min_paise: Paise = None, max_paise: Paise = None, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
        self._min_paise, self._max_paise = min_paise, max_paise
        self.pattern = re.compile(self.input_pattern())

    def bounds(self) -> tuple[int | None, int | None]:
        """(min_paise, max_paise) as they stand now; None where unbounded."""
        low, high = (b() if callable(b) else b for b in (self._min_paise, self._max_paise))
        return low, high

    def input_pattern(self) -> str:
        """The format (``rupees_pattern``), checked before the bounds."""
        positive = self.min_value is not None and self.min_value > 0
        return rupees_pattern(self.max_digits, self.decimal_places, positive=positive)

    def schema_pattern(self) -> str:
        """Format and bounds in one pattern: exactly what ``to_internal_value`` accepts."""
        low, high = self.bounds()
        if low is None and high is None:
            return self.input_pattern()
        positive = self.min_value is not None and self.min_value > 0
        floor = max(low or 0, 1 if positive else 0)
        return rupees_range_pattern(self.max_digits, self.decimal_places, floor, high)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)  # whole rupees; a negative one fails the pattern below
        if not isinstance(data, str) or not self.pattern.fullmatch(data):
            self.fail("invalid")
        paise = to_paise(super().to_internal_value(data))
        low, high = self.bounds()
        if low is not None and paise < low:
            self.fail("too_small", minimum=display(low))
        if high is not None and paise > high:
            self.fail("too_large", maximum=display(high))
        return paise

    def to_representation(self, value):
        return rupees(int(value))
