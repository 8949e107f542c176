"""Plan, apply and export configuration as code, each over one unit of work.

`apply_configuration` makes the database match the file in **one transaction**: either every
change lands or none does. Services are matched by name; what the file does not declare is
left alone unless `prune` is set. Applying the same file twice changes nothing the second
time, because policies are compared by content, not by target ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from uuid import UUID, uuid4

from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.diff import policy_diff
from pagerd.config_as_code.errors import IntegrationKeyTaken, PruneRefused
from pagerd.config_as_code.model import Configuration, DeclaredPolicy, DeclaredService
from pagerd.config_as_code.people import (
    converge_users,
    declared_users,
    refuse,
    unknown_users,
    user_directory,
)
from pagerd.config_as_code.schedule_apply import converge_schedules, export_schedules
from pagerd.domain.policy import build_policy
from pagerd.domain.roles import COMMAND_LINE, Actor
from pagerd.domain.service import MonitoredService
from pagerd.service_layer.audit import record_audit
from pagerd.service_layer.ports import Clock, UnitOfWork
from pagerd.service_layer.retry import retry_on_conflict
from pagerd.service_layer.services import new_integration_key

_PAGE = 500


def plan_configuration(
    uow: UnitOfWork, clock: Clock, configuration: Configuration, prune: bool = False
) -> list[Change]:
    """The changes `apply_configuration` would make now; writes nothing.

    Raises PruneRefused, like apply, when pruning would delete a service in incident.
    """
    return apply_configuration(uow, clock, configuration, prune=prune, dry_run=True)


@retry_on_conflict
def apply_configuration(
    uow: UnitOfWork,
    clock: Clock,
    configuration: Configuration,
    prune: bool = False,
    dry_run: bool = False,
    actor: Actor = COMMAND_LINE,
) -> list[Change]:
    """Make users, services and policies match `configuration`; return the changes, in
    order (users first: policies may name them). A policy naming a user who neither exists
    nor is declared raises InvalidConfiguration, and nothing changes.

    With `prune`, services absent from the file are deleted (with their policy and past
    alerts) and declared services without a policy lose theirs; a service with an open or
    acknowledged alert is never deleted: PruneRefused, and nothing changes. With `dry_run`
    the transaction is rolled back, and such a service is listed instead, saying that the
    real apply would refuse. A declared integration key replaces the service's; one that
    another service holds is refused (IntegrationKeyTaken).
    Changes are written to the audit log as one entry.
    """
    with uow:
        changes: list[Change] = converge_users(uow, clock, configuration.users)
        users = user_directory(uow)
        refuse(
            [
                problem
                for index, service in enumerate(configuration.services)
                if service.escalation_policy is not None
                for problem in unknown_users(
                    service.escalation_policy.user_names(),
                    users,
                    f"services[{index}].escalation_policy",
                )
            ]
        )
        existing = {s.name: s for s in _all_services(uow)}
        declared_names = {s.name for s in configuration.services}
        stale = [s for name, s in existing.items() if name not in declared_names] if prune else []
        # Lock only what this file may change: alerts of other services are not held up.
        _lock_in_order(uow, [existing[n] for n in declared_names if n in existing] + stale)
        for declared in configuration.services:
            found = existing.get(declared.name)
            changes.extend(_converge(uow, clock, declared, found, prune, users))
        changes.extend(_delete_services(uow, stale, dry_run))
        changes.extend(converge_schedules(uow, clock, configuration.schedules))
        if changes and not dry_run:
            after = {"changes": changes}
            record_audit(uow, clock, actor, "configuration.applied", None, after=after)
            uow.commit()
        return changes


def export_configuration(uow: UnitOfWork, include_secrets: bool = False) -> Configuration:
    """Every service with its policy and every schedule, sorted by name (stable diffs): the
    file that describes the database. With `include_secrets`, each service's integration key
    too (rebuilding from such a file keeps every sender working)."""
    with uow:
        names = {user_id: name for name, user_id in user_directory(uow).items()}
        declared = []
        for service in sorted(_all_services(uow), key=lambda s: s.name):
            policy = uow.policies.get_for_service(service.id)
            content = DeclaredPolicy.of(policy, names) if policy is not None else None
            key = service.integration_key if include_secrets else None
            declared.append(DeclaredService(service.name, content, key))
        return Configuration(tuple(declared), export_schedules(uow), declared_users(uow))


def _all_services(uow: UnitOfWork) -> Iterator[MonitoredService]:
    page = uow.services.list(_PAGE)
    while page:
        yield from page
        last = page[-1]
        page = uow.services.list(_PAGE, after=(last.created_at, last.id))


def _lock_in_order(uow: UnitOfWork, services: Iterable[MonitoredService]) -> None:
    # One fixed order (by id) so that concurrent applies never deadlock on each other.
    for service in sorted(services, key=lambda s: str(s.id)):
        uow.services.get_for_update(service.id)


def _converge(
    uow: UnitOfWork,
    clock: Clock,
    declared: DeclaredService,
    service: MonitoredService | None,
    prune: bool,
    users: Mapping[str, UUID],
) -> list[Change]:
    changes = []
    if service is None:
        key = declared.integration_key or new_integration_key()
        _require_free_key(uow, declared)
        service = MonitoredService(uuid4(), declared.name, key, clock.now())
        uow.services.add(service)
        changes.append(Change(Action.CREATE, "service", declared.name))
    elif declared.integration_key and declared.integration_key != service.integration_key:
        _require_free_key(uow, declared)
        service.integration_key = declared.integration_key
        uow.services.update(service)
        # Never print a key: the change log of an apply may end up in CI logs.
        detail = "replaced by the file's (senders using the old key are refused from now on)"
        changes.append(Change(Action.UPDATE, "integration key", declared.name, detail))
    current = uow.policies.get_for_service(service.id)
    wanted = declared.escalation_policy
    if wanted is None:
        if prune and current is not None:
            uow.policies.delete_for_service(service.id)
            changes.append(Change(Action.DELETE, "escalation policy", declared.name))
        return changes
    names = {user_id: name for name, user_id in users.items()}
    if current is not None and DeclaredPolicy.of(current, names) == wanted:
        return changes
    policy_id = current.id if current is not None else None
    specs = wanted.level_specs(users)
    uow.policies.save(build_policy(service.id, specs, wanted.repeat, policy_id))
    if current is None:
        changes.append(Change(Action.CREATE, "escalation policy", declared.name, wanted.describe()))
    else:
        fields = tuple(policy_diff(DeclaredPolicy.of(current, names), wanted))
        detail = "; ".join(fields)
        changes.append(Change(Action.UPDATE, "escalation policy", declared.name, detail, fields))
    return changes


def _require_free_key(uow: UnitOfWork, declared: DeclaredService) -> None:
    key = declared.integration_key
    holder = uow.services.get_by_integration_key(key) if key else None
    if holder is not None and holder.name != declared.name:
        raise IntegrationKeyTaken(declared.name, holder.name)


def _delete_services(
    uow: UnitOfWork, services: list[MonitoredService], dry_run: bool
) -> list[Change]:
    busy = {s.name for s in services if uow.alerts.get_active_for_service(s.id) is not None}
    if busy and not dry_run:
        raise PruneRefused(sorted(busy))
    changes = []
    for service in services:
        detail = "with its policy and past alerts"
        if service.name in busy:
            # A dry run lists what the real apply would refuse, rather than refusing.
            changes.append(Change(Action.DELETE, "service", service.name, detail + _REFUSED))
            continue
        # The same steps as the delete_service use case, inside this one transaction.
        uow.policies.delete_for_service(service.id)
        uow.alerts.delete_for_service(service.id)
        uow.services.delete(service.id)
        changes.append(Change(Action.DELETE, "service", service.name, detail))
    return changes


_REFUSED = " (REFUSED on apply: an alert is open or acknowledged; mark the service healthy first)"
