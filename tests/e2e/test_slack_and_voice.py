"""Slack and voice on one policy, end to end over HTTP (every backend): level 1 posts to a
Slack channel and calls a user by phone through local fakes of Slack's Web API and Twilio's
Calls API; a signed click on Acknowledge in Slack (by carol, known by her Slack member id)
stops the escalation (no later level is paged, nobody is called again) and the Slack message
is edited to say who acknowledged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.domain.voice_call import CALL_RETRY_DELAY
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.service_layer.users import create_user
from pagerd.testing.fake_twilio_voice import FakeTwilioVoice, running_fake_twilio_voice
from tests.e2e.conftest import ADMIN_TOKEN, Api
from tests.e2e.test_people_paging import CHEAP_HASHER
from tests.e2e.test_slack import CHANNEL, _alert, _click
from tests.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, click_body

PUBLIC_URL = "https://pagerd.example.com"
SID, TOKEN, FROM = "AC00000000000000000000000000000002", "slack-voice-token", "+15550002222"
ALICE_PHONE, CAROL_MEMBER = "+14155550100", "U0CAROL01"
ACK_TIMEOUT = 300


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def twilio() -> Iterator[FakeTwilioVoice]:
    with running_fake_twilio_voice(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
def both(api: Api, slack: FakeSlack, twilio: FakeTwilioVoice) -> Api:
    """`api` with Slack and Twilio configured, each pointed at its fake."""
    settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_base=slack.api_base,
        twilio_account_sid=SID,
        twilio_auth_token=SecretStr(TOKEN),
        twilio_from=FROM,
        twilio_api_base=twilio.api_base,
        _env_file=None,
    )
    key = b"k" * 32
    real = channel_senders(settings, api.clock, key, PUBLIC_URL)
    # Only Slack and voice go to the fakes: e-mail stays on the journal, so `paged()` shows
    # whether a later level was paged.
    api.senders.update({channel: real[channel] for channel in (Channel.SLACK, Channel.VOICE)})
    api.container = replace(api.container, settings=settings, secret_key=key, public_url=PUBLIC_URL)
    api.engine = WorkerEngine(
        api.container, WorkerOptions(send_threads=0), worker_id="e2e", jitter=lambda: 0.5
    )
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def _user(api: Api, name: str, method: dict[str, str]) -> str:
    """A user with one contact method."""
    user = create_user(
        api.container.uow_factory(), api.clock, name, "correct horse battery", CHEAP_HASHER
    )
    answer = api.post(f"/api/v1/users/{user.id}/contact-methods", method)
    assert answer.status_code == 201, answer.text
    return str(user.id)


def _paged_alert(api: Api, alice_id: str) -> str:
    """Level 1: the Slack channel and alice (5 minutes); level 2: an e-mail address."""
    service_id = str(api.create_service()["id"])
    first = [{"type": "slack", "channel": CHANNEL}, {"type": "user", "user_id": alice_id}]
    levels = [
        {"ack_timeout_seconds": ACK_TIMEOUT, "targets": first},
        {"targets": [{"type": "email", "email": "bob@example.com"}]},
    ]
    api.put_policy(service_id, levels)
    alert_id = str(api.alert(service_id, "checkout: HTTP 5xx above 5%")["alert"]["id"])
    api.run_workers()
    return alert_id


def test_a_slack_click_acknowledges_a_page_sent_to_slack_and_by_voice_and_stops_the_escalation(
    both: Api, slack: FakeSlack, twilio: FakeTwilioVoice
) -> None:
    alice = _user(both, "alice", {"type": "voice", "address": ALICE_PHONE})
    _user(both, "carol", {"type": "slack", "address": CAROL_MEMBER})  # in the channel only
    alert_id = _paged_alert(both, alice)

    [post] = slack.posts
    assert post["channel"] == CHANNEL
    [call] = twilio.calls
    assert call["To"] == ALICE_PHONE
    assert slack.updates == []

    answer = _click(both, click_body(CAROL_MEMBER, alert_id))

    assert answer.status_code == 200, answer.text
    alert = _alert(both, alert_id)
    assert (alert["status"], alert["acknowledged_by"]) == ("acknowledged", "carol")
    both.run_workers()
    [update] = slack.updates
    assert (update["channel"], update["ts"]) == (post["_channel"], post["_ts"])
    assert "Acknowledged by carol at" in update["text"]

    # Past level 1's timeout and any voice retry: nothing more is paged, nobody called again.
    both.advance(ACK_TIMEOUT + CALL_RETRY_DELAY.total_seconds() + 60)
    assert both.paged() == []
    assert len(twilio.calls) == 1
    assert len(slack.posts) == 1
    assert len(slack.updates) == 1
    assert _alert(both, alert_id)["status"] == "acknowledged"
