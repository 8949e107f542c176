"""Voice calls: Twilio's Calls API once its account, token and a caller id are configured;
otherwise the dev outbox keeps what the call would read out and the TwiML it would carry."""

from __future__ import annotations

from datetime import datetime

from pagerd.adapters.channels.adapter import ChannelAdapter, SenderParts
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.twilio_voice import TwilioVoiceConfig, TwilioVoiceSender
from pagerd.adapters.channels.twiml import call_script, call_twiml
from pagerd.adapters.channels.voice_urls import VoiceCallUrls
from pagerd.domain.channels import Channel
from pagerd.service_layer.paging import OutgoingPage, Sender

DEV_PUBLIC_URL = ""
"""The dev outbox shows the keypress URL from its path: no public URL is configured there."""


def _render(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> tuple[str, str]:
    twiml = call_twiml(page, VoiceCallUrls(DEV_PUBLIC_URL).gather(page))
    return f"Voice call to {page.address}", f"{call_script(page)}\n\n{twiml}"


def _sender(parts: SenderParts) -> Sender | None:
    config = parts.configs.get(TwilioVoiceConfig)
    return None if config is None else TwilioVoiceSender(config)


ADAPTER = ChannelAdapter(Channel.VOICE, _render, _sender)
"""Voice: Twilio calls with press 1 to acknowledge, 2 to escalate."""
