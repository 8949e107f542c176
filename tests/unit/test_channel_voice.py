"""Voice calls on paper: the TwiML a call carries, the callback URLs, and what a keypress
or a call's final status means."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from pagerd.adapters.channels.twiml import call_script, call_twiml, gather_again_twiml, say_twiml
from pagerd.adapters.channels.voice_urls import MAX_IDS, VoiceCallUrls, parse_ids
from pagerd.domain.channels import Channel
from pagerd.domain.severity import Severity
from pagerd.domain.voice_call import CallOutcome, KeyPress, call_outcome, key_press
from pagerd.service_layer.paging import OutgoingPage, PageItem

OPENED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
GATHER = "https://pagerd.example.com/integrations/twilio/voice/gather?n=abc"


def item(service: str = "checkout", message: str = "checkout: disk full", **kw: object) -> PageItem:
    fields: dict[str, object] = {
        "notification_id": uuid4(),
        "alert_id": uuid4(),
        "monitored_service_id": uuid4(),
        "service_name": service,
        "message": message,
        "level": 0,
        "pass_number": 0,
        "target_id": uuid4(),
        "alert_created_at": OPENED,
    }
    fields.update(kw)
    return PageItem(**fields)  # type: ignore[arg-type]


def call(*items: PageItem) -> OutgoingPage:
    return OutgoingPage(Channel.VOICE, "+5492664295169", items)


def test_a_page_call_reads_severity_service_and_summary_inside_a_one_digit_gather() -> None:
    twiml = call_twiml(call(item(severity=Severity.ERROR)), GATHER)

    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == GATHER
    assert gather.attrib["method"] == "POST"
    say = gather.find("Say")
    assert say is not None
    assert say.text is not None
    assert "Error alert on checkout, level 1: disk full." in say.text
    assert say.text.endswith("Press 1 to acknowledge, 2 to escalate.")
    # Without a key, the call says goodbye after the Gather.
    assert [child.tag for child in root] == ["Gather", "Say"]


def test_alert_text_cannot_add_twiml_verbs_and_is_cut_short() -> None:
    hostile = '</Say><Dial>+15550000000</Dial><Say>" & more ' + "x" * 1000
    twiml = call_twiml(call(item(message=hostile)), GATHER + '&x="1"')

    root = ET.fromstring(twiml)
    assert root.find(".//Dial") is None
    assert root.find("Gather").attrib["action"] == GATHER + '&x="1"'  # type: ignore[union-attr]
    said = root.find("Gather/Say").text  # type: ignore[union-attr]
    assert said is not None
    assert "<Dial>" in said
    assert len(twiml) < 4000  # Twilio's limit for inline TwiML


def test_control_characters_of_an_alert_are_not_put_in_the_xml() -> None:
    twiml = call_twiml(call(item(message="disk\x00 full\x1b[31m\nnow")), GATHER)

    said = ET.fromstring(twiml).find("Gather/Say").text  # type: ignore[union-attr]
    assert said is not None
    assert "disk full [31m now" in said


def test_a_call_for_several_alerts_reads_each_and_counts_the_rest() -> None:
    items = [item(service=f"svc{i}", message=f"problem {i}") for i in range(7)]
    script = call_script(call(*items))

    assert script.startswith("This is pagerd, 7 alerts.")
    assert "svc0" in script
    assert "svc4" in script
    assert "svc5" not in script
    assert "And 2 more, in the console." in script


def test_a_test_call_only_speaks_and_asks_for_nothing() -> None:
    test = item(service="pagerd", message="test message to phone", is_test=True)
    root = ET.fromstring(call_twiml(call(test), GATHER))

    assert root.find("Gather") is None
    assert "This is a test" in (root.find("Say").text or "")  # type: ignore[union-attr]


def test_answers_to_keys_are_valid_twiml() -> None:
    said = ET.fromstring(say_twiml("Acknowledged & done"))
    assert [c.tag for c in said] == ["Say", "Hangup"]
    again = ET.fromstring(gather_again_twiml(GATHER))
    assert again.find("Gather").attrib["action"] == GATHER  # type: ignore[union-attr]


def test_callback_urls_name_the_notifications_of_the_call_under_the_public_url() -> None:
    items = [item(), item()]
    urls = VoiceCallUrls("https://pagerd.example.com/")
    gather = urls.gather(call(*items))
    status = urls.status(call(*items))

    ids = ",".join(str(i.notification_id) for i in items)
    assert gather == f"https://pagerd.example.com/integrations/twilio/voice/gather?n={ids}"
    assert status == f"https://pagerd.example.com/integrations/twilio/voice/status?n={ids}"
    assert parse_ids(ids) == [i.notification_id for i in items]


@pytest.mark.parametrize("value", ["", "not-a-uuid", ",", ",".join([str(uuid4())] * (MAX_IDS + 1))])
def test_malformed_call_ids_are_refused(value: str) -> None:
    assert parse_ids(value) is None


def test_parse_ids_keeps_a_single_id() -> None:
    one = uuid4()
    assert parse_ids(str(one)) == [UUID(str(one))]


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("1", KeyPress.ACKNOWLEDGE),
        ("2", KeyPress.ESCALATE),
        (" 1 ", KeyPress.ACKNOWLEDGE),
        ("", KeyPress.UNKNOWN),
        ("9", KeyPress.UNKNOWN),
        ("12", KeyPress.UNKNOWN),
        ("*", KeyPress.UNKNOWN),
    ],
)
def test_1_acknowledges_2_escalates_and_anything_else_means_nothing(
    digits: str, expected: KeyPress
) -> None:
    assert key_press(digits) is expected


@pytest.mark.parametrize(
    ("status", "answered_by", "expected"),
    [
        ("no-answer", "", CallOutcome.UNANSWERED),
        ("busy", "", CallOutcome.UNANSWERED),
        ("failed", "", CallOutcome.UNANSWERED),
        ("canceled", "", CallOutcome.UNANSWERED),
        ("completed", "", CallOutcome.ANSWERED),
        ("completed", "human", CallOutcome.ANSWERED),
        ("completed", "unknown", CallOutcome.ANSWERED),
        ("completed", "machine_start", CallOutcome.UNANSWERED),
        ("completed", "machine_end_beep", CallOutcome.UNANSWERED),
        ("", "machine_start", CallOutcome.UNANSWERED),  # the answering-machine callback
        ("", "fax", CallOutcome.UNANSWERED),
        ("", "human", CallOutcome.ANSWERED),
        ("ringing", "", CallOutcome.IN_PROGRESS),
        ("in-progress", "unknown", CallOutcome.IN_PROGRESS),
    ],
)
def test_no_answer_busy_failed_and_voicemail_count_as_unanswered(
    status: str, answered_by: str, expected: CallOutcome
) -> None:
    assert call_outcome(status, answered_by) is expected
