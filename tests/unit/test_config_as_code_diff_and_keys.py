"""`pagerd apply` says what it changes field by field, lists what a pruning dry run would
delete, and carries integration keys from an export to a rebuilt database."""

from __future__ import annotations

import pytest

from pagerd.config_as_code import (
    IntegrationKeyTaken,
    InvalidConfiguration,
    apply_configuration,
    export_configuration,
    parse_configuration,
    render_configuration,
)
from pagerd.config_as_code.diff import policy_diff
from pagerd.testing.harness import PagingHarness
from tests.unit.test_config_as_code_apply import FILE, _apply, _names, _service_id

KEY = "0123456789abcdef0123456789abcdef"


def test_the_diff_names_each_changed_field_with_its_old_and_new_value() -> None:
    before = parse_configuration(FILE).services[0].escalation_policy
    changed = FILE.replace("300", "600").replace("alice@example.com", "bob@example.com")
    after = parse_configuration(changed)
    assert before is not None
    policy = after.services[0].escalation_policy
    assert policy is not None

    assert policy_diff(before, policy) == [
        "levels[0].ack_timeout_seconds: 300 -> 600",
        "levels[0].targets[0]: email alice@example.com -> email bob@example.com",
    ]


def test_the_diff_names_added_and_removed_levels_and_targets_and_repeat() -> None:
    one_level = """\
services:
  - name: a
    escalation_policy:
      levels:
        - targets: [{type: email, email: a@example.com}, {type: email, email: b@example.com}]
"""
    two_levels = """\
services:
  - name: a
    escalation_policy:
      repeat: 2
      levels:
        - targets: [{type: email, email: a@example.com}]
        - targets: [{type: webhook, url: "https://hooks.example.com/x"}]
"""
    before = parse_configuration(one_level).services[0].escalation_policy
    after = parse_configuration(two_levels).services[0].escalation_policy
    assert before is not None
    assert after is not None

    assert policy_diff(before, after) == [
        "levels[0].targets[1]: removed (email b@example.com)",
        "levels[1]: added (webhook https://hooks.example.com/x; ack timeout 900 s)",
        "repeat: 0 -> 2",
    ]
    assert policy_diff(after, after) == []


def test_a_pruning_dry_run_lists_a_service_in_incident_as_refused_instead_of_refusing() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    h.alert(_service_id(h, "search"), "search is down")
    only_checkout = FILE.split("  - name: search")[0]

    changes = apply_configuration(
        h.uow, h.clock, parse_configuration(only_checkout), prune=True, dry_run=True
    )

    assert [str(c) for c in changes] == [
        "delete service 'search': with its policy and past alerts (REFUSED on apply: an alert "
        "is open or acknowledged; mark the service healthy first)"
    ]
    assert _names(h) == ["checkout", "search"]


def test_an_export_with_secrets_rebuilds_services_with_their_integration_keys() -> None:
    original = PagingHarness()
    _apply(original, FILE)
    with_keys = export_configuration(original.uow, original.clock, include_secrets=True)
    exported = render_configuration(with_keys)
    without = render_configuration(export_configuration(original.uow, original.clock))

    rebuilt = PagingHarness()
    _apply(rebuilt, exported)

    def keys(h: PagingHarness) -> dict[str, str | None]:
        found = export_configuration(h.uow, h.clock, include_secrets=True).services
        return {s.name: s.integration_key for s in found}

    assert keys(rebuilt) == keys(original)
    assert all(keys(original).values())
    assert "integration_key" not in without
    assert "Keep it secret" in exported
    assert _apply(rebuilt, exported) == []


def test_a_declared_key_replaces_the_services_key_and_says_so_without_printing_it() -> None:
    h = PagingHarness()
    _apply(h, FILE)
    text = FILE.replace("  - name: checkout\n", f"  - name: checkout\n    integration_key: {KEY}\n")

    changes = apply_configuration(h.uow, h.clock, parse_configuration(text))

    assert [(c.action.value, c.subject, c.service_name) for c in changes] == [
        ("update", "integration key", "checkout")
    ]
    assert KEY not in str(changes[0])
    with h.uow:
        service = h.uow.services.get_by_integration_key(KEY)
    assert service is not None
    assert service.name == "checkout"


def test_a_key_held_by_another_service_is_refused_and_nothing_changes() -> None:
    h = PagingHarness()
    _apply(
        h, FILE.replace("  - name: checkout\n", f"  - name: checkout\n    integration_key: {KEY}\n")
    )
    stolen = f"services:\n  - name: billing\n    integration_key: {KEY}\n"

    with pytest.raises(IntegrationKeyTaken, match="'checkout'"):
        apply_configuration(h.uow, h.clock, parse_configuration(stolen))

    assert _names(h) == ["checkout", "search"]


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("short", "must be 16 to 64"),
        ("has spaces in it, which no key has", "must be 16 to 64"),
    ],
)
def test_a_malformed_integration_key_is_refused_with_its_line(key: str, problem: str) -> None:
    text = f"services:\n  - name: a\n    integration_key: {key}\n"

    with pytest.raises(InvalidConfiguration) as caught:
        parse_configuration(text)

    assert str(caught.value).startswith("services[0].integration_key (line 3): " + problem)


def test_two_services_declaring_one_key_are_refused() -> None:
    text = (
        f"services:\n  - name: a\n    integration_key: {KEY}\n"
        f"  - name: b\n    integration_key: {KEY}\n"
    )

    with pytest.raises(InvalidConfiguration, match="repeats the integration key of services"):
        parse_configuration(text)
