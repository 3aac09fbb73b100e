"""One error type for every refused request, with a stable machine-readable code.

Services raise :class:`DomainError`; the API turns it into ``{"code", "message", "fields"}`` with
its HTTP status, and HTML views show the message (and field errors) on the form. Every code is a
member of a per-domain ``StrEnum`` and is documented in ``docs/errors.md`` (a test checks).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CommonError(StrEnum):
    """Codes that are not owned by one domain."""

    REQUEST_INVALID = "request.invalid"
    REQUEST_TOO_LARGE = "request.too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    AUTH_REQUIRED = "auth.required"
    AUTH_INVALID_CREDENTIALS = "auth.invalid_credentials"
    AUTH_THROTTLED = "auth.throttled"
    PERMISSION_DENIED = "permission_denied"
    NOT_ALLOWED_ON_BEHALF = "not_allowed_on_behalf"
    CSRF_FAILED = "csrf.failed"
    SERVER_ERROR = "server.error"


class DomainError(Exception):
    """A refusal a user can understand: a stable ``code``, a human ``message``, an HTTP ``status``
    and, for form input, per-field messages."""

    def __init__(
        self,
        code: StrEnum | str,
        message: str,
        *,
        status: int = 400,
        fields: dict[str, list[str]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.data = data or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.data:
            body.update(self.data)
        return body

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, status={self.status})"


class NotFound(DomainError):
    """Missing and forbidden objects look the same to the caller (no existence oracle)."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(CommonError.NOT_FOUND, message, status=404)


class PermissionDenied(DomainError):
    def __init__(self, message: str = "You do not have permission to do that.") -> None:
        super().__init__(CommonError.PERMISSION_DENIED, message, status=403)
