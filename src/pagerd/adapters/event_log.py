"""What pagerd does, as one structured log event each: the Observer port on `logging`.

Every event is logged on the `pagerd.events` logger with an `event` field naming it
(`alert.opened`, `page.failed`, `console.sign_in_failed`, ...) and the ids it concerns
(`alert_id`, `service_id`, `notification_ids`, ...), so a JSON log can be searched by id.
Messages carry no secrets and no alert content beyond what the timeline already shows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec
from uuid import UUID

from pagerd.domain.timer import FiredTimer
from pagerd.service_layer.paging import DeliveryOutcome, DeliveryResult, OutgoingPage
from pagerd.service_layer.ports import TimelineEntry

log = logging.getLogger("pagerd.events")
P = ParamSpec("P")

# Timeline entries logged elsewhere: each delivery attempt is logged when it is made.
_LOGGED_AS_PAGES = frozenset({"delivered", "delivery_failed", "delivery_retry"})
# Entries that mean something needs a person's attention.
_WARNINGS = frozenset({"no_policy", "level_failed", "exhausted"})
# How an entry's type reads in a message; unknown types read as their own name.
_SENTENCES = {
    "opened": "alert opened an incident",
    "joined": "alert joined the incident under way",
    "no_policy": "incident opened with no escalation policy: nobody is paged",
    "notified": "level paged",
    "level_failed": "every page of the level failed; escalating",
    "exhausted": "escalation exhausted: nobody more to page",
    "acknowledged": "incident acknowledged",
    "dedup_key_resolved": "dedup key resolved",
    "resolved": "incident resolved",
    "notification_cancelled": "page cancelled",
}


def _never_raise(method: Callable[P, None]) -> Callable[P, None]:
    # The Observer port forbids raising: a log bug must never fail a page or a request.
    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            method(*args, **kwargs)
        except Exception:
            log.exception("logging an event failed")

    return guarded


class LoggingObserver:
    """Implements the Observer port with one log record per fact."""

    @_never_raise
    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        _event(
            logging.INFO,
            "alert.received",
            "alert received",
            source=source,
            deduplicated=deduplicated,
            alert_id=alert_id,
            service_id=service_id,
        )

    @_never_raise
    def timer_fired(self, fired: FiredTimer) -> None:
        # Only a timeout that paged a level is an escalation; an exhausted one is logged
        # from the timeline (`alert.exhausted`), a stale one changed nothing.
        if fired.escalated:
            _event(
                logging.INFO,
                "alert.escalated",
                "acknowledgement timeout: escalating",
                alert_id=fired.timer.alert_id,
                level_id=fired.timer.level,
                outcome=fired.outcome.value,
                lateness_seconds=round(fired.lateness.total_seconds(), 3),
            )

    @_never_raise
    def page_attempted(self, page: OutgoingPage, result: DeliveryResult, seconds: float) -> None:
        delivered = result.outcome is DeliveryOutcome.DELIVERED
        _event(
            logging.INFO if delivered else logging.WARNING,
            "page.sent" if delivered else "page.failed",
            "page sent" if delivered else f"page failed: {result.error or 'unknown error'}",
            channel=page.channel.value,
            outcome=result.outcome.value,
            error=result.error,
            notification_ids=[str(item.notification_id) for item in page.items],
            alert_ids=sorted({str(item.alert_id) for item in page.items}),
            service_ids=sorted({str(item.monitored_service_id) for item in page.items}),
            idempotency_key=page.idempotency_key,
            duration_ms=round(seconds * 1000, 1),
        )

    @_never_raise
    def call_finished(self, channel: str, outcome: str, retried: int, failed: int) -> None:
        answered = outcome == "answered"
        _event(
            logging.INFO if answered else logging.WARNING,
            "call.finished",
            f"call {outcome}",
            channel=channel,
            outcome=outcome,
            retried=retried,
            failed=failed,
        )

    @_never_raise
    def alert_history_committed(self, entries: Sequence[TimelineEntry]) -> None:
        for entry in entries:
            if entry.type in _LOGGED_AS_PAGES:
                continue
            level = logging.WARNING if entry.type in _WARNINGS else logging.INFO
            sentence = _SENTENCES.get(entry.type, entry.type.replace("_", " "))
            _event(level, f"alert.{entry.type}", sentence, alert_id=entry.alert_id, **_safe(entry))

    @_never_raise
    def signed_in(self, username: str, succeeded: bool, reason: str = "") -> None:
        if succeeded:
            _event(logging.INFO, "console.sign_in", "signed in", username=username)
            return
        _event(
            logging.WARNING,
            "console.sign_in_failed",
            f"sign-in failed: {reason or 'refused'}",
            username=username,
            reason=reason,
        )

    @_never_raise
    def configuration_changed(
        self, action: str, subject: str, subject_id: str | None = None, by: str = ""
    ) -> None:
        _event(
            logging.INFO,
            f"config.{subject.replace(' ', '_')}_{action}d",
            f"{subject} {action}d",
            action=action,
            subject=subject,
            subject_id=subject_id,
            by=by or None,
        )


def _safe(entry: TimelineEntry) -> dict[str, Any]:
    # The timeline's details, renamed where they would overwrite a record's own attributes
    # (an alert's `message` is not the log line's).
    return {
        _RENAMED.get(k, f"detail_{k}") if k in _RESERVED else k: v for k, v in entry.details.items()
    }


_RENAMED = {"message": "alert_message"}


_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "event",
    "alert_id",
}


def _event(level: int, event: str, message: str, **fields: Any) -> None:
    log.log(level, message, extra={"event": event, **fields})
