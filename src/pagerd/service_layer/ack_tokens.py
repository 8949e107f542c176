"""Acknowledge links: signed, expiring tokens bound to one alert and one target.

A token is `base64url(version | alert id | target id | expires_at | mac)`, where `mac` is
the first 12 bytes of HMAC-SHA256, keyed by a key derived from the secret key, over
everything before it. It is compact on purpose: it has to fit in an SMS. 96 bits of MAC are
plenty for a value only ever checked online.

The secret key is PAGERD_SECRET_KEY, or a random one generated on first start and kept in
the database (`load_or_create_secret_key`). Other uses of the key (webhook signatures) get
their own derived key (`derive_key`), so a key given to a webhook receiver cannot forge
acknowledge links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pagerd.domain.alert import Alert
from pagerd.domain.policy import Target
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.errors import NotFound, UseCaseError
from pagerd.service_layer.ports import Clock, UnitOfWork

SECRET_KEY_SETTING = "secret_key"  # noqa: S105 -- the setting's name, not its value
DEFAULT_LINK_TTL = timedelta(hours=24)

_VERSION = 1
_BODY = struct.Struct(">B16s16sI")  # version, alert id, target id, expires_at (epoch seconds)
_MAC_LENGTH = 12
_TOKEN_BYTES = _BODY.size + _MAC_LENGTH


def derive_key(secret_key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the secret key (HMAC-SHA256 of the purpose)."""
    return hmac.new(secret_key, f"pagerd:{purpose}".encode(), hashlib.sha256).digest()


def load_or_create_secret_key(
    configured: str | None, uow_factory: Callable[[], UnitOfWork]
) -> bytes:
    """`configured` (PAGERD_SECRET_KEY) when set and not empty; otherwise the key stored in
    the database, created once.

    `put_if_absent` makes concurrent first starts agree on a single key.
    """
    if configured:
        return configured.encode("utf-8")
    uow = uow_factory()
    with uow:
        stored = uow.settings.put_if_absent(SECRET_KEY_SETTING, secrets.token_urlsafe(32))
        uow.commit()
    return stored.encode("utf-8")


class TokenProblem(StrEnum):
    """Why a token was refused."""

    MALFORMED = "malformed"
    TAMPERED = "tampered"
    EXPIRED = "expired"


class InvalidAckToken(Exception):
    """A token that cannot acknowledge anything; `problem` says why."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(f"acknowledge link is {problem.value}")
        self.problem = problem


@dataclass(frozen=True)
class AckClaim:
    """What a valid token grants: acknowledging `alert_id`, as `target_id`, until `expires_at`."""

    alert_id: UUID
    target_id: UUID
    expires_at: datetime


class AckLinkSigner:
    """Issues and checks acknowledge tokens with a key derived from the secret key."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = derive_key(secret_key, "ack-link")

    def sign(self, alert_id: UUID, target_id: UUID, expires_at: datetime) -> str:
        """A URL-safe token (66 characters) for this alert and target, valid until then."""
        body = _BODY.pack(_VERSION, alert_id.bytes, target_id.bytes, int(expires_at.timestamp()))
        return _encode(body + self._mac(body))

    def verify(self, token: str, now: datetime) -> AckClaim:
        """The claim of a genuine, unexpired token; InvalidAckToken otherwise.

        The MAC is checked (in constant time) before the expiry is even read, so a
        tampered token is reported as tampered whatever its dates say.
        """
        raw = _decode(token)
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidAckToken(TokenProblem.TAMPERED)
        version, alert, target, expires = _BODY.unpack(body)
        if version != _VERSION:
            raise InvalidAckToken(TokenProblem.MALFORMED)
        expires_at = datetime.fromtimestamp(expires, UTC)
        if expires_at <= now:
            raise InvalidAckToken(TokenProblem.EXPIRED)
        return AckClaim(UUID(bytes=alert), UUID(bytes=target), expires_at)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_LENGTH]


