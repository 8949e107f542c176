"""Applying configuration files to the in-memory store: idempotent, dry, pruning with care."""

from __future__ import annotations

from uuid import UUID

import pytest

from pagerd.config_as_code import (
    Action,
    PruneRefused,
    apply_configuration,
    export_configuration,
    parse_configuration,
    plan_configuration,
    render_configuration,
)
from pagerd.domain.channels import Channel
from pagerd.testing.harness import PagingHarness, level

FILE = """\
services:
  - name: checkout
    escalation_policy:
      levels:
        - ack_timeout_seconds: 300
          targets:
            - {type: email, email: alice@example.com}
        - targets:
            - {type: sms, phone_number: "+5492664295169"}
  - name: search
    escalation_policy:
      repeat: 1
      levels:
        - targets: [{type: webhook, url: "https://hooks.example.com/search"}]
"""


def _apply(h: PagingHarness, text: str, **options: bool) -> list[tuple[str, str, str]]:
    changes = apply_configuration(h.uow, h.clock, parse_configuration(text), **options)
    return [(c.action.value, c.subject, c.service_name) for c in changes]


def _names(h: PagingHarness) -> list[str]:
    return [s.name for s in export_configuration(h.uow, h.clock).services]


def test_a_first_apply_creates_every_service_and_policy() -> None:
    h = PagingHarness()

    assert _apply(h, FILE) == [
        ("create", "service", "checkout"),
        ("create", "escalation policy", "checkout"),
        ("create", "service", "search"),
        ("create", "escalation policy", "search"),
    ]
    with h.uow:
        checkout = h.uow.services.get_by_name("checkout")
        assert checkout is not None
        policy = h.uow.policies.get_for_service(checkout.id)
    assert policy is not None
    assert [lv.targets[0].channel for lv in policy.levels] == [Channel.EMAIL, Channel.SMS]


def test_a_second_apply_of_the_same_file_changes_nothing() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    with h.uow:
        before = {s.name: s for s in h.uow.services.list(10)}

    assert _apply(h, FILE) == []
    with h.uow:
        after = {s.name: s for s in h.uow.services.list(10)}
    assert after == before


def test_apply_then_export_round_trips() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    exported = render_configuration(export_configuration(h.uow, h.clock))

    assert parse_configuration(exported) == parse_configuration(FILE)
    assert _apply(h, exported) == []


def test_a_changed_level_updates_the_policy_and_keeps_its_id() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    with h.uow:
        service = h.uow.services.get_by_name("checkout")
        assert service is not None
        old = h.uow.policies.get_for_service(service.id)

    changes = apply_configuration(h.uow, h.clock, parse_configuration(FILE.replace("300", "600")))

    assert [str(c) for c in changes] == [
        "update escalation policy of 'checkout': levels[0].ack_timeout_seconds: 300 -> 600"
    ]
    with h.uow:
        new = h.uow.policies.get_for_service(service.id)
    assert old is not None
    assert new is not None
    assert new.id == old.id
    assert new.levels[0].ack_timeout.total_seconds() == 600


def test_a_dry_run_reports_the_changes_and_writes_nothing() -> None:
    h = PagingHarness()

    changes = plan_configuration(h.uow, h.clock, parse_configuration(FILE))

    assert [c.action for c in changes] == [Action.CREATE] * 4
    assert _names(h) == []


def test_apply_leaves_services_the_file_does_not_declare_alone() -> None:
    h = PagingHarness()
    legacy = h.create_service("legacy")
    h.set_policy(legacy.id, [level("ops@example.com")])

    _apply(h, FILE)

    assert _names(h) == ["checkout", "legacy", "search"]
    assert _apply(h, "services:\n  - name: legacy\n") == []


def test_prune_deletes_only_undeclared_services_and_undeclared_policies() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    h.create_service("legacy")
    text = FILE.split("  - name: search")[0] + "  - name: search\n"

    assert _apply(h, text, prune=True) == [
        ("delete", "escalation policy", "search"),
        ("delete", "service", "legacy"),
    ]
    assert _names(h) == ["checkout", "search"]
    assert _apply(h, text, prune=True) == []


def test_prune_refuses_to_delete_a_service_in_incident_and_changes_nothing() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    h.alert(_service_id(h, "search"), "search is down")
    only_checkout = FILE.split("  - name: search")[0]
    with_new = only_checkout + "  - name: billing\n"

    with pytest.raises(PruneRefused, match="'search'"):
        apply_configuration(h.uow, h.clock, parse_configuration(with_new), prune=True)

    assert _names(h) == ["checkout", "search"]


def test_a_service_created_by_a_file_pages_its_declared_targets() -> None:
    h = PagingHarness()
    _apply(h, FILE)

    h.alert(_service_id(h, "checkout"), "checkout is down")
    h.run_workers()

    assert h.paged_addresses() == ["alice@example.com"]


def _service_id(h: PagingHarness, name: str) -> UUID:
    with h.uow:
        service = h.uow.services.get_by_name(name)
    assert service is not None
    return service.id
