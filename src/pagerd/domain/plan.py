"""The escalation plan: a policy frozen onto an alert when the alert opens.

Freezing means a mid-incident edit of the policy, or a policy store that is unavailable,
can neither skip nor repeat a level of an incident already under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pagerd.domain.policy import EscalationPolicy, Level


@dataclass(frozen=True)
class EscalationPlan:
    """The levels and repeat count an alert escalates through, copied from its policy."""

    policy_id: UUID
    levels: tuple[Level, ...]
    repeat: int = 0

    @classmethod
    def freeze(cls, policy: EscalationPolicy) -> EscalationPlan:
        """Copy a policy; the copy never changes, whatever happens to the policy later."""
        return cls(policy_id=policy.id, levels=policy.levels, repeat=policy.repeat)
