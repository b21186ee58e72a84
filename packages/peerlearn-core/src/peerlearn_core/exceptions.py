"""Domain errors raised by services; the API layer maps them to HTTP statuses."""


class DomainError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.field = field


class Conflict(DomainError):
    """The request is valid but the current state forbids it (full, already booked...)."""

    status_code = 409
    default_code = "conflict"


class NotAllowed(DomainError):
    status_code = 403
    default_code = "permission_denied"
