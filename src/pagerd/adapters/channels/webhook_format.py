"""What a webhook receives: the JSON payload, and the signature that proves pagerd sent it.

Signature scheme (version 1), documented in docs/channels.md:

    X-Pagerd-Timestamp: <unix seconds>
    X-Pagerd-Signature: sha256=<hex of HMAC-SHA256(webhook secret, "<timestamp>.<raw body>")>

The webhook secret is `webhook_secret(secret_key)`, a key derived from pagerd's secret key
(never the secret key itself, which also signs acknowledge links and sessions). Receivers
should compare in constant time and refuse timestamps more than five minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.service_layer.paging import OutgoingPage

EVENT_TYPE = "alert.page"
TEST_EVENT_TYPE = "contact_method.test"
SIGNATURE_HEADER = "X-Pagerd-Signature"
TIMESTAMP_HEADER = "X-Pagerd-Timestamp"
DELIVERY_HEADER = "X-Pagerd-Delivery"
SECRET_PREFIX = "whsec_"  # noqa: S105 -- a visible prefix, not a secret


def webhook_secret(secret_key: bytes) -> str:
    """The secret webhook receivers are given; its UTF-8 bytes are the HMAC key. A key of
    its own purpose derived from the secret key (the derivation `derive_key` of
    acknowledge links uses, computed here so that the adapter needs no use case module)."""
    derived = hmac.new(secret_key, b"pagerd:webhook-signature", hashlib.sha256).digest()
    return SECRET_PREFIX + derived.hex()


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 keyed by `secret` over `<timestamp>.<body>`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (also used by pagerd's tests): recompute and compare."""
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(sign_body(secret, int(timestamp), body), signature)


def build_payload(page: OutgoingPage, renderer: MessageRenderer, now: datetime) -> dict[str, Any]:
    """The JSON document POSTed to a webhook target: everything about each alert.
    `level_id` and `pass` are 0-based (as the API's); `level_label` counts from 1 for
    people, as every other message does."""
    return {
        "type": TEST_EVENT_TYPE if page.items[0].is_test else EVENT_TYPE,
        "delivery_id": str(page.idempotency_key),
        "sent_at": _rfc3339(now),
        "alert_count": len(page.items),
        "alerts": [
            {
                "alert_id": str(item.alert_id),
                "notification_id": str(item.notification_id),
                "monitored_service_id": str(item.monitored_service_id),
                "service_name": item.service_name,
                "message": item.message,
                "severity": item.severity.value,
                "source": item.source,
                "details": dict(item.details),
                "links": [{"href": link.href, "text": link.text} for link in item.links],
                "level_id": item.level,
                "pass": item.pass_number,
                "level_label": f"level {item.level + 1}, pass {item.pass_number + 1}",
                "alert_created_at": _rfc3339(item.alert_created_at),
                "acknowledge_url": renderer.ack_url(item),
                "alert_url": renderer.console_url(item),
            }
            for item in page.items
        ],
    }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
