"""The API's JSON parser: DRF's, within a size and a depth limit (400 with a clear detail)."""

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from .. import jsonlimits

TOO_LARGE = "Request body too large."


class JSONParser(parsers.JSONParser):
    """Reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (Django's own limit for form bodies,
    which DRF's streaming JSON parser never applies) and refuses JSON nested deeper than
    PEERLEARN_CORE ``JSON_MAX_DEPTH``. Set as REST_FRAMEWORK ``DEFAULT_PARSER_CLASSES``."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            raw = b""
        elif limit is None:
            raw = stream.read()
        else:
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise ParseError(TOO_LARGE, code="too_large")
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as problem:
            raise ParseError(f"JSON parse error - {problem}") from None
        parse_constant = json.strict_constant if self.strict else None
        try:
            return jsonlimits.loads(text, parse_constant=parse_constant)
        except jsonlimits.JSONTooDeep as problem:
            raise ParseError(str(problem), code="too_deep") from None
        except ValueError as problem:
            raise ParseError(f"JSON parse error - {problem}") from None
