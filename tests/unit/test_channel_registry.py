"""The channel registry: each channel kind declared once, looked up everywhere; senders
that do I/O only (links and reply codes come with the claimed page)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import cast
from uuid import uuid4

import pytest

from pagerd.adapters.channels import DevOutboxSender, build_senders, channel_adapter
from pagerd.adapters.channels.adapter import ChannelConfigs
from pagerd.adapters.channels.registry import ADAPTERS
from pagerd.adapters.memory import FakeClock
from pagerd.config_as_code import DeclaredTarget, parse_configuration, render_configuration
from pagerd.domain.channels import (
    Channel,
    ChannelKind,
    channel_kind,
    channel_kinds,
    email_problem,
    policy_channels,
    register_channel,
)
from pagerd.domain.errors import InvalidRequest
from pagerd.domain.policy import LevelSpec, TargetSpec, build_policy
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.delivery import claim_pages
from pagerd.testing.harness import PagingHarness, level


class _Undeclared(StrEnum):
    PAGER = "pager"


PAGER = cast(Channel, _Undeclared.PAGER)
SERVICE = uuid4()


def test_every_channel_member_is_declared_once_with_one_adapter() -> None:
    assert [kind.channel for kind in channel_kinds()] == list(Channel)
    assert sorted(a.channel for a in ADAPTERS) == sorted(Channel)
    for channel in Channel:
        assert channel_adapter(channel).channel is channel


def test_a_second_declaration_of_a_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        register_channel(
            ChannelKind(Channel.EMAIL, "Mail", "mail", "email", "a@b.c", email_problem)
        )


def test_an_undeclared_channel_is_refused_not_treated_as_a_webhook() -> None:
    with pytest.raises(LookupError, match="pager"):
        channel_kind(PAGER)
    with pytest.raises(LookupError, match="pager"):
        channel_adapter(PAGER)
    with pytest.raises(InvalidRequest) as refused:
        build_policy(SERVICE, [LevelSpec([TargetSpec("pager", "123")])])
    assert [d.field for d in refused.value.details] == ["levels.0.targets.0.type"]


def test_policies_page_by_address_only_the_channels_declared_so() -> None:
    assert policy_channels() == (
        Channel.EMAIL,
        Channel.SMS,
        Channel.WEBHOOK,
        Channel.SLACK,
        Channel.TEAMS,
    )
    with pytest.raises(InvalidRequest):
        build_policy(SERVICE, [LevelSpec([TargetSpec("voice", "+14155550123")])])


def test_a_slack_target_names_a_channel_and_a_slack_contact_method_a_member() -> None:
    policy = build_policy(SERVICE, [LevelSpec([TargetSpec("slack", "C0123ABCD")])])
    assert policy.levels[0].targets[0].address == "C0123ABCD"  # type: ignore[union-attr]
    with pytest.raises(InvalidRequest) as refused:
        build_policy(SERVICE, [LevelSpec([TargetSpec("slack", "#oncall")])])
    [problem] = refused.value.details
    assert problem.field == "levels.0.targets.0.channel"
    assert channel_kind(Channel.SLACK).check_address("C0123ABCD") is not None
    assert channel_kind(Channel.SLACK).check_address("U0123ABCD") is None


def test_unconfigured_channels_page_into_the_dev_outbox_rendered_by_their_own_adapter() -> None:
    senders = build_senders(ChannelConfigs(), FakeClock())
    assert set(senders) == set(Channel)
    assert all(isinstance(senders[c], DevOutboxSender) for c in Channel if c is not Channel.WEBHOOK)


def test_the_dev_outbox_shows_the_claimed_link_and_reply_code_stored_with_the_outcome() -> None:
    h = PagingHarness(public_url="https://p.example")
    h.senders.update(build_senders(ChannelConfigs(), h.clock))  # type: ignore[arg-type]
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("+15555550100", "slack:C0123ABCD")])
    alert = h.alert(service.id, "disk full")

    h.run_workers()

    with h.uow:
        [code] = [c for c in h.store.state.ack_codes if c.alert_id == alert.id]
        messages = {m.channel: m for m in h.uow.dev_outbox.list(10)}
    assert f"Reply ACK {code.code}" in messages[Channel.SMS].body
    assert messages[Channel.SLACK].subject == "Slack message to C0123ABCD"
    assert "https://p.example/alerts/" in messages[Channel.SLACK].body  # the claimed link
    assert '"action_id": "pagerd_acknowledge"' in messages[Channel.SLACK].body


def test_claimed_items_carry_links_and_only_reply_code_channels_get_codes() -> None:
    h = PagingHarness()
    service = h.create_service("checkout")
    h.set_policy(service.id, [level("+15555550100", "alice@example.com")])
    h.alert(service.id, "disk full")
    links = AckLinks("https://p.example", AckLinkSigner(b"k"))
    pages = {p.channel: p for p in claim_pages(h.uow, h.clock, "w", links=links)}

    sms, email = pages[Channel.SMS].items[0], pages[Channel.EMAIL].items[0]
    assert sms.reply_code is not None
    assert email.reply_code is None
    assert email.ack_url.startswith("https://p.example/ack/")
    assert email.console_url == f"https://p.example/alerts/{email.alert_id}"


def test_a_configuration_file_declares_a_slack_target_with_or_without_its_type() -> None:
    text = """\
version: 1
services:
  - name: checkout
    escalation_policy:
      levels:
        - targets:
            - {type: slack, channel: C0123ABCD}
            - {channel: C0456EFGH}
"""
    [service] = parse_configuration(text).services
    assert service.escalation_policy is not None
    [level] = service.escalation_policy.levels

    assert level.targets == (
        DeclaredTarget(Channel.SLACK, "C0123ABCD"),
        DeclaredTarget(Channel.SLACK, "C0456EFGH"),
    )
    assert parse_configuration(render_configuration(parse_configuration(text))) == (
        parse_configuration(text)
    )


def test_an_unconfigured_teams_channel_pages_into_the_dev_outbox_as_its_adaptive_card() -> None:
    h = PagingHarness(public_url="https://p.example")
    h.senders.update(build_senders(ChannelConfigs(), h.clock))  # type: ignore[arg-type]
    url = "https://contoso.webhook.office.com/workflows/1?sig=abc"
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(f"teams:{url}")])
    h.alert(service.id, "disk full")

    h.run_workers()

    with h.uow:
        [message] = h.uow.dev_outbox.list(10)
    assert (message.channel, message.subject) == (Channel.TEAMS, f"Teams card to {url}")
    card = json.loads(message.body)
    assert "AdaptiveCard" in json.dumps(card)
    assert "disk full" in message.body
    assert "https://p.example/alerts/" in message.body  # the link to acknowledge
