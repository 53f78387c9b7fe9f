"""Domain errors. Routers translate them to HTTP; services never import HTTP."""

from __future__ import annotations


class SadaError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(SadaError):
    """Also used for 'forbidden': missing and not-yours answer the same."""

    status_code = 404
    code = "not_found"


class Invalid(SadaError):
    status_code = 422
    code = "invalid"


class Gone(SadaError):
    """It existed, and is no longer kept (e.g. results past their retention window)."""

    status_code = 410
    code = "gone"


class Conflict(SadaError):
    status_code = 409
    code = "conflict"


class Unauthorized(SadaError):
    status_code = 401
    code = "unauthorized"


class Forbidden(SadaError):
    status_code = 403
    code = "forbidden"


class TooLarge(SadaError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMedia(SadaError):
    status_code = 415
    code = "unsupported_media_type"


class RateLimited(SadaError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(SadaError):
    """The database stayed contended (deadlock or serialization failure) after retries."""

    status_code = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
