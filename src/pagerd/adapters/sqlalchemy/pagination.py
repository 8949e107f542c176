"""Keyset pagination over (created_at, id), the order every list of pagerd uses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pagerd.service_layer.ports import Cursor


def page(
    statement: sa.Select[Any],
    table: sa.Table,
    limit: int,
    after: Cursor | None,
    newest_first: bool,
) -> sa.Select[Any]:
    """`statement` ordered by (created_at, id), starting after `after`, at most `limit` rows."""
    created_at, row_id = table.c.created_at, table.c.id
    if after is not None:
        at, ident = after
        if newest_first:
            beyond = sa.or_(created_at < at, sa.and_(created_at == at, row_id < ident))
        else:
            beyond = sa.or_(created_at > at, sa.and_(created_at == at, row_id > ident))
        statement = statement.where(beyond)
    if newest_first:
        statement = statement.order_by(created_at.desc(), row_id.desc())
    else:
        statement = statement.order_by(created_at, row_id)
    return statement.limit(limit)
