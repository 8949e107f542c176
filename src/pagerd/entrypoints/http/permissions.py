"""Roles on the API: each `/api/v1` route declares the one permission it needs.

    @router.delete("/{id}", dependencies=[needs(Permission.CONFIGURE)])

`require_api_token` (auth.py) has already put the caller's `Actor` on the request; `needs`
answers 403 `forbidden` when the actor's role lacks the permission. The OpenAPI document
states each route's permission (`x-pagerd-permission` and a sentence in its description),
and a test checks that every `/api/v1` route declares exactly one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, params
from fastapi.routing import APIRoute
from starlette.requests import Request

from pagerd.domain.roles import PERMISSION_SUMMARY, Actor, Permission
from pagerd.entrypoints.http.errors import ApiError

OPENAPI_KEY = "x-pagerd-permission"


def forbidden(actor: Actor, permission: Permission) -> ApiError:
    """The 403 for `actor` lacking `permission`, saying who may instead."""
    return ApiError(
        403,
        "forbidden",
        f"this needs {PERMISSION_SUMMARY[permission]}; {actor.name} is a {actor.role.value}",
    )


def request_actor(request: Request) -> Actor:
    """Who the request acts as (set by the API token check)."""
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        raise RuntimeError("no actor on the request: the route is outside the token check")
    return actor


CurrentActor = Annotated[Actor, Depends(request_actor)]
"""A route parameter receiving the request's actor, for the audit log and finer checks."""


class PermissionCheck:
    """The dependency `needs` builds; `permission` is kept for the OpenAPI document."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> None:
        actor = request_actor(request)
        if not actor.can(self.permission):
            raise forbidden(actor, self.permission)


def needs(permission: Permission) -> params.Depends:
    """The dependency a route lists to require `permission`."""
    dependency: params.Depends = Depends(PermissionCheck(permission))
    return dependency


def route_permissions(route: APIRoute) -> list[Permission]:
    """The permissions a route declares through `needs`."""
    return [
        dependency.call.permission
        for dependency in route.dependant.dependencies
        if isinstance(dependency.call, PermissionCheck)
    ]


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every `/api/v1` route of `app` (its routers are kept on `app.state.api_routers`)."""
    routers: list[APIRouter] = getattr(app.state, "api_routers", [])
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


def document_permissions(app: FastAPI, document: dict[str, Any]) -> None:
    """Add each route's permission to its operation in the OpenAPI `document`."""
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        declared = route_permissions(route)
        if len(declared) != 1:
            continue
        operations = document.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            operation[OPENAPI_KEY] = declared[0].value
            who = f"Allowed to {PERMISSION_SUMMARY[declared[0]]}."
            operation["description"] = f"{operation.get('description', '')}\n\n{who}".strip()
