"""docs/channels.md shows each message kind exactly as pagerd's code renders it."""

from __future__ import annotations

from pathlib import Path

from pagerd.testing.channel_examples import END, START, examples_block

CHANNELS_MD = Path(__file__).resolve().parents[2] / "docs" / "channels.md"


def test_the_examples_in_the_channels_document_are_what_pagerd_renders() -> None:
    document = CHANNELS_MD.read_text()
    shown = document[document.index(START) : document.index(END) + len(END)]

    assert shown == examples_block(), "run: python -m pagerd.testing.channel_examples"


def test_the_examples_cover_every_message_kind() -> None:
    block = examples_block()

    for heading in (
        "E-mail, one alert",
        "E-mail, two alerts",
        "SMS, one alert",
        "SMS, two",
        "Webhook body",
        "Voice call, one alert",
        "Microsoft Teams card",
    ):
        assert f"### {heading}" in block
    assert "payments: payments" not in block.split("### Webhook body")[0]  # the name once
