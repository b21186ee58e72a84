"""schemathesis hooks of scripts/fuzz-api.sh (named by schemathesis.toml's `hooks`): generated
values moved to where the server's rules, which OpenAPI cannot state, let them succeed, so that
`positive_data_acceptance` keeps checking these operations instead of taking their 400 as given
(which would stop the fuzzer noticing any other wrongful 400 there).

Each hook only swaps a value the schema allows for another value the schema allows: a value that
violates the schema (the negative cases aimed at that field: wrong type, wrong format, out of
range) is left as drawn, so schema-violating requests stay violating. The refusals themselves
(a past start, an unknown mentor) are tested by the packages' own tests.

Times: session times must lie between now and a year ahead (bookings' MAX_DAYS_AHEAD), which
random date-times almost never do. Each generated `starts_at` / `preferred_times` value that is
a valid RFC 3339 date-time (what the schema asks for) is moved into that window, always to the
same place for the same value drawn.

Forms: a multipart body carries text only, so a value of another type travels as its text
(`"bio": true` arrives as the valid string "true"), and the server rightly takes it. A negative
form case whose violation is such a type change is one the wire cannot carry: it is dropped.
So is a "negative" form case that holds a file and that the schema accepts. schemathesis cannot
validate a body holding bytes, so it does not check that a mutated multipart body still violates
the schema (seen: `PATCH /api/me/` with an avatar and a `name` that matched the name's pattern,
reported as "schema-violating request accepted"). Here the body is validated with each file read
as empty text (`format: binary` only annotates), as schemathesis itself does for the other cases.

Mentors: a session request names a mentor by id, which must be an active mentor's. Every valid id
(an integer >= 1) becomes the seeded mentor's (FUZZ_MENTOR_ID), so requests get created and the
mentor's fuzzing run can accept and decline them.
"""

import os
import re
import zlib
from datetime import UTC, datetime, timedelta

import schemathesis
from schemathesis.core.jsonschema import make_validator
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.serialization import Binary

RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
MENTOR_ID = os.environ.get("FUZZ_MENTOR_ID", "")
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
TIME_FIELDS = {
    "POST /api/sessions/": ("starts_at",),
    "PATCH /api/sessions/{id}/": ("starts_at",),
    "POST /api/requests/{id}/accept/": ("starts_at",),
    "POST /api/requests/": ("preferred_times",),
}


def _is_date_time(value) -> bool:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:  # 2026-02-30T...: the right shape, not a date
        return False
    return True


def _ahead(value: str) -> str:
    """A time from about an hour to 300 days ahead, always the same for the same value."""
    seconds = 3600 + zlib.crc32(value.encode()) % (300 * 86400)
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def _adjust(case) -> None:
    """Times into the bookable window, session requests to the seeded mentor."""
    fields = TIME_FIELDS.get(case.operation.label, ())
    body = case.body
    if not fields or not isinstance(body, dict):
        return
    for name in fields:
        value = body.get(name)
        if _is_date_time(value):
            body[name] = _ahead(value)
        elif isinstance(value, list):
            body[name] = [_ahead(v) if _is_date_time(v) else v for v in value]
    mentor = body.get("mentor")
    if case.operation.label == "POST /api/requests/" and _is_id(mentor) and MENTOR_ID:
        body["mentor"] = int(MENTOR_ID)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _files_as_text(body: dict) -> tuple[dict, bool]:
    """The body with each file as empty text, and whether it held a file."""
    files = {key for key, value in body.items() if isinstance(value, Binary | bytes)}
    return {key: "" if key in files else value for key, value in body.items()}, bool(files)


def _schema_accepts(case, body: dict) -> bool:
    declared = case.operation.get_body_for_media_type(case.media_type)
    if declared is None:
        return False
    validator_cls = case.operation.schema.adapter.jsonschema_validator_cls
    return make_validator(declared.validation_schema, validator_cls).is_valid(body)


@schemathesis.hook
def filter_case(context, case):
    """Drop negative form cases the wire cannot carry (a non-text value) and those holding a file
    that the schema accepts (not negative at all)."""
    if not str(case.media_type or "").startswith(FORM_MEDIA_TYPES):
        return True
    meta, body = case.meta, case.body
    if (
        meta is None
        or not meta.is_negative_at(ParameterLocation.BODY)
        or not isinstance(body, dict)
    ):
        return True
    if not all(isinstance(value, str | bytes) for value in body.values()):
        return False
    as_text, held_file = _files_as_text(body)
    return not (held_file and _schema_accepts(case, as_text))


@schemathesis.hook
def map_case(context, case):
    """The coverage, fuzzing and stateful phases."""
    _adjust(case)
    return case


@schemathesis.hook
def before_add_examples(context, examples):
    """The examples phase, which does not run `map_case`."""
    for case in examples:
        _adjust(case)
