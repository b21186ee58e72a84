"""Razorpay-shaped error responses (razorpay-api.md §3): an exception the routes raise and the
HTTP layer turns into the status and JSON body Razorpay would send."""

from __future__ import annotations


class ApiError(Exception):
    """A Razorpay-shaped error response."""

    def __init__(
        self,
        description: str,
        *,
        field: str | None = None,
        status: int = 400,
        code: str = "BAD_REQUEST_ERROR",
        source: str | None = "business",
        step: str | None = "NA",
        reason: str | None = "input_validation_failed",
        body: dict | None = None,
    ):
        super().__init__(description)
        self.status = status
        self.body = body or {
            "error": {
                "code": code,
                "description": description,
                "source": source,
                "step": step,
                "reason": reason,
                "metadata": {},
                "field": field,
            }
        }


def auth_error() -> ApiError:
    return ApiError(
        "Authentication failed",
        status=401,
        body={"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}},
    )


def not_found_url() -> ApiError:
    return ApiError(
        "The requested URL was not found on the server.",
        source="NA",
        reason="NA",
    )


def no_such_id(field: str = "id") -> ApiError:
    return ApiError("The id provided does not exist", field=field, reason="NA")


def server_error() -> ApiError:
    return ApiError(
        "The server encountered an error. The incident has been reported to admins.",
        status=500,
        code="SERVER_ERROR",
        source="internal",
        reason="server_error",
    )
