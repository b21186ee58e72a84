"""The shared serializer fields: strict strings, and rupee amounts whose bounds the schema states
as exactly what the field accepts."""

import itertools
import re

import pytest
from rest_framework import serializers

from peerlearn_core.api.fields import (
    RupeesField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictModelSerializer,
    StrictRegexField,
    rupees_pattern,
    rupees_range_pattern,
)
from peerlearn_core.models import User

# --- strict strings ------------------------------------------------------------------------------

NOT_STRINGS = [0, 1, -3, 2.5, True, False, [], ["a"], {}, {"a": "b"}]


@pytest.mark.parametrize(
    "field",
    [
        StrictCharField(),
        StrictEmailField(),
        StrictRegexField(r"^[0-9]+$"),
        StrictChoiceField(choices=["1", "mentor"]),
    ],
    ids=["char", "email", "regex", "choice"],
)
def test_strict_fields_refuse_every_non_string(field):
    for value in NOT_STRINGS:
        with pytest.raises(serializers.ValidationError) as caught:
            field.run_validation(value)
        assert caught.value.detail == ["Not a valid string."], value


def test_strict_fields_keep_their_own_rules_for_strings():
    assert StrictCharField().run_validation("  0 ") == "0"  # DRF trims
    assert StrictEmailField().run_validation("a@example.test") == "a@example.test"
    assert StrictRegexField(r"^[0-9]+$").run_validation("12") == "12"
    assert StrictChoiceField(choices=["1", "mentor"]).run_validation("1") == "1"
    with pytest.raises(serializers.ValidationError):
        StrictCharField(max_length=3).run_validation("four")
    # DRF's own, for contrast: a JSON number becomes text.
    assert serializers.CharField().run_validation(0) == "0"


def test_strict_model_serializer_generates_strict_text_fields():
    class Profile(StrictModelSerializer):
        class Meta:
            model = User
            fields = ["email", "name", "bio", "role"]

    fields = Profile().fields
    assert type(fields["email"]) is StrictEmailField
    assert type(fields["name"]) is StrictCharField and type(fields["bio"]) is StrictCharField
    assert type(fields["role"]) is StrictChoiceField


# --- rupees: bounds in one pattern ---------------------------------------------------------------


def paise_of(text: str) -> int:
    whole, _, part = text.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def every_amount_text(whole_digits: int):
    """Every string of up to whole_digits + 1 digits, with no, one or two decimals (and a few
    malformed tails): the whole input space of a small field, exhaustively."""
    tails = ["", ".", ".123"] + [f".{d}" for d in range(10)] + [f".{d:02d}" for d in range(100)]
    for width in range(1, whole_digits + 2):
        for digits in itertools.product("0123456789", repeat=width):
            for tail in tails:
                yield "".join(digits) + tail


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (0, None),
        (1, None),
        (100, 5000),
        (150, 7349),
        (0, 0),
        (5, 5),
        (99, 101),
        (7, 742),
        (1001, 9998),
    ],
)
@pytest.mark.parametrize("whole_digits", [1, 2])
def test_range_pattern_is_the_format_and_the_bounds(whole_digits, low, high):
    max_digits = whole_digits + 2
    form = re.compile(rupees_pattern(max_digits, 2))
    bounded = re.compile(rupees_range_pattern(max_digits, 2, low, high))
    top = high if high is not None else 10**max_digits
    for text in every_amount_text(whole_digits):
        expected = bool(form.fullmatch(text)) and low <= paise_of(text) <= top
        assert bool(bounded.fullmatch(text)) == expected, (text, low, high)


def test_bounded_field_accepts_exactly_its_schema_pattern():
    limits = {"low": 100, "high": 5_025}
    field = RupeesField(
        max_digits=4, min_paise=lambda: limits["low"], max_paise=lambda: limits["high"]
    )
    pattern = re.compile(field.schema_pattern())
    for text in every_amount_text(2):
        accepted = pattern.fullmatch(text) is not None
        try:
            field.run_validation(text)
        except serializers.ValidationError:
            assert not accepted, text
        else:
            assert accepted, text
    limits["high"] = 2_000  # read at each use: settings overridden later apply
    assert not re.fullmatch(field.schema_pattern(), "20.01")
    with pytest.raises(serializers.ValidationError):
        field.run_validation("20.01")


def test_bounds_say_the_limit_as_people_read_it():
    field = RupeesField(
        min_paise=100,
        max_paise=5_00_000_00,
        error_messages={"too_large": "The largest withdrawal is {maximum}."},
    )
    with pytest.raises(serializers.ValidationError) as small:
        field.run_validation("0.99")
    assert small.value.detail == ["The smallest amount is ₹1.00."]
    with pytest.raises(serializers.ValidationError) as large:
        field.run_validation(500001)
    assert large.value.detail == ["The largest withdrawal is ₹5,00,000.00."]
    assert field.run_validation("500000.00") == 5_00_000_00
    assert field.run_validation(1) == 100


# --- what a text field takes is what its schema says ---------------------------------------------


def test_max_length_counts_what_was_sent():
    """DRF measures the trimmed text: 201 characters with a leading space passed a 200 limit,
    where the schema's maxLength (what schemathesis checks) counts all 201."""
    field = StrictCharField(max_length=200)
    assert field.run_validation(" " + "x" * 199) == "x" * 199
    with pytest.raises(serializers.ValidationError) as caught:
        field.run_validation(" " + "x" * 200)
    assert caught.value.detail == ["Ensure this field has no more than 200 characters."]


def test_regex_field_judges_the_text_as_sent():
    field = StrictRegexField(r"^[a-z_]+\.?[a-z_.]*$", max_length=64)
    assert field.run_validation("payout.") == "payout."
    # trimmed, " payout." matched; and Python's `$` matched before a final newline, where the
    # schema's pattern (JSON Schema: the end of the text) does not
    for sent in (" payout.", "payout. ", "payout.\n"):
        with pytest.raises(serializers.ValidationError):
            field.run_validation(sent)
    assert field.published_pattern == r"^[a-z_]+\.?[a-z_.]*$"


@pytest.mark.django_db
def test_read_all_refuses_kinds_the_schema_refuses(as_user, learner):
    for kinds in ([" payout."], ["payout.\n"], [0]):
        response = as_user(learner).post(
            "/api/notifications/read_all/", {"kinds": kinds}, format="json"
        )
        assert response.status_code == 400 and "kinds" in response.json(), kinds
