"""Lists: `{"items", "next_cursor"}`, `?limit=` and opaque `?cursor=`.

Cursors are keyset positions (the created_at and id of the last item of a page) encoded in
URL-safe base64, so a page is stable while rows are added. For short per-alert lists kept in
memory (timeline, notifications) the position is an offset into the append-only list. A
cursor that does not decode is a 422 naming the `cursor` field.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Generic, Protocol, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from pagerd.domain.errors import FieldError
from pagerd.entrypoints.http.errors import ApiError
from pagerd.service_layer.ports import Cursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")
Item = TypeVar("Item")


class Keyed(Protocol):
    """A row listed in (created_at, id) order, which is its keyset position."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> UUID: ...


Row = TypeVar("Row", bound=Keyed)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")]
CursorParam = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` of the previous page, to continue."),
]


class Page(BaseModel, Generic[Item]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[Item] = Field(description="This page's items.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last."
    )


def _invalid_cursor() -> ApiError:
    return ApiError(
        422,
        "validation_error",
        "the request has invalid fields",
        [FieldError("cursor", "is not a cursor this list returned")],
    )


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as exc:
        raise _invalid_cursor() from exc


def encode_keyset(position: Cursor) -> str:
    """An opaque cursor for the item at `position` (its created_at and id)."""
    created_at, ident = position
    return _encode(f"k|{created_at.astimezone(UTC).isoformat()}|{ident}")


def decode_keyset(cursor: str | None) -> Cursor | None:
    """The position a keyset cursor stands for; ApiError 422 when it is not one."""
    if cursor is None:
        return None
    kind, _, rest = _decode(cursor).partition("|")
    stamp, _, ident = rest.partition("|")
    try:
        created_at = datetime.fromisoformat(stamp)
        # In UTC, as pagerd writes it; out of range (year 1 at +01:00) is an OverflowError.
        position = (created_at.astimezone(UTC), UUID(ident))
    except (ValueError, OverflowError) as exc:
        raise _invalid_cursor() from exc
    if kind != "k" or created_at.tzinfo is None or encode_keyset(position) != cursor:
        raise _invalid_cursor()
    return position


def keyset_page(
    fetch: Callable[[int, Cursor | None], Sequence[T]],
    position: Callable[[T], Cursor],
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """Fetch one page through `fetch(limit, after)`, asking one more row to see if more follow."""
    rows = list(fetch(limit + 1, decode_keyset(cursor)))
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_keyset(position(page[-1]))


def keyset_list(
    fetch: Callable[[int, Cursor | None], Sequence[Row]],
    view: Callable[[Row], Item],
    limit: int,
    cursor: str | None,
) -> Page[Item]:
    """`keyset_page` over rows positioned by their (created_at, id), each shown by `view`."""
    rows, next_cursor = keyset_page(fetch, lambda row: (row.created_at, row.id), limit, cursor)
    return Page(items=[view(row) for row in rows], next_cursor=next_cursor)


def offset_page(items: Sequence[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """Page through a short list held in memory (oldest first, append-only)."""
    start = 0
    if cursor is not None:
        kind, _, number = _decode(cursor).partition("|")
        if kind != "o" or not (number.isascii() and number.isdigit()) or len(number) > 9:
            raise _invalid_cursor()
        start = int(number)
    end = start + limit
    next_cursor = _encode(f"o|{end}") if end < len(items) else None
    return list(items[start:end]), next_cursor


def position_page(
    fetch: Callable[[int, int | None], Sequence[tuple[int, T]]], limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """Page through rows kept in a stable order by an integer position (keyset: a row
    removed meanwhile shifts nothing). `fetch(n, after)` gives up to n rows after `after`."""
    after = None
    if cursor is not None:
        kind, _, number = _decode(cursor).partition("|")
        if kind != "p" or not (number.isascii() and number.isdigit()) or len(number) > 12:
            raise _invalid_cursor()
        after = int(number)
    rows = list(fetch(limit + 1, after))
    shown = rows[:limit]
    next_cursor = _encode(f"p|{shown[-1][0]}") if len(rows) > limit else None
    return [item for _, item in shown], next_cursor
