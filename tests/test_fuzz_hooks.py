"""scripts/fuzz_hooks.py against our real schema: which generated form cases the fuzzer sends.

schemathesis does not check that a mutated multipart body holding a file still violates the
schema, so a CI run once failed on `PATCH /api/me/` with an avatar and a valid name reported as
"schema-violating request accepted". The hook drops such cases, and only those."""

import importlib.util
import json
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import (
    CaseMetadata,
    ComponentInfo,
    FuzzingPhaseData,
    GenerationInfo,
    PhaseInfo,
)
from schemathesis.openapi import from_dict
from schemathesis.transport.serialization import Binary

REPO = Path(__file__).resolve().parents[1]

JPEG = Binary(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("fuzz_hooks", REPO / "scripts" / "fuzz_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def patch_me():
    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    # Our own config, not the one schemathesis would discover (it names the hooks by FUZZ_REPO).
    return from_dict(document, config=SchemathesisConfig())["/api/me/"]["PATCH"]


def negative_case(operation, body: dict, media_type: str = "multipart/form-data"):
    negative = GenerationMode.NEGATIVE
    meta = CaseMetadata(
        generation=GenerationInfo(time=0.0, mode=negative),
        components={ParameterLocation.BODY: ComponentInfo(mode=negative)},
        phase=PhaseInfo(
            name="fuzzing",
            data=FuzzingPhaseData(
                description=None, parameter=None, parameter_location=None, location=None
            ),
        ),
    )
    return operation.Case(body=body, media_type=media_type, _meta=meta)


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        # The CI failure: a name with a non-blank character matches the name's pattern.
        ({"name": "\x10S\x1e", "avatar": JPEG, "bio": "\x1d"}, False),
        ({"name": "Asha", "avatar": JPEG}, False),
        # Real violations beside a file still go out.
        ({"name": "  ", "avatar": JPEG}, True),
        ({"name": "x" * 121, "avatar": JPEG}, True),
        ({"name": "", "avatar": JPEG}, True),
        # Without a file schemathesis judges the body itself: left alone.
        ({"name": "Asha"}, True),
        # A non-text value cannot travel in a form: dropped, as before.
        ({"name": "Asha", "bio": 5}, False),
    ],
)
def test_negative_form_cases_are_sent_only_when_they_violate(hooks, patch_me, body, sent):
    case = negative_case(patch_me, body)
    assert case.meta.is_negative_at(ParameterLocation.BODY)
    assert hooks.filter_case(None, case) is sent


def test_json_cases_are_left_alone(hooks, patch_me):
    case = negative_case(patch_me, {"name": "Asha"}, media_type="application/json")
    assert hooks.filter_case(None, case) is True
