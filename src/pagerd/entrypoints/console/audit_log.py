"""The audit log page (admins): who changed what and when, newest first, with what the
change was (the fields that differ between before and after)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.audit import AuditEntry
from pagerd.domain.roles import Permission
from pagerd.entrypoints.console.context import ConsoleContext
from pagerd.entrypoints.console.views import (
    PAGE_SIZE,
    decode_cursor,
    encode_cursor,
    open_alert_count,
)


def changed_fields(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field whose value differs, as short JSON text
    ("—" where the field did not exist). The subject's own id is left out: the entry names it."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in sorted((before.keys() | after.keys()) - {"id"}):
        old, new = before.get(key), after.get(key)
        if old != new:
            rows.append((key, _short(old, key in before), _short(new, key in after)))
    return rows


def _short(value: Any, present: bool) -> str:
    if not present:
        return "—"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 160 else text[:159] + "…"


def audit_routes(ctx: ConsoleContext) -> APIRouter:
    """GET /audit-log."""
    router = APIRouter()

    @router.get("/audit-log")
    def audit_page(request: Request, cursor: str = "") -> Response:
        session = ctx.page_session(request, Permission.CONFIGURE)
        if isinstance(session, Response):
            return session
        after = decode_cursor(cursor) if cursor else None
        if cursor and after is None:
            return ctx.error_page(
                request, session, 400, "Unknown page", "This link points to no page of the log."
            )
        uow = ctx.uow()
        with uow:
            found = uow.audit_log.list(PAGE_SIZE + 1, after)
            count = open_alert_count(uow)
        entries = found[:PAGE_SIZE]
        older = None
        if len(found) > PAGE_SIZE:
            older = encode_cursor(entries[-1].created_at, entries[-1].id)
        return ctx.page(
            request,
            "audit_log.html",
            session,
            title="Audit log",
            entries=[(entry, changed_fields(entry)) for entry in entries],
            older_cursor=older,
            paged=bool(cursor),
            open_count=count,
        )

    return router
