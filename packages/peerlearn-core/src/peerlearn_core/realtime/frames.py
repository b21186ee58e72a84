"""Client frames on every socket: one decoder that applies the JSON limits and the message shape,
so each consumer only chooses what to do with a refusal (an error frame; a close for oversize)."""

from .. import jsonlimits

# RFC 6455: the endpoint is closing because a message was too big to process.
CLOSE_TOO_BIG = 1009


class FrameRefused(ValueError):
    """A frame the socket will not act on; ``detail`` and ``code`` go back in an error frame."""

    def __init__(self, detail: str, code: str = "invalid"):
        super().__init__(detail)
        self.detail, self.code = detail, code


class FrameTooLarge(FrameRefused):
    pass


def decode_frame(text_data: str | None, *, max_bytes: int) -> dict:
    """The frame as a JSON object with a string ``type``, or FrameRefused (FrameTooLarge when
    it is over ``max_bytes`` of UTF-8)."""
    if text_data is None:
        raise FrameRefused("Send JSON text frames.")
    if jsonlimits.utf8_size_over(text_data, max_bytes):
        raise FrameTooLarge(f"Message too large (limit {max_bytes} bytes).", code="too_large")
    try:
        content = jsonlimits.loads(text_data)
    except jsonlimits.JSONTooDeep as problem:
        raise FrameRefused(str(problem), code="too_deep") from None
    except ValueError:
        raise FrameRefused("Malformed JSON.") from None
    if "\\u" in text_data and not jsonlimits.encodes_as_utf8(content):
        # A lone surrogate escape (\ud800 in the JSON) decodes to text that neither the
        # database nor the Redis channel layer can encode: refuse it, don't crash the socket.
        raise FrameRefused("Malformed JSON: lone surrogate in a string.")
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise FrameRefused("A message is an object with a string type.")
    return content
