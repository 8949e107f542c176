"""The console without a browser: a Teams channel picked in the policy editor, and a voice
or Slack contact method's "Send test" on My profile, which goes out through its channel."""

from __future__ import annotations

from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.policy import Target
from pagerd.service_layer.contact_methods import add_contact_method
from tests.e2e.browser.console_app import USERNAME, ConsoleApp

TEAMS_URL = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"


def test_the_policy_editor_offers_teams_and_saves_a_teams_target() -> None:
    console = ConsoleApp()
    client, token = console.signed_in_client()
    service_id = console.service()

    page = client.get(f"/services/{service_id}")
    assert '<option value="teams"' in page.text
    assert "Microsoft Teams" in page.text
    answer = client.post(
        f"/services/{service_id}/policy",
        data={
            "csrf_token": token,
            "levels-0-timeout": "300",
            "levels-0-targets-0-type": "teams",
            "levels-0-targets-0-address": TEAMS_URL,
            "repeat": "0",
            "action": "save",
        },
    )

    assert answer.status_code == 303, answer.text
    uow = console.uow()
    with uow:
        policy = uow.policies.get_for_service(service_id)
    assert policy is not None
    [target] = policy.levels[0].targets
    assert isinstance(target, Target)
    assert (target.channel, target.address) == (Channel.TEAMS, TEAMS_URL)


def _send_test(type_: str, address: str) -> DevMessage:
    """Press "Send test" on the signed-in user's new contact method; what the dev outbox got."""
    console = ConsoleApp(dev_outbox=True)
    client, token = console.signed_in_client()
    uow = console.uow()
    with uow:
        me = uow.users.get_by_name(USERNAME)
    assert me is not None
    method = add_contact_method(console.uow(), console.clock, me.id, type_, address)

    answer = client.post(f"/profile/contact-methods/{method.id}/test", data={"csrf_token": token})
    console.run_workers()

    assert answer.status_code == 303
    uow = console.uow()
    with uow:
        [message] = uow.dev_outbox.list(10)
    return message


def test_send_test_on_a_voice_contact_method_goes_out_as_a_test_call() -> None:
    message = _send_test("voice", "+14155550100")

    assert message.channel is Channel.VOICE
    assert message.subject == "Voice call to +14155550100"
    assert "This is a test" in message.body
    assert "<Gather" not in message.body  # a test call asks for no key


def test_send_test_on_a_slack_contact_method_goes_out_as_a_test_direct_message() -> None:
    message = _send_test("slack", "U0123ABCD")

    assert message.channel is Channel.SLACK
    assert message.subject == "Slack message to U0123ABCD"
    assert "This is a test" in message.body
    assert "pagerd_acknowledge" not in message.body  # a test names no alert: no buttons
