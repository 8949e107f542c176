"""Plan, apply and export configuration as code, each over one unit of work.

`apply_configuration` makes the database match the file in **one transaction**: either every
change lands or none does. Services are matched by name; what the file does not declare is
left alone unless `prune` is set. Applying the same file twice changes nothing the second
time, because policies are compared by content, not by target ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from uuid import uuid4

from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.diff import policy_diff
from pagerd.config_as_code.errors import IntegrationKeyTaken, Problem, PruneRefused
from pagerd.config_as_code.model import Configuration, DeclaredPolicy, DeclaredService, Ids
from pagerd.config_as_code.people import (
    converge_users,
    declared_users,
    refuse,
    unknown_users,
    user_directory,
)
from pagerd.config_as_code.schedule_apply import (
    converge_schedules,
    export_schedules,
    schedule_directory,
)
from pagerd.config_as_code.upkeep_apply import (
    converge_heartbeats,
    converge_windows,
    export_heartbeats,
    export_windows,
)
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
    """Make users, schedules, services, policies, maintenance windows and heartbeats match
    `configuration`; return the changes, in order (users, then schedules: policies may name
    them). A policy naming a user or a schedule that neither exists nor is declared raises
    InvalidConfiguration, and nothing changes. Windows and heartbeats: see upkeep_apply.py.

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
        # Schedules before services: a policy may page a schedule the same file declares.
        changes.extend(converge_schedules(uow, clock, configuration.schedules))
        ids = Ids(user_directory(uow), schedule_directory(uow))
        refuse(_unknown_names(configuration, ids))
        existing = {s.name: s for s in _all_services(uow)}
        declared_names = {s.name for s in configuration.services}
        stale = [s for name, s in existing.items() if name not in declared_names] if prune else []
        # Lock only what this file may change: alerts of other services are not held up.
        _lock_in_order(uow, [existing[n] for n in declared_names if n in existing] + stale)
        for declared in configuration.services:
            found = existing.get(declared.name)
            changes.extend(_converge(uow, clock, declared, found, prune, ids))
        changes.extend(_delete_services(uow, stale, dry_run))
        if changes and not dry_run:
            after = {"changes": changes}
            record_audit(uow, clock, actor, "configuration.applied", None, after=after)
            uow.commit()
        return changes


def _unknown_names(configuration: Configuration, ids: Ids) -> list[Problem]:
    """A problem for each user or schedule a policy names that neither exists nor is
    declared."""
    problems = []
    for index, service in enumerate(configuration.services):
        policy = service.escalation_policy
        if policy is None:
            continue
        where = f"services[{index}].escalation_policy"
        problems += unknown_users(policy.user_names(), ids.users, where)
        problems += [
            Problem(where, f"names schedule {name!r}, which does not exist and is not declared "
                    "in schedules:")
            for name in sorted(policy.schedule_names() - set(ids.schedules))
        ]  # fmt: skip
    return problems


def export_configuration(
    uow: UnitOfWork, clock: Clock, include_secrets: bool = False
) -> Configuration:
    """Every service with its policy, planned and current maintenance windows and
    heartbeats, and every schedule, sorted by name (stable diffs): the file that describes
    the database. With `include_secrets`, each service's integration key too (rebuilding
    from such a file keeps every sender working); a heartbeat's ping token never."""
    now = clock.now()
    with uow:
        names = Ids(user_directory(uow), schedule_directory(uow)).names()
        declared = []
        for service in sorted(_all_services(uow), key=lambda s: s.name):
            policy = uow.policies.get_for_service(service.id)
            content = DeclaredPolicy.of(policy, names) if policy is not None else None
            key = service.integration_key if include_secrets else None
            windows = export_windows(uow, now, service.id) or None
            heartbeats = export_heartbeats(uow, service.id) or None
            declared.append(DeclaredService(service.name, content, key, windows, heartbeats))
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
    ids: Ids,
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
    changes.extend(_converge_policy(uow, declared, service, prune, ids))
    now = clock.now()
    if declared.maintenance_windows is not None:
        wanted_windows = declared.maintenance_windows
        changes += converge_windows(uow, now, service.id, declared.name, wanted_windows)
    if declared.heartbeats is not None:
        changes += converge_heartbeats(uow, now, service.id, declared.name, declared.heartbeats)
    return changes


def _converge_policy(
    uow: UnitOfWork,
    declared: DeclaredService,
    service: MonitoredService,
    prune: bool,
    ids: Ids,
) -> list[Change]:
    changes: list[Change] = []
    current = uow.policies.get_for_service(service.id)
    wanted = declared.escalation_policy
    if wanted is None:
        if prune and current is not None:
            uow.policies.delete_for_service(service.id)
            changes.append(Change(Action.DELETE, "escalation policy", declared.name))
        return changes
    names = ids.names()
    if current is not None and DeclaredPolicy.of(current, names) == wanted:
        return changes
    policy_id = current.id if current is not None else None
    specs = wanted.level_specs(ids)
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
