"""Errors the domain raises when a rule forbids a request."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every rule violation; `code` is a stable snake_case identifier."""

    code = "domain_error"


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a dotted path such as `levels.0.targets.1.email`."""

    field: str
    message: str


class InvalidRequest(DomainError):
    """A request that breaks a rule; `details` names every bad field."""

    code = "validation_error"
    summary = "the request is invalid"

    def __init__(self, details: list[FieldError]) -> None:
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))
        self.details = details


class InvalidPolicy(InvalidRequest):
    """An escalation policy that breaks a rule; `details` names every bad field."""

    summary = "the escalation policy is invalid"


class AlertAlreadyResolved(DomainError):
    """An acknowledge arrived for an alert that is already resolved."""

    code = "alert_resolved"


class TooManyDedupKeys(DomainError):
    """A new dedup key for an incident that already holds the most it may (MAX_DEDUP_KEYS)."""

    code = "too_many_dedup_keys"


class NothingToEscalate(DomainError):
    """An escalate request for an alert that is not open, has no policy, or no level left."""

    code = "nothing_to_escalate"


class InvalidSchedule(DomainError):
    """An on-call schedule or override that breaks a rule; `details` names every bad field."""

    code = "validation_error"

    def __init__(self, details: list[FieldError]) -> None:
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))
        self.details = details
