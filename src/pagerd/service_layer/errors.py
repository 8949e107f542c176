"""Errors of the use cases, mapped to HTTP statuses by the entry points."""

from __future__ import annotations

from uuid import UUID

from pagerd.domain.errors import FieldError


class UseCaseError(Exception):
    """Base of use-case errors; `code` is a stable snake_case identifier."""

    code = "error"


class NotFound(UseCaseError):
    """The named thing does not exist."""

    code = "not_found"

    def __init__(self, kind: str, ident: UUID | str) -> None:
        super().__init__(f"{kind} {ident} does not exist")
        self.kind = kind
        self.ident = ident


class Conflict(UseCaseError):
    """The request contradicts the current state (for example deleting a service in incident)."""

    code = "conflict"


class ConcurrencyConflict(UseCaseError):
    """Another transaction won a race (a unique constraint, a deadlock, a serialization failure).

    Raised by adapters; use cases run again from the start, and then see the winner's state.
    """

    code = "concurrency_conflict"


class Forbidden(UseCaseError):
    """The actor's role does not allow this action (the message says who may)."""

    code = "forbidden"


class InvalidFields(UseCaseError):
    """Fields of a request that break a rule; `details` names each one (answered as 422)."""

    code = "validation_error"

    def __init__(self, message: str, details: list[FieldError]) -> None:
        super().__init__(message)
        self.details = details
