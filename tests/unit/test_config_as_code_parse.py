"""Reading configuration files: what is accepted, and errors that name the line or field."""

from __future__ import annotations

import pytest

from pagerd.config_as_code import (
    Configuration,
    DeclaredLevel,
    DeclaredPolicy,
    DeclaredService,
    DeclaredTarget,
    InvalidConfiguration,
    parse_configuration,
    render_configuration,
)
from pagerd.domain.channels import Channel

GOOD = """\
version: 1
services:
  - name: checkout
    escalation_policy:
      repeat: 2
      levels:
        - ack_timeout_seconds: 300
          targets:
            - type: email
              email: alice@example.com
            - type: SMS
              phone_number: +5492664295169
        - targets:
            - {type: webhook, url: "https://hooks.example.com/pagerd"}
  - name: search
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(InvalidConfiguration) as caught:
        parse_configuration(text)
    return [str(p) for p in caught.value.problems]


def test_a_complete_file_reads_into_services_and_policies() -> None:
    configuration = parse_configuration(GOOD)

    assert configuration == Configuration(
        (
            DeclaredService(
                "checkout",
                DeclaredPolicy(
                    (
                        DeclaredLevel(
                            300,
                            (
                                DeclaredTarget(Channel.EMAIL, "alice@example.com"),
                                DeclaredTarget(Channel.SMS, "+5492664295169"),
                            ),
                        ),
                        DeclaredLevel(
                            900,
                            (DeclaredTarget(Channel.WEBHOOK, "https://hooks.example.com/pagerd"),),
                        ),
                    ),
                    repeat=2,
                ),
            ),
            DeclaredService("search", None),
        )
    )


def test_rendering_then_parsing_gives_back_the_same_configuration() -> None:
    configuration = parse_configuration(GOOD)

    assert parse_configuration(render_configuration(configuration)) == configuration


def test_a_yaml_syntax_error_names_its_line() -> None:
    problems = _problems("services:\n  - name: a\n    escalation_policy: [\n")

    assert len(problems) == 1
    assert problems[0].startswith("line 4")
    assert "not valid YAML" in problems[0]


def test_an_invalid_address_names_its_field_and_line() -> None:
    text = GOOD.replace("alice@example.com", "not-an-address")

    problems = _problems(text)

    assert problems == [
        "services[0].escalation_policy.levels[0].targets[0].email (line 10): "
        "must be an e-mail address such as oncall@example.com"
    ]


def test_every_structural_mistake_of_a_file_is_reported_at_once() -> None:
    text = """\
services:
  - name: a
    escalation_policy:
      repeat: 12
      levels:
        - ack_timeout_seconds: soon
          targets: [{type: pager, number: 1}]
  - name: a
  - nom: b
"""
    problems = _problems(text)

    assert problems == [
        "services[0].escalation_policy.levels[0].ack_timeout_seconds (line 6): "
        "must be a whole number",
        "services[0].escalation_policy.levels[0].targets[0].number (line 7): "
        "unknown field; expected one of type, email, phone_number, url, channel, user, schedule",
        "services[0].escalation_policy.levels[0].targets[0].type (line 7): "
        "must be one of email, sms, webhook, slack, teams, user, schedule",
        "services[2].nom (line 9): unknown field; expected one of name, integration_key, "
        "escalation_policy, maintenance_windows, heartbeats",
        "services[2].name (line 9): is required",
        "services[1].name (line 8): repeats the name of services[0]",
    ]


def test_the_domain_rules_are_checked_once_the_structure_is_right() -> None:
    text = (
        "services:\n  - name: a\n    escalation_policy:\n      repeat: 12\n      levels:\n"
        "        - targets: []\n"
    )

    assert _problems(text) == [
        "services[0].escalation_policy.repeat (line 4): must be between 0 and 9",
        "services[0].escalation_policy.levels[0].targets (line 6): must have at least one target",
    ]


def test_an_address_field_of_another_channel_is_refused() -> None:
    text = (
        "services:\n  - name: a\n    escalation_policy:\n      levels:\n"
        "        - targets: [{type: sms, email: a@example.com}]\n"
    )

    assert _problems(text) == [
        "services[0].escalation_policy.levels[0].targets[0].email (line 5): "
        "does not belong to a sms target",
        "services[0].escalation_policy.levels[0].targets[0].phone_number (line 5): "
        "is required for a sms target",
    ]


def test_a_key_written_twice_is_refused_rather_than_silently_overwritten() -> None:
    assert _problems("services: []\nservices: []\n") == ["services (line 2): appears twice"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty; it must declare services:"),
        ("- a\n", "line 1: must be a mapping (key: value lines)"),
        ("version: 2\nservices: []\n", "version (line 1): must be 1"),
        ("services: checkout\n", "services (line 1): must be a list"),
        ("services:\n  - name: ''\n", "services[0].name (line 2): must be a non-empty text value"),
    ],
)
def test_a_malformed_document_is_explained(text: str, expected: str) -> None:
    assert _problems(text) == [expected]


def test_an_empty_service_list_is_a_valid_file() -> None:
    assert parse_configuration("services: []\n") == Configuration(())


def test_a_teams_target_reads_from_its_url_and_renders_back() -> None:
    text = """\
version: 1
services:
  - name: checkout
    escalation_policy:
      levels:
        - targets:
            - {type: teams, url: "https://prod-00.westeurope.logic.azure.com/workflows/abc"}
"""
    configuration = parse_configuration(text)

    [service] = configuration.services
    assert service.escalation_policy is not None
    [level] = service.escalation_policy.levels
    url = "https://prod-00.westeurope.logic.azure.com/workflows/abc"
    assert level.targets == (DeclaredTarget(Channel.TEAMS, url),)
    assert parse_configuration(render_configuration(configuration)) == configuration
    assert _problems(text.replace("url:", "email:"))  # the wrong field is refused
