"""Paging people over HTTP, through a real SMTP server and a Twilio-like API on 127.0.0.1.

A user gets contact methods and notification rules through the API, a policy names the user,
and the pages arrive at the SMTP and Twilio receivers at the minutes the rules say. Replies
and acknowledge links are attributed to the person. Runs on the in-memory store, SQLite and
PostgreSQL (when configured); time is the fake clock's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.adapters.passwords import Argon2Hasher
from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.roles import Role
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.service_layer.ack_tokens import AckLinkSigner
from pagerd.service_layer.tokens import create_api_token
from pagerd.service_layer.users import create_user
from tests.e2e.conftest import ADMIN_TOKEN, Api
from tests.e2e.fault_receivers import TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, ChannelRig

PUBLIC_URL = "https://pagerd.example.com"
SECRET = b"people-e2e-secret"
MINUTE = 60
CHEAP_HASHER = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def rig() -> Iterator[ChannelRig]:
    channels = ChannelRig()
    try:
        yield channels
    finally:
        channels.close()


@pytest.fixture
def people(api: Api, rig: ChannelRig) -> Api:
    """`api` with its e-mail and SMS going to the rig's SMTP server and Twilio API."""
    settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        smtp_host="127.0.0.1",
        smtp_port=rig.smtp.port,
        smtp_starttls=False,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=SecretStr(TWILIO_TOKEN),
        twilio_from=TWILIO_FROM,
        twilio_api_base=rig.twilio.base_url,
        _env_file=None,
    )
    real = channel_senders(settings, api.clock, SECRET)
    api.senders.update(real)  # the container pages through this very mapping
    api.container = replace(
        api.container, settings=settings, public_url=PUBLIC_URL, secret_key=SECRET
    )
    api.engine = WorkerEngine(  # its claims sign the links with this container's key
        api.container, WorkerOptions(send_threads=0), worker_id="e2e", jitter=lambda: 0.5
    )
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def _user(api: Api, name: str = "alice") -> str:
    user = create_user(
        api.container.uow_factory(), api.clock, name, "correct horse battery", CHEAP_HASHER
    )
    return str(user.id)


