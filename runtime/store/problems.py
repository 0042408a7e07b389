"""The one error the stores raise: an HTTP-like status, a message for a person, and the field it is about.

Messages follow the project's voice (lowercase, the caller's own text in backticks) and never
quote a patient's data beyond an id: they may end up in a response or a log.
"""

from __future__ import annotations


class StoreProblem(ValueError):
    """A request a store refuses: 404 (unknown id), 409 (clashes with what is stored), 422 (bad field)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.status = status
        self.message = message
        self.field = field


def invalid(field: str, message: str) -> StoreProblem:
    """A 422 about one field."""
    return StoreProblem(422, message, field)


def not_found(message: str, field: str | None = None) -> StoreProblem:
    """A 404: the id names nothing stored."""
    return StoreProblem(404, message, field)


def conflict(message: str, field: str | None = None) -> StoreProblem:
    """A 409: well formed, but clashes with what is stored."""
    return StoreProblem(409, message, field)
