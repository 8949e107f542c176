"""The dev outbox page: every message pagerd would have sent, with its full text.

When no SMTP server or Twilio account is configured, pages land in the dev outbox; this page
is how someone trying pagerd sees exactly what on-call engineers would receive.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from pagerd.entrypoints.console.context import ConsoleContext
from pagerd.entrypoints.console.views import (
    PAGE_SIZE,
    decode_cursor,
    encode_cursor,
    open_alert_count,
)


def outbox_routes(ctx: ConsoleContext) -> APIRouter:
    """GET /outbox."""
    router = APIRouter()

    @router.get("/outbox")
    def outbox_page(request: Request, cursor: str = "") -> Response:
        session = ctx.user_session(request)
        if session is None:
            return ctx.sign_in_redirect(request)
        after = decode_cursor(cursor) if cursor else None
        if cursor and after is None:
            return ctx.error_page(
                request, session, 400, "Unknown page", "This link points to no page of messages."
            )
        uow = ctx.uow()
        with uow:
            found = uow.dev_outbox.list(PAGE_SIZE + 1, after)
            count = open_alert_count(uow)
        messages = found[:PAGE_SIZE]
        older = (
            encode_cursor(messages[-1].created_at, messages[-1].id)
            if len(found) > PAGE_SIZE
            else None
        )
        return ctx.page(
            request,
            "outbox.html",
            session,
            title="Dev outbox",
            messages=messages,
            older_cursor=older,
            paged=bool(cursor),
            open_count=count,
            smtp=ctx.container.settings.smtp_configured,
            twilio=ctx.container.settings.twilio_configured,
        )

    return router
