"""The escalation-policy editor's one route: apply an editing action, or save.

Saving goes through `put_policy`, which validates with `build_policy`; its errors come back
next to the fields they name, with a 422 and nothing stored. Editing actions (add, remove,
reorder) answer 200 with the changed draft, still unsaved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from pagerd.domain.errors import InvalidPolicy
from pagerd.domain.policy import build_policy
from pagerd.entrypoints.console.context import ConsoleContext, ConsoleForm
from pagerd.entrypoints.console.policy_form import PolicyDraft
from pagerd.entrypoints.console.service_page import render_service_page
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.policies import put_policy

SAVE = "save"


def policy_routes(ctx: ConsoleContext) -> APIRouter:
    """POST /services/{id}/policy."""
    router = APIRouter()

    @router.post("/services/{service_id}/policy")
    def edit_policy(
        request: Request, service_id: str, form: Annotated[ConsoleForm, Form()]
    ) -> Response:
        target = ctx.form_target(request, form, service_id, "service")
        if isinstance(target, Response):
            return target
        session, found = target
        fields = form.fields()
        draft = PolicyDraft.from_form(fields)
        action = fields.get("action", SAVE)
        if action != SAVE:
            focus = draft.apply(action)
            return render_service_page(ctx, request, session, found, draft, focus=focus)
        specs, repeat, problems = draft.to_specs()
        try:
            if problems:
                # Not even numbers: still run the domain's checks, to name every bad field.
                build_policy(found, specs, repeat)
                raise InvalidPolicy([])
            clock, actor = ctx.container.clock, session.actor
            allowed = ctx.container.settings.allowed_networks
            put_policy(
                ctx.uow(), found, specs, repeat, clock=clock, actor=actor, allowed_networks=allowed
            )
        except InvalidPolicy as exc:
            reported = {p.field for p in problems}
            problems += [p for p in exc.details if p.field not in reported]
            return render_service_page(ctx, request, session, found, draft, problems, status=422)
        except NotFound:
            return ctx.not_found(request, session, "service")
        ctx.container.observer.configuration_changed(
            "update", "escalation policy", str(found), f"console:{session.username}"
        )
        return ctx.redirect(f"/services/{found}?done=policy_saved#policy")

    return router
