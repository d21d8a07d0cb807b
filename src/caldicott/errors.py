"""One root exception and the one place where errors become exit codes and problem types.

Every error a user can cause is a subclass of :class:`UserError`. Each class carries a
stable exit code (for the CLI), an HTTP status and a problem type slug (for problem+json
in the API). The table in ``docs/errors.md`` is checked against :data:`CATALOGUE` by a test,
so a new error class cannot ship undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    """How one class of error is shown to a user."""

    exit_code: int
    http_status: int
    slug: str
    title: str


class CaldicottError(Exception):
    """Root of every exception raised deliberately by caldicott."""

    kind = ErrorKind(1, 500, "internal-error", "Internal error")

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def problem(self) -> dict[str, Any]:
        """The error as an RFC 9457 problem+json document (no patient values)."""
        body: dict[str, Any] = {
            "type": f"https://caldicott.dev/problems/{self.kind.slug}",
            "title": self.kind.title,
            "status": self.kind.http_status,
            "detail": self.message,
            "exit_code": self.kind.exit_code,
        }
        if self.detail:
            body["extra"] = self.detail
        return body


class UserError(CaldicottError):
    """Something the user can fix: bad input, a bad setting, a refused request."""

    kind = ErrorKind(2, 400, "invalid-input", "Invalid input")


class InvalidArgument(UserError):
    kind = ErrorKind(2, 400, "invalid-input", "Invalid input")


class SettingsError(UserError):
    kind = ErrorKind(3, 500, "invalid-setting", "Invalid setting")


class NotFound(UserError):
    kind = ErrorKind(4, 404, "not-found", "Not found")


class Conflict(UserError):
    kind = ErrorKind(5, 409, "conflict", "Conflict with the current state")


class PermissionDenied(UserError):
    kind = ErrorKind(6, 403, "denied", "Denied")


class OutputError(UserError):
    kind = ErrorKind(7, 500, "output-unwritable", "Output cannot be written")


class StoreUnavailable(UserError):
    kind = ErrorKind(8, 503, "store-unavailable", "A store is unavailable")


class ValidationFailed(UserError):
    kind = ErrorKind(9, 422, "validation-failed", "Validation failed")


class IntegrityError(CaldicottError):
    """Stored state failed a check it must pass (for example a tampered log)."""

    kind = ErrorKind(10, 500, "integrity-failure", "Integrity check failed")


class Unsupported(UserError):
    """An engine or component cannot do what was asked; it says so rather than guess."""

    kind = ErrorKind(11, 501, "unsupported", "Not supported")


#: Every error class a user may see, in exit-code order. Exit code 0 is success,
#: 1 an internal error (a bug), 130 an interrupt.
CATALOGUE: tuple[type[CaldicottError], ...] = (
    CaldicottError,
    InvalidArgument,
    SettingsError,
    NotFound,
    Conflict,
    PermissionDenied,
    OutputError,
    StoreUnavailable,
    ValidationFailed,
    IntegrityError,
    Unsupported,
)

#: A test run (``view test``) found failing cases; not an error: its summary names them.
EXIT_TESTS_FAILED = 12
EXIT_INTERRUPTED = 130
#: The reader of standard output closed it early (``caldicott ... | head``): what was
#: written is whole up to there. 128 + SIGPIPE, as a shell reports for other tools.
EXIT_CLOSED_PIPE = 141


def exit_code_for(error: BaseException) -> int:
    """The stable exit code for an exception; unknown exceptions are internal errors."""
    if isinstance(error, CaldicottError):
        return error.kind.exit_code
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return CaldicottError.kind.exit_code
