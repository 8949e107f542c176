"""How bad an alert is, and the severity from which a service pages people."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """PagerDuty's four severities, lowest first in `ORDER`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 3 for critical."""
        return _ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        """Whether this severity is `other` or worse."""
        return self.rank >= other.rank

    @classmethod
    def parse(cls, value: str | None) -> Severity | None:
        """The severity named by `value` (any case), or None when it names none."""
        if value is None:
            return None
        try:
            return cls(value.strip().lower())
        except ValueError:
            return None


_ORDER = (Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL)

DEFAULT_ALERT_SEVERITY = Severity.CRITICAL
DEFAULT_PAGING_SEVERITY = Severity.INFO


def highest(first: Severity, second: Severity) -> Severity:
    """The worse of two severities."""
    return first if first.rank >= second.rank else second
