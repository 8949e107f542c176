"""Notification channels: SMTP e-mail, Twilio SMS and voice calls, signed webhooks, Slack,
Microsoft Teams, and the dev outbox.

Each sender implements `pagerd.service_layer.paging.Sender`: it never raises, does I/O only
(what a message needs was decided when its page was claimed), and classifies every failure
as transient (retried with backoff) or permanent. `registry` lists each channel's adapter.
"""

from pagerd.adapters.channels.adapter import ChannelAdapter, ChannelConfigs, SenderParts
from pagerd.adapters.channels.dev_outbox import DevOutboxSender
from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress
from pagerd.adapters.channels.registry import build_senders, channel_adapter
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.adapters.channels.teams import TeamsSender
from pagerd.adapters.channels.twilio import TwilioConfig, TwilioSmsSender
from pagerd.adapters.channels.twilio_voice import TwilioVoiceConfig, TwilioVoiceSender
from pagerd.adapters.channels.webhook import WebhookConfig, WebhookSender
from pagerd.adapters.channels.webhook_format import webhook_secret

__all__ = [
    "AddressPolicy",
    "ChannelAdapter",
    "ChannelConfigs",
    "DevOutboxSender",
    "ForbiddenAddress",
    "MessageRenderer",
    "SenderParts",
    "SmtpConfig",
    "SmtpEmailSender",
    "TeamsSender",
    "TwilioConfig",
    "TwilioSmsSender",
    "TwilioVoiceConfig",
    "TwilioVoiceSender",
    "WebhookConfig",
    "WebhookSender",
    "build_senders",
    "channel_adapter",
    "webhook_secret",
]
