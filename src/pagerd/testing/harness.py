"""The scenario tests' pagerd: the simulation (in-memory store or a given unit of work,
fake clock, recording senders, the production engine), and `level` to write policies.

`advance` moves the clock and then runs the engine's duties until nothing is due, which is
what the running engine does continuously. Used by the unit tests, and by the integration
tests on SQLite and PostgreSQL (`make_uow`).
"""

from __future__ import annotations

from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.entrypoints.simulation import SimulatedPagerd, UnitOfWorkFactory

__all__ = ["PagingHarness", "UnitOfWorkFactory", "level"]


def level(*addresses: str, timeout: int = 900) -> LevelSpec:
    """A level spec from addresses: `+…` is SMS, `http…` a webhook, anything else e-mail."""
    return LevelSpec(targets=[_target(a) for a in addresses], ack_timeout_seconds=timeout)


def _target(address: str) -> TargetSpec:
    if address.startswith("+"):
        return TargetSpec("sms", address)
    if address.startswith("http"):
        return TargetSpec("webhook", address)
    return TargetSpec("email", address)


class PagingHarness(SimulatedPagerd):
    """pagerd wired on fakes, driven step by step: the simulation, with what tests ask of it.

    Its workers are the production engine's duties (`pagerd.entrypoints.workers.DUTIES`),
    so a scenario test exercises the orchestration production runs.
    """

    def paged_addresses(self) -> list[str]:
        """Addresses that received a message, once per message, in order."""
        return [p.address for p in self.journal]
