"""The API's parsers: DRF's JSON parser within a size and a depth limit, and its multipart
parser refusing parts Django would skip (400 with a clear detail)."""

import codecs
import shutil
import tempfile

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from .. import jsonlimits

TOO_LARGE = "Request body too large."
NAMELESS_PART = "Multipart form parse error - every part needs a Content-Disposition with a name."


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


def _has_nameless_part(body, boundary: bytes) -> bool:
    """Whether a part of this multipart body lacks its headers' end or a form-data ``name``
    (RFC 7578 requires both), reading it line by line from the start."""
    delimiter = b"--" + boundary
    in_headers = named = False
    at_line_start = True
    while line := body.readline(64 * 1024):
        starts_a_line, at_line_start = at_line_start, line.endswith(b"\n")
        if not starts_a_line:
            continue  # the rest of a long line of content
        text = line.rstrip(b"\r\n").rstrip(b" \t")
        if text in (delimiter, delimiter + b"--"):
            if in_headers:
                return True  # a part with no end to its headers
            if text != delimiter:
                return False  # the close delimiter: the epilogue does not count
            in_headers, named = True, False
        elif in_headers and not text:
            if not named:
                return True
            in_headers = False
        elif in_headers:
            header, _, value = text.partition(b":")
            if header.strip().lower() == b"content-disposition":
                kind, params = parse_header_parameters(value.decode("latin-1"))
                named = kind == "form-data" and bool(params.get("name", "").strip())
    return in_headers


class MultiPartParser(parsers.MultiPartParser):
    """DRF's, but a body with a part that has no ``Content-Disposition: form-data; name=...``
    (or no end to its headers) is a 400: Django's parser skips such parts without a word, so a
    body that is not a form at all read as an empty one (a PATCH that changed nothing, 200).
    The body is copied to a spooled file (memory up to ``DATA_UPLOAD_MAX_MEMORY_SIZE``, then
    disk, as Django keeps uploads) to be read twice."""

    def parse(self, stream, media_type=None, parser_context=None):
        _kind, params = parse_header_parameters(media_type or "")
        boundary = params.get("boundary", "")
        if stream is None or not boundary:
            return super().parse(stream, media_type, parser_context)
        spool_size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 1024 * 1024
        with tempfile.SpooledTemporaryFile(max_size=spool_size) as body:
            shutil.copyfileobj(stream, body, 64 * 1024)
            body.seek(0)
            if _has_nameless_part(body, boundary.encode("latin-1")):
                raise ParseError(NAMELESS_PART, code="nameless_part")
            body.seek(0)
            # Uploads are copied out by Django's upload handlers: the spool can go after this.
            return super().parse(body, media_type, parser_context)
