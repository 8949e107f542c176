"""The page of one service: its health, its incident, whom level 1 would page right now,
its integration key, maintenance, heartbeats and its policy editor."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.channels import channel_kind, policy_channels
from pagerd.domain.errors import FieldError
from pagerd.domain.policy import MAX_ACK_TIMEOUT, MAX_REPEAT, SCHEDULE_TARGET, USER_TARGET
from pagerd.entrypoints.console.context import ConsoleContext
from pagerd.entrypoints.console.policy_form import (
    PolicyDraft,
    errors_by_field,
    field_id,
    field_label,
)
from pagerd.entrypoints.console.sessions import Session
from pagerd.entrypoints.console.views import open_alert_count
from pagerd.service_layer.paged_now import paged_now
from pagerd.service_layer.users import every_user

MAINTENANCE_SHOWN = 20
"""Windows listed on the service page (latest end first: planned, current, recent past)."""

CHANNEL_CHOICES = [
    *((channel.value, channel_kind(channel).label) for channel in policy_channels()),
    (USER_TARGET, "Person"),
    (SCHEDULE_TARGET, "Schedule (who is on call)"),
]
ADDRESS_HINTS = {channel.value: channel_kind(channel).example for channel in policy_channels()}


def render_service_page(
    ctx: ConsoleContext,
    request: Request,
    session: Session,
    service_id: UUID,
    draft: PolicyDraft | None = None,
    problems: list[FieldError] | None = None,
    focus: str | None = None,
    status: int = 200,
    maintenance_errors: list[str] | None = None,
) -> Response:
    """Render the service page; `draft` replaces the stored policy in the editor (unsaved)."""
    uow = ctx.uow()
    with uow:
        service = uow.services.get(service_id)
        if service is None:
            return ctx.not_found(request, session, "service")
        policy = uow.policies.get_for_service(service_id)
        active = uow.alerts.get_active_for_service(service_id)
        count = open_alert_count(uow)
        overlap_ends_at = uow.retired_keys.expiry_for_service(service_id, ctx.now())
        users = sorted(every_user(uow), key=lambda u: (u.name.casefold(), str(u.id)))
        people = [(str(user.id), user.name) for user in users]
        rosters = [(str(s.id), s.name) for s in uow.schedules.list(500, None)]
        windows = uow.maintenance.list_for_service(service_id, MAINTENANCE_SHOWN)
        monitors = uow.heartbeats.list_for_service(service_id)
        now = ctx.now()
        first_level = paged_now(uow, policy.levels[0], now) if policy is not None else []
        held_until = uow.maintenance.covering(service_id, now)
    unsaved = draft is not None
    if draft is None:
        draft = PolicyDraft.from_policy(policy) if policy is not None else PolicyDraft()
    problems = problems or []
    return ctx.page(
        request,
        "service.html",
        session,
        status=status,
        title=service.name,
        service=service,
        policy=policy,
        active_alert=active,
        key_overlap_ends_at=overlap_ends_at,
        open_count=count,
        draft=draft,
        unsaved=unsaved,
        errors=errors_by_field(problems),
        error_summary=[(field_label(p.field), p.message, p.field) for p in problems],
        field_id_of=field_id,
        focus=focus,
        channels=CHANNEL_CHOICES,
        people=people,
        rosters=sorted(rosters, key=lambda item: item[1].casefold()),
        address_hints=ADDRESS_HINTS,
        max_timeout=int(MAX_ACK_TIMEOUT.total_seconds()),
        max_repeat=MAX_REPEAT,
        windows=windows,
        heartbeats=monitors,
        first_level=first_level,
        first_level_reaches=any(target.nobody is None for target in first_level),
        held_until=held_until.end_at if held_until is not None else None,
        maintenance_errors=maintenance_errors or [],
        public_url=ctx.container.public_url,
    )
