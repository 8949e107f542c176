"""Use cases of escalation policies."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit
from uuid import UUID

from pagerd.domain.channels import channel_kind
from pagerd.domain.errors import FieldError, InvalidPolicy
from pagerd.domain.policy import (
    EscalationPolicy,
    LevelSpec,
    PolicyTarget,
    ScheduleTarget,
    Target,
    UserTarget,
    build_policy,
)
from pagerd.domain.roles import SYSTEM, Actor
from pagerd.domain.webhook_addresses import IPNetwork, url_host_problem
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.errors import NotFound
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict


@retry_on_conflict
def put_policy(
    uow: UnitOfWork,
    service_id: UUID,
    levels: Sequence[LevelSpec],
    repeat: int = 0,
    allowed_networks: Sequence[IPNetwork] = (),
    *,
    clock: Clock | None = None,
    actor: Actor = SYSTEM,
) -> EscalationPolicy:
    """Validate and store the service's policy, replacing the previous one.

    Alerts already open keep the plan frozen when they opened; the new policy applies to the
    next incident. Raises InvalidPolicy (every bad field named, webhook URLs that can never
    be reached given `allowed_networks` included) or NotFound. Written to the audit log when
    `clock` is given (the audit entry needs the time).
    """
    with uow:
        if uow.services.get_for_update(service_id) is None:
            raise NotFound("service", service_id)
        existing = uow.policies.get_for_service(service_id)
        policy = build_policy(
            service_id, levels, repeat, policy_id=existing.id if existing is not None else None
        )
        refuse_unreachable_webhooks(policy, allowed_networks)
        _check_users_exist(uow, policy)
        uow.policies.save(policy)
        if clock is not None:
            action = "policy.updated" if existing is not None else "policy.created"
            record_audit(uow, clock, actor, action, policy.id, before=existing, after=policy)
        uow.commit()
        return policy


def refuse_unreachable_webhooks(
    policy: EscalationPolicy, allowed_networks: Sequence[IPNetwork] = ()
) -> None:
    """Raise InvalidPolicy naming every target whose URL (a channel that `reaches_url`:
    webhooks) has a host that can never be reached."""
    problems = [
        FieldError(f"levels.{i}.targets.{j}.{channel_kind(target.channel).address_field}", problem)
        for i, level in enumerate(policy.levels)
        for j, target in enumerate(level.targets)
        if isinstance(target, Target)
        and channel_kind(target.channel).reaches_url
        and (problem := url_host_problem(urlsplit(target.address).hostname or "", allowed_networks))
    ]
    if problems:
        raise InvalidPolicy(problems)


def _check_users_exist(uow: UnitOfWork, policy: EscalationPolicy) -> None:
    """Raise InvalidPolicy naming each user or schedule target whose user or schedule
    does not exist."""
    problems = [
        problem
        for i, level in enumerate(policy.levels)
        for j, target in enumerate(level.targets)
        if (problem := _missing_referent(uow, f"levels.{i}.targets.{j}", target)) is not None
    ]
    if problems:
        raise InvalidPolicy(problems)


def _missing_referent(uow: UnitOfWork, path: str, target: PolicyTarget) -> FieldError | None:
    if isinstance(target, UserTarget) and uow.users.get(target.user_id) is None:
        return FieldError(f"{path}.user_id", f"no user has the id {target.user_id}")
    if isinstance(target, ScheduleTarget) and uow.schedules.get(target.schedule_id) is None:
        return FieldError(f"{path}.schedule_id", f"no schedule has the id {target.schedule_id}")
    return None


def get_policy(uow: UnitOfWork, service_id: UUID) -> EscalationPolicy:
    """The service's policy; NotFound when the service or its policy does not exist."""
    with uow:
        if uow.services.get(service_id) is None:
            raise NotFound("service", service_id)
        policy = uow.policies.get_for_service(service_id)
        if policy is None:
            raise NotFound("escalation policy of service", service_id)
        return policy
