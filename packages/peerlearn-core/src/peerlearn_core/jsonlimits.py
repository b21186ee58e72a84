"""Limits on JSON read from clients: one implementation for HTTP bodies (the API's parser) and
socket frames (every consumer), so no input reaches a ``RecursionError`` (a 500 on HTTP, a 1011
on a socket) and a refusal always says which limit it hit."""

import json

from .app_settings import core_settings


class JSONTooDeep(ValueError):
    """Arrays/objects nest deeper than the limit; ``str()`` is the detail to send back."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"JSON nested deeper than {limit} levels.")


def max_depth() -> int:
    return core_settings.JSON_MAX_DEPTH


def json_depth(value) -> int:
    """How deep arrays/objects nest in a decoded JSON value (0 for a scalar), without recursion."""
    depth, level = 0, [value]
    while True:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            return depth
        depth += 1
        level = [c for v in containers for c in (v.values() if isinstance(v, dict) else v)]


def utf8_size_over(text: str, limit: int) -> bool:
    """Whether ``text`` takes more than ``limit`` bytes in UTF-8 (characters first: cheap, and
    never more than the bytes)."""
    return len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit


def loads(data: str | bytes, *, limit: int | None = None, **kwargs):
    """``json.loads`` that refuses nesting deeper than ``limit`` (default: PEERLEARN_CORE
    ``JSON_MAX_DEPTH``) with JSONTooDeep, whatever the interpreter's recursion limit lets the
    decoder reach; any other problem is json's own ValueError."""
    limit = max_depth() if limit is None else limit
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise JSONTooDeep(limit) from None
    if json_depth(value) > limit:
        raise JSONTooDeep(limit)
    return value


def encodes_as_utf8(value) -> bool:
    """False for decoded JSON holding a lone surrogate (``"\\ud800"``): valid JSON, but text that
    neither the database nor the Redis channel layer can encode."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
