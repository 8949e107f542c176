"""Notification channels: SMTP e-mail, Twilio SMS, signed webhooks, and the dev outbox.

Each sender implements `pagerd.service_layer.paging.Sender`: it never raises, and classifies
every failure as transient (retried with backoff) or permanent.
"""

from pagerd.adapters.channels.dev_outbox import DevOutboxSender
from pagerd.adapters.channels.factory import build_senders
from pagerd.adapters.channels.network_guard import AddressPolicy, ForbiddenAddress
from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.adapters.channels.sms import SmsComposer
from pagerd.adapters.channels.smtp import SmtpConfig, SmtpEmailSender
from pagerd.adapters.channels.twilio import TwilioConfig, TwilioSmsSender
from pagerd.adapters.channels.webhook import WebhookSender
from pagerd.adapters.channels.webhook_format import webhook_secret
from pagerd.service_layer.ack_tokens import load_or_create_secret_key

__all__ = [
    "AddressPolicy",
    "DevOutboxSender",
    "ForbiddenAddress",
    "MessageRenderer",
    "SmsComposer",
    "SmtpConfig",
    "SmtpEmailSender",
    "TwilioConfig",
    "TwilioSmsSender",
    "WebhookSender",
    "build_senders",
    "load_or_create_secret_key",
    "webhook_secret",
]
