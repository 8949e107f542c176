"""Slack pages against a local Slack Web API (`tests/fake_slack.py`): the post and its Block
Kit, the message reference stored with `sent`, direct messages to members, the edit once the
alert is acknowledged or resolved, 429 with Retry-After then success, permanent errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.slack import SlackConfig, SlackSender
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.incidents import resolve_incident
from pagerd.service_layer.test_messages import get_test_message, queue_test_message
from pagerd.testing.harness import PagingHarness, level
from tests.fake_slack import BOT_TOKEN, FakeSlack

CHANNEL = "C0123ABCD"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.close()


def _harness(slack: FakeSlack) -> PagingHarness:
    h = PagingHarness(public_url="https://pagerd.example.com")
    config = SlackConfig(BOT_TOKEN, api_base=slack.api_base, timeout=5)
    h.senders[Channel.SLACK] = SlackSender(config, MessageRenderer(), h.clock)
    return h


def _page(h: PagingHarness, message: str = "checkout: HTTP 5xx above 5%") -> Any:
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(f"slack:{CHANNEL}", timeout=300), level("bob@example.com")])
    alert = h.alert(service.id, message)
    h.run_workers()
    return alert


def _slack_pages(h: PagingHarness, alert_id: UUID) -> list[Notification]:
    with h.uow:
        pages = h.uow.outbox.list_for_alert(alert_id)
    return [n for n in pages if n.channel is Channel.SLACK]


def _actions(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_page_is_posted_with_its_buttons_and_its_reference_is_stored_with_sent(
    slack: FakeSlack,
) -> None:
    h = _harness(slack)
    alert = _page(h)

    [post] = slack.posts
    [page] = _slack_pages(h, alert.id)
    assert post["channel"] == CHANNEL
    assert f"pagerd notification {page.id}" in post["text"]
    assert post["metadata"]["event_payload"] == {"notification_id": str(page.id)}
    assert _actions(post["blocks"]) == ["pagerd_acknowledge", "pagerd_resolve", "pagerd_open"]
    buttons = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["value"] == buttons[1]["value"] == str(alert.id)
    assert buttons[2]["url"] == f"https://pagerd.example.com/alerts/{alert.id}"
    text = str(post["blocks"])
    assert "CRITICAL checkout" in text
    assert "HTTP 5xx above 5%" in text
    assert "level 1, pass 1" in text
    assert page.status is NotificationStatus.SENT
    assert page.message_ref == f"{CHANNEL}/{post['_ts']}"


def test_an_alert_cannot_mention_everyone_or_fake_a_link(slack: FakeSlack) -> None:
    h = _harness(slack)
    _page(h, "<!channel> see <https://evil.example|the runbook>")

    [post] = slack.posts
    summary = post["blocks"][1]["text"]["text"]
    assert "<" not in summary
    assert "&lt;!channel&gt;" in summary


def test_acknowledging_edits_the_message_in_place_through_the_outbox(slack: FakeSlack) -> None:
    h = _harness(slack)
    alert = _page(h)
    h.clock.advance(timedelta(minutes=2))
    acknowledge(h.uow, h.clock, alert.id, by="alice")

    assert slack.updates == []  # owed, not sent inline
    h.run_workers()

    [update] = slack.updates
    [post] = slack.posts
    assert (update["channel"], update["ts"]) == (post["_channel"], post["_ts"])
    at = h.clock.now().strftime("%H:%M")
    assert f"Acknowledged by alice at {at} UTC" in update["text"]
    assert _actions(update["blocks"]) == []
    with h.uow:
        [owed] = h.uow.message_updates.list_for_alert(alert.id)
    assert owed.status is NotificationStatus.SENT
    h.advance(600)
    assert len(slack.posts) == 1  # acknowledged: level 2 is never paged
    assert h.paged_addresses() == []  # bob (level 2) never got his e-mail


def test_resolving_edits_it_too_and_a_member_gets_a_direct_message(slack: FakeSlack) -> None:
    h = _harness(slack)
    user = h.create_user("alice")
    method = h.add_contact_method(user.id, "slack", "U0123ABCD")
    h.set_rules(user.id, (method, 0))
    service = h.create_service("search")
    h.set_policy(service.id, [level(f"user:{user.id}")])
    alert = h.alert(service.id, "search is slow")
    h.run_workers()
    resolve_incident(h.uow, h.clock, alert.id, "bob")
    h.run_workers()

    [post] = slack.posts
    [update] = slack.updates
    assert post["channel"] == "U0123ABCD"
    assert update["channel"] == post["_channel"] == "D0123ABCD"
    assert "Resolved by bob at" in update["text"]


def test_a_429_is_retried_after_slacks_retry_after_then_sent_once(slack: FakeSlack) -> None:
    h = _harness(slack)
    slack.fail_next(429, "ratelimited", retry_after=40)
    alert = _page(h)

    [page] = _slack_pages(h, alert.id)
    assert page.status is NotificationStatus.PENDING
    assert page.last_error == "Slack answered 429: ratelimited"
    assert page.next_attempt_at - h.clock.now() >= timedelta(seconds=40)
    assert slack.posts == []
    h.advance(39)
    assert slack.posts == []  # not before Slack said
    h.advance(2)

    assert len(slack.posts) == 1
    [page] = _slack_pages(h, alert.id)
    assert page.status is NotificationStatus.SENT
    assert slack.answered_429 == 1


def test_a_wrong_channel_fails_for_good_and_a_slack_outage_is_retried(slack: FakeSlack) -> None:
    h = _harness(slack)
    slack.fail_next(200, "channel_not_found")
    alert = _page(h)
    [page] = _slack_pages(h, alert.id)
    assert page.status is NotificationStatus.FAILED
    assert page.last_error == "Slack answered 200: channel_not_found"

    slack.fail_next(503, "service_unavailable")
    other = h.create_service("search")
    h.set_policy(other.id, [level(f"slack:{CHANNEL}")])
    second = h.alert(other.id, "down")
    h.run_workers()
    [page] = _slack_pages(h, second.id)
    assert page.status is NotificationStatus.PENDING
    h.advance(60)
    [page] = _slack_pages(h, second.id)
    assert page.status is NotificationStatus.SENT


def test_a_wrong_token_is_a_permanent_failure(slack: FakeSlack) -> None:
    h = PagingHarness()
    config = SlackConfig("xoxb-wrong", api_base=slack.api_base, timeout=5)
    h.senders[Channel.SLACK] = SlackSender(config, MessageRenderer(), h.clock)
    alert = _page(h)

    [page] = _slack_pages(h, alert.id)
    assert page.status is NotificationStatus.FAILED
    assert page.last_error == "Slack answered 200: invalid_auth"


def test_a_test_message_from_the_profile_reaches_the_member_on_slack(slack: FakeSlack) -> None:
    h = _harness(slack)
    user = h.create_user("alice")
    method = h.add_contact_method(user.id, "slack", "U0123ABCD")

    queued = queue_test_message(h.uow, h.clock, user.id, method.id)
    h.run_workers()

    [post] = slack.posts
    assert post["channel"] == "U0123ABCD"
    assert "This is a test" in post["text"]
    assert _actions(post["blocks"]) == []  # nothing to acknowledge
    assert get_test_message(h.uow, user.id, queued.id).status is NotificationStatus.SENT


def test_an_edit_slack_refuses_for_now_is_retried_after_its_retry_after(slack: FakeSlack) -> None:
    h = _harness(slack)
    alert = _page(h)
    slack.fail_next(429, "ratelimited", retry_after=20)
    acknowledge(h.uow, h.clock, alert.id, by="alice")
    h.run_workers()

    assert slack.updates == []
    with h.uow:
        [owed] = h.uow.message_updates.list_for_alert(alert.id)
    assert owed.status is NotificationStatus.PENDING
    assert owed.next_attempt_at - h.clock.now() >= timedelta(seconds=20)
    assert h.engine.duty("dispatch").seconds_until_due() == pytest.approx(
        (owed.next_attempt_at - h.clock.now()).total_seconds(), abs=1
    )
    h.advance(21)
    assert len(slack.updates) == 1
