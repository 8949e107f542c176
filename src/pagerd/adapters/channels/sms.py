"""The text of an SMS page, with a reply code issued for each alert it carries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from pagerd.adapters.channels.rendering import MessageRenderer
from pagerd.service_layer.ack_codes import CODE_TTL, issue_ack_code
from pagerd.service_layer.paging import OutgoingPage
from pagerd.service_layer.ports import Clock, UnitOfWork


class SmsComposer:
    """Issues (or reuses) the code of each (alert, phone) of a page, then renders the text."""

    def __init__(
        self,
        renderer: MessageRenderer,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        code_ttl: timedelta = CODE_TTL,
    ) -> None:
        self._renderer = renderer
        self._uow_factory = uow_factory
        self._clock = clock
        self._ttl = code_ttl

    def codes(self, page: OutgoingPage) -> dict[UUID, str]:
        """The reply code of every alert of the page, for this phone number."""
        # A test message belongs to no alert: it gets no code.
        alert_ids = dict.fromkeys(item.alert_id for item in page.items if not item.is_test)
        return {
            alert_id: issue_ack_code(
                self._uow_factory(), self._clock, alert_id, page.address, self._ttl
            ).code
            for alert_id in alert_ids
        }

    def text(self, page: OutgoingPage) -> str:
        """The SMS body. Raises when a code cannot be stored (the database is down)."""
        return self._renderer.sms(page, self.codes(page), self._clock.now())
