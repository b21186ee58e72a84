"""The shared serializer fields: strict strings."""

import pytest
from rest_framework import serializers

from peerlearn_core.api.fields import (
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictModelSerializer,
    StrictRegexField,
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
