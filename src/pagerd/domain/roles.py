"""Roles, the permissions they grant, and the actor every action is done by.

The one table of who may do what is `ROLE_PERMISSIONS`: viewers read; responders also act on
incidents and edit their own profile; admins do everything. Entry points declare the
permission each route needs and ask `Actor.can`; nothing else decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    """What a user may do, from least to most."""

    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"


class Permission(StrEnum):
    """A kind of action; every route needs exactly one."""

    READ = "read"
    """See anything but the audit log and secrets: services, policies, alerts, users."""

    RESPOND = "respond"
    """Act on incidents: acknowledge, resolve, add notes, escalate."""

    EDIT_OWN_PROFILE = "edit_own_profile"
    """Change one's own profile, contact methods, notification rules and overrides (another
    user's needs CONFIGURE: see `Actor.may_edit_profile_of`)."""

    CONFIGURE = "configure"
    """Change configuration (services, policies, users, tokens) and read the audit log."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.RESPONDER: frozenset({Permission.READ, Permission.RESPOND, Permission.EDIT_OWN_PROFILE}),
    Role.ADMIN: frozenset(Permission),
}

PERMISSION_SUMMARY: dict[Permission, str] = {
    Permission.READ: "any role (viewer, responder, admin)",
    Permission.RESPOND: "a responder or an admin",
    Permission.EDIT_OWN_PROFILE: "a responder (their own profile) or an admin",
    Permission.CONFIGURE: "an admin",
}
"""Who holds each permission, in words, for error messages and the API documentation."""


@dataclass(frozen=True)
class Actor:
    """Who does something: a user (signed in, or through one of their API tokens), an API
    token that belongs to nobody (the configured admin token, tokens made before users had
    roles), the command line, or pagerd itself. `user_id` is None for all but users."""

    name: str
    role: Role
    user_id: UUID | None = None

    def can(self, permission: Permission) -> bool:
        """Whether this actor's role grants `permission`."""
        return permission in ROLE_PERMISSIONS[self.role]

    def may_edit_profile_of(self, user_id: UUID) -> bool:
        """Whether this actor may change `user_id`'s profile, contact methods and rules:
        admins anyone's, responders their own."""
        if self.can(Permission.CONFIGURE):
            return True
        return self.user_id == user_id and self.can(Permission.EDIT_OWN_PROFILE)


SYSTEM = Actor("pagerd", Role.ADMIN)
"""pagerd itself (timers, integrations): never shown a 403."""

COMMAND_LINE = Actor("command line", Role.ADMIN)
"""Whoever runs `pagerd` commands on the host: they hold the database already."""