def _method(api: Api, user_id: str, type_: str, address: str) -> str:
    answer = api.post(
        f"/api/v1/users/{user_id}/contact-methods", {"type": type_, "address": address}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _rules(api: Api, user_id: str, *rules: tuple[str, int]) -> Any:
    body = {"rules": [{"contact_method_id": m, "delay_minutes": d} for m, d in rules]}
    return api.put(f"/api/v1/users/{user_id}/notification-rules", body)


def _user_policy(api: Api, user_id: str, timeout: int = 3600) -> str:
    service_id = str(api.create_service()["id"])
    target = {"type": "user", "user_id": user_id}
    api.put_policy(service_id, [{"ack_timeout_seconds": timeout, "targets": [target]}])
    return service_id


def _received(rig: ChannelRig) -> list[tuple[str, str]]:
    return [(d.channel, d.address) for d in rig.ledger.deliveries()]


def _twilio_reply(api: Api, body: str, sender: str) -> Any:
    params = {"MessageSid": "SM1", "AccountSid": TWILIO_SID, "From": sender, "To": TWILIO_FROM}
    params["Body"] = body
    url = f"{PUBLIC_URL}/integrations/twilio/sms"
    signed = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    mac = hmac.new(TWILIO_TOKEN.encode(), signed.encode(), hashlib.sha1).digest()
    headers = {"X-Twilio-Signature": base64.b64encode(mac).decode()}
    return api.client.post("/integrations/twilio/sms", data=params, headers=headers)


def test_rules_page_by_smtp_then_twilio_and_an_sms_reply_at_minute_6_stops_the_rest(
    people: Api, rig: ChannelRig
) -> None:
    alice = _user(people)
    email = _method(people, alice, "email", "alice@example.com")
    sms = _method(people, alice, "sms", "+5492664295169")
    voice = _method(people, alice, "voice", "+14155550100")
    assert _rules(people, alice, (email, 0), (sms, 5), (voice, 15)).status_code == 200
    service_id = _user_policy(people, alice)

    alert_id = people.alert(service_id, "checkout is down")["alert"]["id"]
    people.advance(0)
    assert _received(rig) == [("email", "alice@example.com")]
    people.advance(5 * MINUTE)
    assert _received(rig)[1:] == [("sms", "+5492664295169")]
    people.advance(1 * MINUTE)

    code = rig.ledger.deliveries()[1].key.split("Reply ACK ")[1].split()[0]
    assert _twilio_reply(people, f"ACK {code}", "+5492664295169").status_code == 200
    people.advance(30 * MINUTE)

    alert = people.get(f"/api/v1/alerts/{alert_id}").json()
    assert (alert["status"], alert["acknowledged_by"]) == ("acknowledged", "alice")
    assert len(_received(rig)) == 2
    assert people.get("/api/v1/outbox").json()["items"] == []  # no voice call either
    timeline = people.get(f"/api/v1/alerts/{alert_id}/timeline").json()["items"]
    paged = next(e for e in timeline if e["type"] == "user_paged")
    assert paged["user_name"] == "alice"
    assert [m["delay_minutes"] for m in paged["contact_methods"]] == [0, 5, 15]
    assert [e["type"] for e in timeline].count("notification_rule_cancelled") == 1
    pages = people.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    assert {(p["user_id"], p["status"]) for p in pages} == {(alice, "sent")}


def test_an_acknowledge_link_sent_to_a_user_is_attributed_to_that_user(
    people: Api, rig: ChannelRig
) -> None:
    bob = _user(people, "bob")
    email = _method(people, bob, "email", "bob@example.com")
    alert_id = people.alert(_user_policy(people, bob), "search is slow")["alert"]["id"]
    people.advance(0)
    assert _received(rig) == [("email", "bob@example.com")]

    token = AckLinkSigner(SECRET).sign(
        UUID(alert_id), UUID(email), people.clock.now() + timedelta(hours=1)
    )
    answer = people.client.post(f"/ack/{token}")

    assert answer.status_code == 200, answer.text
    alert = people.get(f"/api/v1/alerts/{alert_id}").json()
    assert alert["acknowledged_by"] == "bob"


def test_a_test_message_goes_out_through_the_real_channel_from_the_outbox(
    people: Api, rig: ChannelRig
) -> None:
    alice = _user(people)
    sms = _method(people, alice, "sms", "+5492664295169")
    slack = _method(people, alice, "slack", "U0123ABCD")

    queued = people.post(f"/api/v1/users/{alice}/contact-methods/{sms}/test", {})
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "pending"
    assert _received(rig) == []  # queued, not sent inline
    assert people.post(f"/api/v1/users/{alice}/contact-methods/{slack}/test", {}).status_code == 202
    people.advance(0)

    assert _received(rig) == [("sms", "+5492664295169")]
    assert "test" in rig.ledger.deliveries()[0].key
    test_id = queued.json()["id"]
    status = people.get(f"/api/v1/users/{alice}/contact-methods/{sms}/test/{test_id}").json()
    assert (status["status"], status["attempts"]) == ("sent", 1)
    outbox = people.get("/api/v1/outbox").json()["items"]
    assert [(m["channel"], m["address"]) for m in outbox] == [("slack", "U0123ABCD")]


def test_contact_methods_and_rules_refuse_bad_input_and_change_nothing(people: Api) -> None:
    alice = _user(people)
    base = f"/api/v1/users/{alice}/contact-methods"
    bad = [
        {"type": "sms", "address": "0800 PAGER"},
        {"type": "voice", "address": "12345"},
        {"type": "slack", "address": "C0123ABCD"},
        {"type": "pigeon", "address": "roof"},
        {"type": "email"},
    ]
    for body in bad:
        answer = people.post(base, body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == "validation_error"
    assert people.get(base).json()["items"] == []

    email = _method(people, alice, "EMAIL", "alice@example.com")
    no_immediate = _rules(people, alice, (email, 5))
    assert no_immediate.status_code == 422
    assert {d["field"] for d in no_immediate.json()["error"]["details"]} == {"rules"}
    assert _rules(people, alice, (email, 1441)).status_code == 422
    assert people.get(f"/api/v1/users/{alice}/notification-rules").json()["rules"] == []

    unknown = "00000000-0000-4000-8000-000000000000"
    good = {"type": "sms", "address": "+5492664295169"}
    assert people.post(f"/api/v1/users/{unknown}/contact-methods", good).status_code == 404
    assert people.delete(f"{base}/{unknown}").status_code == 404
    assert people.delete(f"{base}/{email}").status_code == 204
    assert people.get(base).json()["items"] == []


def test_a_policy_naming_an_unknown_user_is_refused(people: Api) -> None:
    service_id = people.create_service()["id"]
    target = {"type": "user", "user_id": "00000000-0000-4000-8000-000000000000"}
    answer = people.put(
        f"/api/v1/services/{service_id}/escalation-policy", {"levels": [{"targets": [target]}]}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "levels.0.targets.0.user_id"


def test_a_policy_answers_its_user_targets(people: Api) -> None:
    alice = _user(people)
    service_id = _user_policy(people, alice)
    policy = people.get(f"/api/v1/services/{service_id}/escalation-policy").json()
    (target,) = policy["levels"][0]["targets"]
    assert (target["type"], target["user_id"]) == ("user", alice)


PEOPLE_SCHEMAS = (
    "ContactMethodIn",
    "ContactMethodOut",
    "ContactMethodList",
    "RuleIn",
    "RulesIn",
    "RuleOut",
    "RulesOut",
    "TestOut",
)


def test_every_people_field_and_body_has_a_description_and_an_example(memory_api: Api) -> None:
    schemas = memory_api.client.get("/openapi.json").json()["components"]["schemas"]
    undocumented = [
        f"{name}.{field}"
        for name in PEOPLE_SCHEMAS
        for field, spec in schemas[name]["properties"].items()
        if "description" not in spec or not ({"examples", "example"} & set(spec))
    ]
    for name, field in (("TargetIn", "user_id"), ("TargetOut", "user_id")):
        spec = schemas[name]["properties"][field]
        if "description" not in spec or "examples" not in spec:
            undocumented.append(f"{name}.{field}")
    assert undocumented == []
    assert all(schemas[name].get("description") for name in PEOPLE_SCHEMAS)
    assert "examples" in schemas["TestIn"]


def _token_of(api: Api, name: str, role: Role) -> dict[str, str]:
    user = create_user(
        api.container.uow_factory(),
        api.clock,
        name,
        "correct horse battery",
        CHEAP_HASHER,
        role=role,
    )
    _, secret = create_api_token(api.container.uow_factory(), api.clock, name, user.id)
    return {"Authorization": f"Bearer {secret}", "X-User": str(user.id)}


def test_responders_manage_their_own_contact_methods_and_viewers_none(memory_api: Api) -> None:
    responder = _token_of(memory_api, "rita", Role.RESPONDER)
    viewer = _token_of(memory_api, "vic", Role.VIEWER)
    own, other = responder.pop("X-User"), viewer.pop("X-User")
    body = {"type": "email", "address": "rita@example.com"}
    client = memory_api.client

    mine = client.post(f"/api/v1/users/{own}/contact-methods", json=body, headers=responder)
    theirs = client.post(f"/api/v1/users/{other}/contact-methods", json=body, headers=responder)
    as_viewer = client.post(f"/api/v1/users/{other}/contact-methods", json=body, headers=viewer)
    rules = {"rules": [{"contact_method_id": mine.json()["id"], "delay_minutes": 0}]}
    viewer_rules = client.put(f"/api/v1/users/{own}/notification-rules", json=rules, headers=viewer)

    assert mine.status_code == 201
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (403, "forbidden")
    assert as_viewer.status_code == 403
    assert viewer_rules.status_code == 403
    assert client.get(f"/api/v1/users/{own}/contact-methods", headers=viewer).status_code == 200
    listed = client.get(f"/api/v1/users/{other}/contact-methods", headers=viewer).json()
    assert listed["items"] == []
    audit = memory_api.get("/api/v1/audit-log").json()["items"]
    assert "contact_method.created" in [entry["action"] for entry in audit]
