"""Voice pages end to end: an alert pages a user with a voice contact method through a
local fake of Twilio's Calls API, and Twilio's signed callbacks come back over HTTP.

Keypress 1 acknowledges (as the user) and stops the escalation; keypress 2 pages the next
level at once; a call nobody answers is a failed attempt, retried, then the level fails
over. A wrong signature is refused and changes nothing. Runs on the in-memory store, SQLite
and PostgreSQL (when configured); time is the fake clock's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.adapters.channels.twilio_voice import TwilioVoiceSender
from pagerd.bootstrap import channel_senders
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.domain.voice_call import CALL_RETRY_DELAY, MAX_CALL_ATTEMPTS
from pagerd.entrypoints.http import create_app
from pagerd.service_layer.users import create_user
from pagerd.testing.fake_twilio_voice import FakeTwilioVoice, running_fake_twilio_voice
from tests.e2e.conftest import ADMIN_TOKEN, Api

PUBLIC_URL = "https://pagerd.example.com"
SID, TOKEN, FROM = "AC00000000000000000000000000000001", "voice-e2e-token", "+15550001111"
ALICE_PHONE, BOB_PHONE = "+14155550100", "+14155550199"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def twilio() -> Iterator[FakeTwilioVoice]:
    with running_fake_twilio_voice(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
def voice(api: Api, twilio: FakeTwilioVoice) -> Api:
    """`api` configured with Twilio (its calls go to the fake) and a public URL."""
    settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        twilio_account_sid=SID,
        twilio_auth_token=SecretStr(TOKEN),
        twilio_from=FROM,
        twilio_api_base=twilio.api_base,
        _env_file=None,
    )
    real = channel_senders(settings, api.clock, b"k" * 32, PUBLIC_URL)
    assert isinstance(real[Channel.VOICE], TwilioVoiceSender)
    api.senders.update(real)  # the engine pages through this very mapping
    api.container = replace(api.container, settings=settings, public_url=PUBLIC_URL)
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def _voice_user(api: Api, name: str, phone: str) -> str:
    user = create_user(api.container.uow_factory(), api.clock, name, "correct horse", CHEAP_HASHER)
    answer = api.post(
        f"/api/v1/users/{user.id}/contact-methods", {"type": "voice", "address": phone}
    )
    assert answer.status_code == 201, answer.text
    return str(user.id)


def _paged_alert(api: Api) -> str:
    """checkout: alice by voice at level 0 (15 minutes), bob by voice at level 1."""
    alice, bob = _voice_user(api, "alice", ALICE_PHONE), _voice_user(api, "bob", BOB_PHONE)
    service_id = str(api.create_service()["id"])
    levels = [{"targets": [{"type": "user", "user_id": user}]} for user in (alice, bob)]
    api.put_policy(service_id, levels)
    alert_id = str(api.alert(service_id, "checkout: disk full")["alert"]["id"])
    api.run_workers()
    return alert_id


def _called(twilio: FakeTwilioVoice) -> list[str]:
    return [call["To"] for call in twilio.calls]


def _signed_post(api: Api, url: str, params: dict[str, str], signature: str | None = None) -> Any:
    """POST as Twilio does: the form, signed over the full URL and the sorted params."""
    signed = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    mac = hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha1).digest()
    headers = {"X-Twilio-Signature": signature or base64.b64encode(mac).decode()}
    parts = urlsplit(url)
    return api.client.post(f"{parts.path}?{parts.query}", data=params, headers=headers)


def _press(api: Api, call: dict[str, str], digits: str, signature: str | None = None) -> Any:
    gather = ET.fromstring(call["Twiml"]).find("Gather")
    assert gather is not None
    params = {"AccountSid": SID, "CallSid": "CA" + "1" * 32, "From": FROM, "To": call["To"]}
    params |= {"CallStatus": "in-progress", "Digits": digits, "FinishedOnKey": ""}
    return _signed_post(api, gather.attrib["action"], params, signature)


def _status(api: Api, call: dict[str, str], status: str, sid: str) -> Any:
    params = {"AccountSid": SID, "CallSid": sid, "From": FROM, "To": call["To"]}
    params |= {"CallStatus": status, "CallDuration": "0", "Direction": "outbound-api"}
    return _signed_post(api, call["StatusCallback"], params)


def _alert(api: Api, alert_id: str) -> dict[str, Any]:
    answer = api.get(f"/api/v1/alerts/{alert_id}")
    assert answer.status_code == 200
    return dict(answer.json())


def test_keypress_1_acknowledges_as_the_callee_and_stops_the_escalation(
    voice: Api, twilio: FakeTwilioVoice
) -> None:
    alert_id = _paged_alert(voice)
    assert _called(twilio) == [ALICE_PHONE]

    forged = _press(voice, twilio.calls[0], "1", signature="bm90IHR3aWxpbw==")
    assert forged.status_code == 403
    assert _alert(voice, alert_id)["status"] == "open"

    answer = _press(voice, twilio.calls[0], "1")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert "Acknowledged" in answer.text
    alert = _alert(voice, alert_id)
    assert (alert["status"], alert["acknowledged_by"]) == ("acknowledged", "alice")
    voice.advance(20 * 60)
    assert _called(twilio) == [ALICE_PHONE]  # bob is never called


def test_keypress_2_escalates_to_the_next_level_at_once(
    voice: Api, twilio: FakeTwilioVoice
) -> None:
    alert_id = _paged_alert(voice)

    answer = _press(voice, twilio.calls[0], "2")
    voice.run_workers()

    assert answer.status_code == 200
    assert "Escalated" in answer.text
    assert _alert(voice, alert_id)["notified_level_id"] == 1
    assert _called(twilio) == [ALICE_PHONE, BOB_PHONE]


def test_calls_nobody_answers_are_retried_then_the_level_fails_over(
    voice: Api, twilio: FakeTwilioVoice
) -> None:
    alert_id = _paged_alert(voice)

    for attempt in range(1, MAX_CALL_ATTEMPTS + 1):
        status = "busy" if attempt == 2 else "no-answer"
        answer = _status(voice, twilio.calls[-1], status, sid=f"CA{attempt:032d}")
        assert answer.status_code == 204
        voice.advance(CALL_RETRY_DELAY.total_seconds())

    # Three calls to alice, none answered, then bob at once (long before the 15 minutes).
    assert _called(twilio) == [ALICE_PHONE] * MAX_CALL_ATTEMPTS + [BOB_PHONE]
    assert _alert(voice, alert_id)["notified_level_id"] == 1
    pages = voice.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    alice_page = next(p for p in pages if p["address"] == ALICE_PHONE)
    assert alice_page["status"] == "failed"
    assert alice_page["attempts"] == MAX_CALL_ATTEMPTS
    assert alice_page["last_error"] == "the call ended no-answer"


def test_an_answered_call_is_not_called_again(voice: Api, twilio: FakeTwilioVoice) -> None:
    _paged_alert(voice)

    assert _status(voice, twilio.calls[0], "completed", sid="CA" + "2" * 32).status_code == 204
    voice.advance(5 * 60)

    assert _called(twilio) == [ALICE_PHONE]


def test_callbacks_without_a_valid_signature_or_with_bad_ids_are_refused(
    voice: Api, twilio: FakeTwilioVoice
) -> None:
    alert_id = _paged_alert(voice)
    call = twilio.calls[0]
    url = call["StatusCallback"]
    params = {"CallSid": "CA" + "3" * 32, "CallStatus": "no-answer"}

    unsigned = voice.client.post(urlsplit(url).path + "?" + urlsplit(url).query, data=params)
    other_url = _signed_post(voice, url.replace("status?n=", "status?n=x"), params)
    tampered = dict(params, CallStatus="busy")
    signed_then_changed = _signed_post(voice, url, tampered, signature=_signature_of(url, params))

    assert unsigned.status_code == 403
    assert other_url.status_code == 400  # signed, but names no notification
    assert signed_then_changed.status_code == 403
    pages = voice.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    assert [p["status"] for p in pages] == ["sent"]


def _signature_of(url: str, params: dict[str, str]) -> str:
    signed = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    return base64.b64encode(
        hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha1).digest()
    ).decode()
