"""Voice pages through Twilio's Calls API, against a local fake that checks what Twilio
checks (path, basic auth, form body) and answers as Twilio does."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from pagerd.adapters.channels.twilio_voice import TwilioVoiceConfig, TwilioVoiceSender
from pagerd.domain.channels import Channel
from pagerd.domain.notification import Notification, NotificationStatus
from pagerd.testing.fake_twilio_voice import FakeTwilioVoice, running_fake_twilio_voice
from pagerd.testing.harness import PagingHarness, level, user_target

SID, TOKEN, VOICE_FROM = "AC0123456789abcdef", "twilio-auth-token", "+15550002222"
PHONE = "+14155550100"
PUBLIC = "https://pagerd.example.com"


@pytest.fixture
def twilio() -> Iterator[FakeTwilioVoice]:
    with running_fake_twilio_voice(SID, TOKEN) as fake:
        yield fake


def _harness(twilio: FakeTwilioVoice, token: str = TOKEN) -> PagingHarness:
    h = PagingHarness()
    config = TwilioVoiceConfig(SID, token, VOICE_FROM, PUBLIC, api_base=twilio.api_base, timeout=5)
    h.senders[Channel.VOICE] = TwilioVoiceSender(config)
    return h


def _page(h: PagingHarness) -> Notification:
    alice = h.create_user("alice")
    h.add_contact_method(alice.id, "voice", PHONE)
    service = h.create_service("checkout")
    h.set_policy(service.id, [level(user_target(alice.id))])
    alert = h.alert(service.id, "checkout: disk full")
    h.run_workers()
    with h.uow:
        [notification] = h.uow.outbox.list_for_alert(alert.id)
    return notification


def test_a_voice_page_places_a_call_with_its_twiml_and_callbacks(twilio: FakeTwilioVoice) -> None:
    h = _harness(twilio)

    notification = _page(h)
    assert notification.status is NotificationStatus.SENT

    [form] = twilio.calls
    assert (form["To"], form["From"]) == (PHONE, VOICE_FROM)
    ids = notification.id
    assert form["StatusCallback"] == f"{PUBLIC}/integrations/twilio/voice/status?n={ids}"
    assert form["AsyncAmdStatusCallback"] == form["StatusCallback"]
    assert form["MachineDetection"] == "Enable"
    gather = ET.fromstring(form["Twiml"]).find("Gather")
    assert gather is not None
    assert gather.attrib["action"] == f"{PUBLIC}/integrations/twilio/voice/gather?n={ids}"
    assert "Critical alert on checkout" in (gather.find("Say").text or "")  # type: ignore[union-attr]


def test_a_twilio_outage_is_retried_and_a_refusal_is_not(twilio: FakeTwilioVoice) -> None:
    twilio.statuses = [503]
    h = _harness(twilio)
    assert _page(h).status is NotificationStatus.PENDING
    h.advance(10)
    assert len(twilio.calls) == 1

    refused = _harness(twilio, token="wrong-token")  # Twilio answers 401: permanent
    assert _page(refused).status is NotificationStatus.FAILED


def test_a_test_call_only_speaks_and_asks_for_no_callbacks(twilio: FakeTwilioVoice) -> None:
    from pagerd.service_layer.test_messages import queue_test_message

    h = _harness(twilio)
    alice = h.create_user("alice")
    method = h.add_contact_method(alice.id, "voice", PHONE)

    queue_test_message(h.uow, h.clock, alice.id, method.id)
    h.run_workers()

    [form] = twilio.calls
    assert "StatusCallback" not in form
    root = ET.fromstring(form["Twiml"])
    assert root.find("Gather") is None
    assert "This is a test" in (root.find("Say").text or "")  # type: ignore[union-attr]
