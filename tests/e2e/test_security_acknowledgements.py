"""Acknowledge links and SMS codes cannot be forged, replayed on another alert, or used after
they expire; SMS replies need Twilio's signature. Every refusal changes nothing. Over the
whole application, on every backend."""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.config import Settings
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.http.twilio_replies import PATH, twilio_signature
from pagerd.service_layer.ack_codes import issue_ack_code
from pagerd.service_layer.ack_tokens import AckLinkSigner
from tests.e2e.conftest import ADMIN_TOKEN, Api

PHONE, OTHER_PHONE = "+14155550123", "+14155550999"
TWILIO_TOKEN = "twilio-auth-token"
LEVELS = [{"targets": [{"type": "sms", "phone_number": PHONE}]}]


def incident(api: Api, name: str = "checkout") -> tuple[dict[str, Any], UUID]:
    """A service with an open alert, and the id of the alert's (only) target."""
    service = api.create_service(name)
    api.put_policy(service["id"], LEVELS)
    policy = api.get(f"/api/v1/services/{service['id']}/escalation-policy").json()
    alert = api.alert(service["id"])["alert"]
    return alert, UUID(policy["levels"][0]["targets"][0]["id"])


def link(api: Api, alert_id: str, target: UUID, hours: float = 1, key: bytes | None = None) -> str:
    signer = AckLinkSigner(key or api.container.secret_key)
    return signer.sign(UUID(alert_id), target, api.clock.now() + timedelta(hours=hours))


def status(api: Api, alert_id: str) -> str:
    return str(api.get(f"/api/v1/alerts/{alert_id}").json()["status"])


def flipped(token: str, index: int) -> str:
    swap = "B" if token[index] == "A" else "A"
    return token[:index] + swap + token[index + 1 :]


# Acknowledge links.


def test_a_genuine_link_acknowledges_its_alert(api: Api) -> None:
    alert, target = incident(api)

    answer = api.client.post(f"/ack/{link(api, alert['id'], target)}")

    assert answer.status_code == 200
    assert status(api, alert["id"]) == "acknowledged"


def test_a_link_altered_anywhere_acknowledges_nothing(api: Api) -> None:
    alert, target = incident(api)
    token = link(api, alert["id"], target)

    answers = {
        i: api.client.post(f"/ack/{flipped(token, i)}").status_code for i in range(len(token))
    }

    assert set(answers.values()) <= {403, 404}
    assert status(api, alert["id"]) == "open"


def spare_bits_changed(token: str) -> str:
    """`token` with its last character's unused low bit flipped: the same bytes."""
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    return token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]


def test_only_the_canonical_spelling_of_a_link_is_accepted(api: Api) -> None:
    # Regression: base64 decoding ignored stray characters and the last character's
    # spare bits, so other spellings of a link acknowledged too.
    alert, target = incident(api)
    token = link(api, alert["id"], target)
    # Four stray characters keep the length a multiple of four, as the decoder wants.
    variants = [spare_bits_changed(token), f"{token[:20]}....{token[20:]}"]

    answers = [api.client.post(f"/ack/{variant}").status_code for variant in variants]

    assert answers == [404, 404]
    assert status(api, alert["id"]) == "open"


def test_a_link_signed_with_another_key_acknowledges_nothing(api: Api) -> None:
    alert, target = incident(api)

    answer = api.client.post(f"/ack/{link(api, alert['id'], target, key=b'another-key')}")

    assert answer.status_code == 403
    assert status(api, alert["id"]) == "open"


def test_an_expired_link_acknowledges_nothing(api: Api) -> None:
    alert, target = incident(api)
    token = link(api, alert["id"], target, hours=1)
    api.clock.advance(timedelta(hours=1))

    answer = api.client.post(f"/ack/{token}")

    assert answer.status_code == 410
    assert status(api, alert["id"]) == "open"


def test_a_link_of_a_resolved_incident_does_not_acknowledge_the_next_one(api: Api) -> None:
    old, target = incident(api)
    token = link(api, old["id"], target)
    api.post(f"/api/v1/services/{old['monitored_service_id']}/healthy", {})
    new = api.alert(old["monitored_service_id"], "down again")["alert"]

    answer = api.client.post(f"/ack/{token}")

    assert answer.status_code == 409
    assert status(api, new["id"]) == "open"


def test_a_genuine_signature_over_another_alerts_target_acknowledges_nothing(api: Api) -> None:
    first, first_target = incident(api, "first")
    second, _ = incident(api, "second")

    answer = api.client.post(f"/ack/{link(api, second['id'], first_target)}")

    assert answer.status_code == 403
    assert (status(api, first["id"]), status(api, second["id"])) == ("open", "open")


# SMS codes, through Twilio's reply webhook.


def with_twilio(api: Api) -> Api:
    api.container.settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        twilio_auth_token=SecretStr(TWILIO_TOKEN),
        _env_file=None,
    )
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def reply(api: Api, body: str, sender: str = PHONE, token: str = TWILIO_TOKEN) -> int:
    params = {"From": sender, "Body": body, "MessageSid": "SM0123"}
    signature = twilio_signature(token, api.container.public_url + PATH, params)
    answer = api.client.post(PATH, data=params, headers={"X-Twilio-Signature": signature})
    return answer.status_code


def code_for(api: Api, alert_id: str, phone: str = PHONE) -> str:
    issued = issue_ack_code(api.container.uow_factory(), api.clock, UUID(alert_id), phone)
    return issued.code


def test_a_code_replied_from_the_paged_phone_acknowledges(api: Api) -> None:
    with_twilio(api)
    alert, _ = incident(api)

    assert reply(api, f"ACK {code_for(api, alert['id'])}") == 200
    assert status(api, alert["id"]) == "acknowledged"


def test_a_reply_without_twilios_signature_acknowledges_nothing(api: Api) -> None:
    with_twilio(api)
    alert, _ = incident(api)

    answer = reply(api, f"ACK {code_for(api, alert['id'])}", token="forged-auth-token")

    assert answer == 403
    assert status(api, alert["id"]) == "open"


def test_a_code_replied_from_another_phone_acknowledges_nothing(api: Api) -> None:
    with_twilio(api)
    alert, _ = incident(api)

    reply(api, f"ACK {code_for(api, alert['id'])}", sender=OTHER_PHONE)

    assert status(api, alert["id"]) == "open"


def test_an_expired_code_acknowledges_nothing(api: Api) -> None:
    with_twilio(api)
    alert, _ = incident(api)
    code = code_for(api, alert["id"])
    api.clock.advance(timedelta(hours=24))

    reply(api, f"ACK {code}")

    assert status(api, alert["id"]) == "open"


def test_a_code_of_a_resolved_incident_does_not_acknowledge_the_next_one(api: Api) -> None:
    with_twilio(api)
    old, _ = incident(api)
    code = code_for(api, old["id"])
    api.post(f"/api/v1/services/{old['monitored_service_id']}/healthy", {})
    new = api.alert(old["monitored_service_id"], "down again")["alert"]
    code_for(api, new["id"])

    reply(api, f"ACK {code}")

    assert status(api, new["id"]) == "open"
