"""Teams targets and voice contact methods over the API: what a policy accepts and refuses,
and what lands in the dev outbox when Twilio is not configured."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.adapters.channels.teams import TeamsSender
from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.http import create_app
from tests.e2e.conftest import ADMIN_TOKEN, Api

TEAMS_URL = (
    "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"
)
PUBLIC_URL = "https://pagerd.example.com"


def _teams_policy(api: Api, url: str) -> Any:
    service_id = api.create_service(f"checkout-{abs(hash(url))}")["id"]
    body = {"levels": [{"targets": [{"type": "Teams", "url": url}]}]}
    return api.put(f"/api/v1/services/{service_id}/escalation-policy", body)


def test_a_policy_takes_a_teams_workflow_url_and_answers_it(memory_api: Api) -> None:
    answer = _teams_policy(memory_api, TEAMS_URL)

    assert answer.status_code == 200, answer.text
    [target] = answer.json()["levels"][0]["targets"]
    assert (target["type"], target["url"]) == ("teams", TEAMS_URL)


def test_a_teams_url_that_is_not_a_url_or_reaches_loopback_is_refused(memory_api: Api) -> None:
    for url, problem in [
        ("not a url", "must be an absolute http:// or https:// URL"),
        ("https://user:pw@example.com/x", "must not contain a user name or password"),
        ("http://127.0.0.1:9/x", "reaches a loopback address"),
    ]:
        answer = _teams_policy(memory_api, url)
        assert answer.status_code == 422, url
        [detail] = answer.json()["error"]["details"]
        assert detail["field"] == "levels.0.targets.0.url"
        assert problem in detail["message"]


def test_teams_is_not_a_contact_method(memory_api: Api) -> None:
    user = memory_api.post("/api/v1/users", {"name": "alice", "email": "a@example.com"}).json()
    body = {"type": "teams", "address": TEAMS_URL}
    answer = memory_api.post(f"/api/v1/users/{user['id']}/contact-methods", body)

    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "type"


def test_unconfigured_voice_calls_land_in_the_dev_outbox_with_their_words_and_twiml(
    memory_api: Api,
) -> None:
    api = memory_api
    settings = Settings(admin_token=SecretStr(ADMIN_TOKEN), _env_file=None)
    senders = channel_senders(settings, api.clock, b"k" * 32, PUBLIC_URL)
    assert isinstance(senders[Channel.TEAMS], TeamsSender)  # Teams always goes out
    api.senders.update(senders)
    api.container = replace(api.container, public_url=PUBLIC_URL)
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    user = api.post("/api/v1/users", {"name": "alice", "email": "a@example.com"}).json()
    method = api.post(
        f"/api/v1/users/{user['id']}/contact-methods",
        {"type": "voice", "address": "+14155550100"},
    ).json()
    service_id = api.create_service()["id"]
    api.put_policy(service_id, [{"targets": [{"type": "user", "user_id": user["id"]}]}])

    api.alert(service_id, "checkout: disk full")
    assert (
        api.post(f"/api/v1/users/{user['id']}/contact-methods/{method['id']}/test", {}).status_code
        == 202
    )
    api.run_workers()

    messages = api.get("/api/v1/outbox").json()["items"]
    calls = [m for m in messages if m["channel"] == "voice"]
    assert len(calls) == 2
    page = next(m for m in calls if "Gather" in m["body"])
    assert page["subject"] == "Voice call to +14155550100"
    assert "Critical alert on checkout, level 1: disk full." in page["body"]
    assert "Press 1 to acknowledge, 2 to escalate." in page["body"]
    assert 'action="/integrations/twilio/voice/gather?n=' in page["body"]
    test = next(m for m in calls if m is not page)
    assert "This is a test" in test["body"]
