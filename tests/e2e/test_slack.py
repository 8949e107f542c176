"""Slack end to end: pagerd over HTTP (every backend) paging a Slack channel through a local
Slack Web API; Slack's signed button clicks at POST /integrations/slack/interactions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import ADMIN_TOKEN, Api
from tests.e2e.test_people_paging import CHEAP_HASHER
from tests.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, click_body, sign

PATH = "/integrations/slack/interactions"
CHANNEL = "C0123ABCD"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.close()


def _with_slack(api: Api, slack: FakeSlack) -> Api:
    settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_base=slack.api_base,
        _env_file=None,
    )
    # Only Slack goes to the fake: e-mail stays on the journal, so `paged()` shows whether
    # level 2 was paged.
    api.senders[Channel.SLACK] = channel_senders(settings, api.clock, b"slack-e2e")[Channel.SLACK]
    api.container = replace(api.container, settings=settings, secret_key=b"slack-e2e")
    api.engine = WorkerEngine(
        api.container, WorkerOptions(send_threads=0), worker_id="e2e", jitter=lambda: 0.5
    )
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


@pytest.fixture
def chat(api: Api, slack: FakeSlack) -> Api:
    return _with_slack(api, slack)


@pytest.fixture
def memory_chat(memory_api: Api, slack: FakeSlack) -> Api:
    return _with_slack(memory_api, slack)


def _incident(api: Api) -> tuple[str, str]:
    """An alert on a policy: level 1 a Slack channel (5 min), level 2 an e-mail."""
    service_id = str(api.create_service()["id"])
    levels = [
        {"ack_timeout_seconds": 300, "targets": [{"type": "slack", "channel": CHANNEL}]},
        {"targets": [{"type": "email", "email": "bob@example.com"}]},
    ]
    api.put_policy(service_id, levels)
    alert_id = str(api.alert(service_id, "checkout: HTTP 5xx above 5%")["alert"]["id"])
    api.run_workers()
    return service_id, alert_id


def _click(
    api: Api,
    body: bytes,
    *,
    age: int = 0,
    secret: str = SIGNING_SECRET,
    signature: str | None = None,
) -> Any:
    timestamp = int(api.clock.now().timestamp()) - age
    headers = {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or sign(secret, timestamp, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return api.client.post(PATH, content=body, headers=headers)


def _alert(api: Api, alert_id: str) -> dict[str, Any]:
    answer = api.get(f"/api/v1/alerts/{alert_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_signed_click_on_acknowledge_stops_the_escalation_and_updates_the_message(
    chat: Api, slack: FakeSlack
) -> None:
    _, alert_id = _incident(chat)
    [post] = slack.posts
    assert post["channel"] == CHANNEL

    answer = _click(chat, click_body("U0999ZZZZ", alert_id))

    assert answer.status_code == 200, answer.text
    alert = _alert(chat, alert_id)
    assert alert["status"] == "acknowledged"
    assert alert["acknowledged_by"] == "Slack member U0999ZZZZ"
    assert slack.updates == []  # through the outbox, not from the request
    chat.run_workers()
    [update] = slack.updates
    assert (update["channel"], update["ts"]) == (post["_channel"], post["_ts"])
    assert "Acknowledged by Slack member U0999ZZZZ at" in update["text"]
    chat.advance(600)  # past level 1's timeout: level 2 is never paged
    assert chat.paged() == []
    assert len(slack.posts) == 1


def test_a_click_is_attributed_to_the_user_whose_slack_method_matches_and_resolve_works(
    chat: Api, slack: FakeSlack
) -> None:
    alice = create_user(
        chat.container.uow_factory(), chat.clock, "alice", "correct horse battery", CHEAP_HASHER
    )
    answer = chat.post(
        f"/api/v1/users/{alice.id}/contact-methods", {"type": "slack", "address": "U0123ABCD"}
    )
    assert answer.status_code == 201, answer.text
    _, alert_id = _incident(chat)

    assert _click(chat, click_body("U0123ABCD", alert_id, "pagerd_resolve")).status_code == 200
    chat.run_workers()

    alert = _alert(chat, alert_id)
    assert alert["status"] == "resolved"
    [update] = slack.updates
    assert "Resolved by alice at" in update["text"]


def test_a_stale_a_wrong_or_a_missing_signature_is_refused_and_changes_nothing(
    memory_chat: Api, slack: FakeSlack
) -> None:
    api = memory_chat
    _, alert_id = _incident(api)
    body = click_body("U0999ZZZZ", alert_id)

    stale = _click(api, body, age=301)
    wrong = _click(api, body, secret="not-the-signing-secret")
    tampered = _click(
        api,
        click_body("U0999ZZZZ", alert_id, "pagerd_resolve"),
        signature=sign(SIGNING_SECRET, int(api.clock.now().timestamp()), body),
    )
    missing = api.client.post(PATH, content=body)
    future = _click(api, body, age=-301)

    assert [r.status_code for r in (stale, wrong, tampered, missing, future)] == [401] * 5
    assert "stale" in stale.text
    assert _alert(api, alert_id)["status"] == "open"
    api.run_workers()
    assert slack.updates == []


def test_a_replayed_click_is_refused_within_the_window(memory_chat: Api) -> None:
    api = memory_chat
    _, alert_id = _incident(api)
    body = click_body("U0999ZZZZ", alert_id)
    timestamp = int(api.clock.now().timestamp())
    headers = {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(SIGNING_SECRET, timestamp, body),
    }

    first = api.client.post(PATH, content=body, headers=headers)
    replay = api.client.post(PATH, content=body, headers=headers)

    assert first.status_code == 200
    assert replay.status_code == 409


def test_interactions_without_a_signing_secret_are_refused(memory_api: Api) -> None:
    body = click_body("U0999ZZZZ", "0b6d3c8e-2f4a-4d1b-9a7e-3c5f8e1d2a40")
    timestamp = int(memory_api.clock.now().timestamp())
    headers = {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(SIGNING_SECRET, timestamp, body),
    }
    assert memory_api.client.post(PATH, content=body, headers=headers).status_code == 403


def test_a_signed_body_that_is_not_an_interaction_is_a_400_and_other_clicks_are_ignored(
    memory_chat: Api,
) -> None:
    api = memory_chat
    _, alert_id = _incident(api)

    garbage = _click(api, b"payload=%7Bnot-json")
    link = _click(api, click_body("U0999ZZZZ", alert_id, "pagerd_open"))
    bad_member = _click(api, click_body("not a member", alert_id))

    assert garbage.status_code == 400
    assert link.status_code == 200
    assert bad_member.status_code == 400
    assert _alert(api, alert_id)["status"] == "open"


def test_a_slack_policy_target_is_read_back_and_a_bad_channel_is_a_422(memory_api: Api) -> None:
    service_id = str(memory_api.create_service()["id"])
    path = f"/api/v1/services/{service_id}/escalation-policy"
    good = {"levels": [{"targets": [{"type": "slack", "channel": CHANNEL}]}]}
    bad = {"levels": [{"targets": [{"type": "slack", "channel": "#oncall"}]}]}

    assert memory_api.put(path, good).status_code == 200
    [target] = memory_api.get(path).json()["levels"][0]["targets"]
    refused = memory_api.put(path, bad)

    assert (target["type"], target["channel"]) == ("slack", CHANNEL)
    assert refused.status_code == 422
    assert "levels.0.targets.0.channel" in refused.text
