"""One error tree: services raise these; one handler renders them for the API and the console."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every expected failure. ``code`` is stable and machine-readable."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.code
        self.extra = extra
        super().__init__(self.detail)

    def to_body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(DomainError):
    status_code = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="awooop"'}


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class SchemaMismatch(DomainError):
    """Well-formed JSON that does not fit the expected schema; ``field`` names the culprit."""

    status_code = 422
    code = "schema_mismatch"

    def to_body(self) -> dict[str, Any]:
        # Every 422 has the same shape (awooop.openapi.ValidationErrorRead): `errors` lists the fields.
        body = super().to_body()
        body.setdefault("errors", [{"field": str(self.extra.get("field") or ""), "message": self.detail}])
        return body


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DatabaseUnavailable(ServiceUnavailable):
    """The database is unreachable, refusing connections or locked: any route answers 503 with
    ``Retry-After`` (the console shows a "retrying" page). Same ``code`` as every 503."""


class RequestTimeout(DomainError):
    """The body did not arrive in time (a slow or stalled sender); the connection is closed."""

    status_code = 408
    code = "request_timeout"

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class TooManyRequests(DomainError):
    """Refused unchecked after too many failed credentials; ``first`` marks the first refusal of its
    throttle window (the one intake records as a rejection row)."""

    status_code = 429
    code = "too_many_failures"

    def __init__(self, detail: str | None = None, retry_after: int = 1, *, first: bool = True, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after
        self.first = first

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