def _decode(token: str) -> bytes:
    if len(token) > 2 * _TOKEN_BYTES or not token.isascii():
        raise InvalidAckToken(TokenProblem.MALFORMED)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidAckToken(TokenProblem.MALFORMED) from None
    # The decoder skips stray characters and ignores the last character's spare bits:
    # only the one canonical spelling of a token is that token.
    if len(raw) != _TOKEN_BYTES or _encode(raw) != token:
        raise InvalidAckToken(TokenProblem.MALFORMED)
    return raw


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class AckLinks:
    """Builds acknowledge URLs under the public URL: `{public_url}/ack/{token}`."""

    def __init__(
        self, public_url: str, signer: AckLinkSigner, ttl: timedelta = DEFAULT_LINK_TTL
    ) -> None:
        self._base = public_url.rstrip("/")
        self._signer = signer
        self._ttl = ttl

    def url(self, alert_id: UUID, target_id: UUID, now: datetime) -> str:
        """A link that acknowledges `alert_id` as `target_id` until `now` plus the TTL."""
        return f"{self._base}/ack/{self._signer.sign(alert_id, target_id, now + self._ttl)}"

    def console_url(self, alert_id: UUID) -> str:
        """The alert's page in the web console (signing in first)."""
        return f"{self._base}/alerts/{alert_id}"


class LinkNotForAlert(UseCaseError):
    """A genuine token whose target is not among the alert's targets."""

    code = "ack_link_mismatch"


@dataclass(frozen=True)
class Recipient:
    """Whom a link was sent to: an address of the policy, or a user's contact method
    (`id` is the policy target's id, or the contact method's)."""

    id: UUID
    address: str
    user_name: str | None = None

    @property
    def acknowledger(self) -> str:
        """How an acknowledgement through this link is attributed: the person, if any."""
        return self.user_name if self.user_name is not None else f"{self.address} (link)"


@dataclass(frozen=True)
class AckLinkView:
    """What an acknowledge link points at: the alert, its service's name, the recipient."""

    alert: Alert
    service_name: str
    target: Recipient


def inspect_ack_link(
    uow: UnitOfWork, clock: Clock, signer: AckLinkSigner, token: str
) -> AckLinkView:
    """Read what a link would acknowledge, changing nothing (mail scanners follow links).

    Raises InvalidAckToken, NotFound (the alert is gone) or LinkNotForAlert.
    """
    claim = signer.verify(token, clock.now())
    with uow:
        alert = uow.alerts.get(claim.alert_id)
        if alert is None:
            raise NotFound("alert", claim.alert_id)
        target = _recipient_of(uow, alert, claim.target_id)
        service = uow.services.get(alert.monitored_service_id)
    name = service.name if service is not None else "(deleted service)"
    return AckLinkView(alert, name, target)


def acknowledge_by_link(
    uow: UnitOfWork, clock: Clock, signer: AckLinkSigner, token: str
) -> AckLinkView:
    """Acknowledge the alert a link was issued for, as its target; idempotent.

    Raises what `inspect_ack_link` raises, and AlertAlreadyResolved.
    """
    view = inspect_ack_link(uow, clock, signer, token)
    alert = acknowledge(uow, clock, view.alert.id, by=view.target.acknowledger)
    return AckLinkView(alert, view.service_name, view.target)


def _recipient_of(uow: UnitOfWork, alert: Alert, target_id: UUID) -> Recipient:
    # The plan is frozen when the alert opens, so this answer never changes for an alert.
    levels = alert.plan.levels if alert.plan is not None else ()
    for level in levels:
        for target in level.targets:
            if isinstance(target, Target) and target.id == target_id:
                return Recipient(target.id, target.address)
    # A user's page carries its contact method's id as target: the page names the user.
    for page in uow.outbox.list_for_alert(alert.id):
        if page.target_id == target_id and page.user_id is not None:
            user = uow.users.get(page.user_id)
            return Recipient(target_id, page.address, user.name if user is not None else None)
    raise LinkNotForAlert(f"this link was not issued for alert {alert.id}")
