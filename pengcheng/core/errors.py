"""Domain errors raised by services. The HTML pages and the JSON API turn them into responses.

Services raise these instead of returning error values, so both front ends report the same reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain rules refuse. ``code`` is a stable machine-readable identifier."""

    status = 400
    code = "bad_request"
    default_message: Any = _("The request cannot be carried out.")

    def __init__(self, message: Any = None, *, code: str | None = None, details: Any = None) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(str(self.message))


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    """The object is not in a state that allows this change (e.g. an illegal transition)."""

    status = 409
    code = "conflict"
    default_message = _("This change is not allowed in the current state.")


class ValidationFailed(DomainError):
    """Input failed validation; ``field_errors`` maps field names to messages."""

    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")

    def __init__(self, field_errors: dict[str, list[str]] | None = None, message: Any = None) -> None:
        self.field_errors = field_errors or {}
        super().__init__(message, details=[{"field": f, "messages": m} for f, m in self.field_errors.items()])


class AccessDenied(PermissionDenied):
    """A permission check failed. It carries what was attempted so the edge can audit the refusal
    after the service's transaction has rolled back."""

    def __init__(self, action: str, *, target: object = None, reason: str = "") -> None:
        self.action = action
        self.target = target
        self.reason = reason
        super().__init__(reason or f"not allowed: {action}")
