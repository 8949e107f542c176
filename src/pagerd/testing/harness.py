"""The scenario tests' pagerd: the simulation (in-memory store or a given unit of work,
fake clock, recording senders, the production engine), and `level` to write policies.

`advance` moves the clock and then runs the engine's duties until nothing is due, which is
what the running engine does continuously. Used by the unit tests, and by the integration
tests on SQLite and PostgreSQL (`make_uow`).
"""

from __future__ import annotations

from uuid import UUID, uuid4

from pagerd.domain.accounts import User
from pagerd.domain.channels import policy_channels
from pagerd.domain.people import ContactMethod, RuleSpec
from pagerd.domain.policy import SCHEDULE_TARGET, USER_TARGET, LevelSpec, TargetSpec
from pagerd.domain.roles import Role
from pagerd.entrypoints.simulation import SimulatedPagerd, UnitOfWorkFactory
from pagerd.service_layer import contact_methods

__all__ = ["PagingHarness", "UnitOfWorkFactory", "level", "user_target"]


def level(*addresses: str, timeout: int = 900) -> LevelSpec:
    """A level spec from addresses: `<type>:<address>` names its type (`slack:C0123ABCD`,
    `user:<id>`, see `user_target`); otherwise `+…` is SMS, `http…` a webhook, anything
    else e-mail."""
    return LevelSpec(targets=[_target(a) for a in addresses], ack_timeout_seconds=timeout)


def _target(address: str) -> TargetSpec:
    kind, named, rest = address.partition(":")
    if named and kind in {*(c.value for c in policy_channels()), USER_TARGET, SCHEDULE_TARGET}:
        return TargetSpec(kind, rest)
    if address.startswith("+"):
        return TargetSpec("sms", address)
    if address.startswith("http"):
        return TargetSpec("webhook", address)
    return TargetSpec("email", address)


def user_target(user_id: UUID) -> str:
    """The address `level` reads as a user target."""
    return f"user:{user_id}"


class PagingHarness(SimulatedPagerd):
    """pagerd wired on fakes, driven step by step: the simulation, with what tests ask of it.

    Its workers are the production engine's duties (`pagerd.entrypoints.workers.DUTIES`),
    so a scenario test exercises the orchestration production runs.
    """

    def create_user(self, username: str, disabled: bool = False) -> User:
        """A user (no password is needed to be paged)."""
        user = User(
            uuid4(), username, None, Role.RESPONDER, "UTC", self.clock.now(), disabled=disabled
        )
        with self.uow:
            self.uow.users.add(user)
            self.uow.commit()
        return user

    def add_contact_method(self, user_id: UUID, type_: str, address: str) -> ContactMethod:
        return contact_methods.add_contact_method(self.uow, self.clock, user_id, type_, address)

    def set_rules(self, user_id: UUID, *rules: tuple[ContactMethod, int]) -> None:
        """Replace the user's rules: (contact method, delay in minutes) pairs."""
        specs = [RuleSpec(method.id, minutes) for method, minutes in rules]
        contact_methods.put_notification_rules(self.uow, user_id, specs)

    def paged_addresses(self) -> list[str]:
        """Addresses that received a message, once per message, in order."""
        return [p.address for p in self.journal]
