"""Choosing a sender per channel from the configuration."""

from __future__ import annotations

from collections.abc import Callable

from pagerd.adapters.channels.dev_outbox import DevOutboxSender
from pagerd.adapters.channels.network_guard import AddressPolicy
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.sms import SmsComposer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.adapters.channels.teams import TeamsSender
from pagerd.adapters.channels.twilio import TwilioConfig, TwilioSmsSender
from pagerd.adapters.channels.twilio_voice import TwilioVoiceSender
from pagerd.adapters.channels.voice_urls import VoiceCallUrls
from pagerd.adapters.channels.webhook import WebhookSender
from pagerd.adapters.channels.webhook_format import webhook_secret
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.service_layer.ack_tokens import AckLinks, AckLinkSigner
from pagerd.service_layer.paging import Sender
from pagerd.service_layer.ports import Clock, UnitOfWork


def build_senders(
    settings: Settings,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    public_url: str,
    secret_key: bytes,
) -> dict[Channel, Sender]:
    """SMTP when PAGERD_SMTP_HOST is set, Twilio SMS when its three settings are, Twilio
    voice calls when the account, token and a caller id are; the dev outbox otherwise.
    Webhooks and Teams cards always go out (to public addresses, or allowed networks);
    Slack messages go to the dev outbox until they have a sender."""
    renderer = MessageRenderer(AckLinks(public_url, AckLinkSigner(secret_key)))
    sms = SmsComposer(renderer, uow_factory, clock)
    dev = DevOutboxSender(renderer, sms, uow_factory, clock)
    email: Sender = dev
    if settings.smtp_configured:
        email = SmtpEmailSender(SmtpConfig.from_settings(settings), renderer, clock)
    text: Sender = dev
    if settings.twilio_configured:
        text = TwilioSmsSender(TwilioConfig.from_settings(settings), sms)
    voice: Sender = dev
    if settings.twilio_voice_configured:
        voice = TwilioVoiceSender(TwilioConfig.from_settings(settings), VoiceCallUrls(public_url))
    guard = AddressPolicy(settings.allowed_networks)
    webhook = WebhookSender(renderer, clock, webhook_secret(secret_key), guard)
    # Slack has no sender of its own yet: its pages land in the dev outbox.
    return {
        Channel.EMAIL: email,
        Channel.SMS: text,
        Channel.WEBHOOK: webhook,
        Channel.VOICE: voice,
        Channel.SLACK: dev,
        Channel.TEAMS: TeamsSender(renderer, clock, guard),
    }
