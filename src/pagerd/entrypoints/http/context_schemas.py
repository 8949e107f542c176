"""Schemas of what travels with an alert: severity, source, details and links.

The bounds are the domain's (`pagerd.domain.context`): beyond them the API answers 422 and
names the field; a body over 1 MiB is a 413 before any of this.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from pagerd.domain.context import (
    MAX_DETAILS_BYTES,
    MAX_HREF,
    MAX_LINK_TEXT,
    MAX_LINKS,
    MAX_SOURCE,
    AlertContext,
    Link,
    context_problems,
)
from pagerd.domain.severity import DEFAULT_ALERT_SEVERITY, Severity
from pagerd.entrypoints.http.errors import ApiError
from pagerd.entrypoints.http.fields import storable, text

SEVERITY_DESCRIPTION = (
    "How bad it is: `critical`, `error`, `warning` or `info` (lowest). "
    "Below the service's `paging_severity` an incident pages nobody."
)
Source = Annotated[str, text(MAX_SOURCE), AfterValidator(storable)]


class LinkModel(BaseModel):
    """A link attached to an alert: a runbook, a dashboard, the graph that fired."""

    href: str = Field(
        description=f"An http(s) URL, at most {MAX_HREF} characters.",
        examples=["https://runbooks.example.com/payments/5xx"],
    )
    text: str = Field(
        default="",
        description=f"What the link is, at most {MAX_LINK_TEXT} characters.",
        examples=["Runbook"],
    )

    def to_domain(self) -> Link:
        """The domain's link."""
        return Link(self.href, self.text)


class ContextIn(BaseModel):
    """The optional context fields of an alert request."""

    severity: Severity = Field(
        default=DEFAULT_ALERT_SEVERITY, description=SEVERITY_DESCRIPTION, examples=["error"]
    )
    source: Source | None = Field(
        default=None,
        description=f"Where the problem is (a host, a job), at most {MAX_SOURCE} characters.",
        examples=["api-7.prod.example.com"],
    )
    details: dict[str, Any] = Field(
        default_factory=dict,
        description=f"Anything else worth knowing, a JSON object of at most "
        f"{MAX_DETAILS_BYTES} bytes encoded, nested at most 8 deep.",
        examples=[{"error_rate": "6.2%", "region": "eu-west-1"}],
    )
    links: list[LinkModel] = Field(
        default_factory=list,
        description=f"At most {MAX_LINKS} links.",
        examples=[[{"href": "https://runbooks.example.com/payments/5xx", "text": "Runbook"}]],
    )

    def to_context(self) -> AlertContext:
        """The alert's context; ApiError 422 naming each bound broken."""
        return checked_context(
            AlertContext(
                severity=self.severity,
                source=self.source,
                details=self.details,
                links=tuple(link.to_domain() for link in self.links),
            )
        )


def checked_context(context: AlertContext) -> AlertContext:
    """`context` when within the bounds; ApiError 422 otherwise."""
    problems = context_problems(context)
    if problems:
        raise ApiError(422, "validation_error", "the alert's context is too large", problems)
    return context
