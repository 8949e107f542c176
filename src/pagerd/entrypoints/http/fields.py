"""Field types shared by the request and response schemas.

Text that pagerd stores must be storable everywhere: PostgreSQL refuses NUL characters and
no database encodes lone UTF-16 surrogates, so such text is refused with a 422 at the door
instead of failing in the database. Instants go out as RFC 3339 in UTC (`...Z`).
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, StringConstraints


def storable(value: str) -> str:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("must be valid Unicode text")
    return value


def sanitize(value: str) -> str:
    """Remove what `storable` refuses; for text from integrations, which is never refused."""
    return "".join(c for c in value if c != "\x00" and not "\ud800" <= c <= "\udfff")


def rfc3339(instant: datetime) -> str:
    """An instant as RFC 3339 in UTC with a `Z`; naive instants are taken as UTC."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def text(max_length: int, min_length: int = 1) -> StringConstraints:
    """Constraints of a stored, trimmed string field of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


ServiceName = Annotated[str, text(200), AfterValidator(storable)]
AlertMessage = Annotated[str, text(10_000), AfterValidator(storable)]
DedupKey = Annotated[str, text(255), AfterValidator(storable)]
Person = Annotated[str, text(200), AfterValidator(storable)]

UtcDateTime = Annotated[datetime, PlainSerializer(rfc3339, return_type=str, when_used="json")]
