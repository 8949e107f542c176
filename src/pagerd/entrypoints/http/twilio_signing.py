"""Twilio's request signature, checked on every request Twilio makes to pagerd.

`X-Twilio-Signature` is base64 of HMAC-SHA1, keyed by the account's auth token, over the URL
Twilio called (PAGERD_PUBLIC_URL plus the path and query: pagerd behind a proxy checks the
address it gave Twilio, not the one it was reached at) followed by every POST parameter,
sorted by name, as name then value. The comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Annotated

from fastapi import Header, Request

from pagerd.bootstrap import Container

TWIML = "text/xml"
"""The media type of pagerd's answers to Twilio."""

SignatureHeader = Annotated[
    str,
    Header(
        alias="X-Twilio-Signature",
        description="Twilio's signature of the request, checked with the auth token.",
    ),
]
"""The signature header every Twilio endpoint reads (absent: empty, and refused)."""


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature Twilio computes for a POST of `params` to `url`."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_signature_problem(
    container: Container, request: Request, params: Mapping[str, str], signature: str
) -> str | None:
    """Why the request is not Twilio's (no auth token configured, a missing or wrong
    signature), or None when it is."""
    token = container.settings.twilio_auth_token
    if token is None or not token.get_secret_value():
        return "Twilio callbacks need PAGERD_TWILIO_AUTH_TOKEN"
    url = container.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    expected = twilio_signature(token.get_secret_value(), url, params)
    if not signature or not hmac.compare_digest(expected.encode(), signature.encode()):
        return "invalid X-Twilio-Signature"
    return None
