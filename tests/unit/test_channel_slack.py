"""Slack's rules without a network: how answers are classified (429 and its Retry-After),
how a request's signature and timestamp are checked, what a click names."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from pagerd.adapters.channels.slack import SlackRequestVerifier, classify_slack_error
from pagerd.adapters.memory import FakeClock
from pagerd.entrypoints.http.slack_interactions import parse_click
from pagerd.service_layer.chat_actions import ChatAction
from pagerd.service_layer.paging import DeliveryOutcome
from tests.fake_slack import click_body, sign

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("The request to the Slack API failed.", response)


@pytest.mark.parametrize(
    ("status", "error", "outcome"),
    [
        (200, "channel_not_found", DeliveryOutcome.PERMANENT_FAILURE),
        (200, "not_in_channel", DeliveryOutcome.PERMANENT_FAILURE),
        (200, "invalid_auth", DeliveryOutcome.PERMANENT_FAILURE),
        (200, "ratelimited", DeliveryOutcome.TRANSIENT_FAILURE),
        (200, "internal_error", DeliveryOutcome.TRANSIENT_FAILURE),
        (500, "fatal_error", DeliveryOutcome.TRANSIENT_FAILURE),
        (503, "service_unavailable", DeliveryOutcome.TRANSIENT_FAILURE),
    ],
)
def test_slack_errors_are_classified(status: int, error: str, outcome: DeliveryOutcome) -> None:
    result = classify_slack_error(_error(status, error))

    assert result.outcome is outcome
    assert result.error == f"Slack answered {status}: {error}"


def test_a_429_is_transient_and_carries_slacks_retry_after() -> None:
    result = classify_slack_error(_error(429, "ratelimited", {"Retry-After": "30"}))
    without = classify_slack_error(_error(429, "ratelimited"))
    garbled = classify_slack_error(_error(429, "ratelimited", {"retry-after": "soon"}))

    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert result.retry_after == timedelta(seconds=30)
    assert without.retry_after is None
    assert garbled.retry_after is None


def test_a_signature_is_valid_only_for_its_body_its_timestamp_and_the_secret() -> None:
    clock = FakeClock()
    verifier = SlackRequestVerifier(SECRET, clock)
    now = int(clock.now().timestamp())
    body = b"payload=%7B%7D"
    good = sign(SECRET, now, body)

    assert verifier.valid(body, str(now), good)
    assert not verifier.valid(body + b" ", str(now), good)
    assert not verifier.valid(body, str(now - 1), good)
    assert not verifier.valid(body, str(now), sign("another-secret", now, body))
    assert not verifier.valid(body, str(now), good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert not verifier.valid(b"\xff", str(now), sign(SECRET, now, b"\xff"))


@pytest.mark.parametrize(
    ("age", "fresh"), [(0, True), (300, True), (301, False), (-300, True), (-301, False)]
)
def test_a_timestamp_is_fresh_within_five_minutes_either_way(age: int, fresh: bool) -> None:
    clock = FakeClock()
    verifier = SlackRequestVerifier(SECRET, clock)
    timestamp = int(clock.now().timestamp()) - age

    assert verifier.fresh(str(timestamp)) is fresh
    body = b"x"
    assert verifier.valid(body, str(timestamp), sign(SECRET, timestamp, body)) is fresh


@pytest.mark.parametrize("timestamp", ["", "abc", "-5", "1e9", "9" * 40])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(timestamp: str) -> None:
    assert not SlackRequestVerifier(SECRET, FakeClock()).fresh(timestamp)


def test_a_click_names_the_member_the_alert_and_the_action() -> None:
    alert_id = uuid4()

    ack = parse_click(click_body("U0123ABCD", str(alert_id)))
    resolve = parse_click(click_body("W0123ABCD", str(alert_id), "pagerd_resolve"))

    assert ack == ("U0123ABCD", alert_id, ChatAction.ACKNOWLEDGE)
    assert resolve == ("W0123ABCD", alert_id, ChatAction.RESOLVE)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"payload=",
        b"payload=%5B%5D",
        b"\xff\xfe",
        b"nothing=here",
        click_body("someone", str(uuid4())),
        click_body("U0123ABCD", "not-an-id"),
    ],
)
def test_what_is_not_a_slack_click_is_refused(body: bytes) -> None:
    assert parse_click(body) is None


def test_other_interactions_are_ignored() -> None:
    view = urlencode({"payload": json.dumps({"type": "view_submission"})}).encode()

    assert parse_click(click_body("U0123ABCD", str(uuid4()), "pagerd_open")) == ()
    assert parse_click(view) == ()
