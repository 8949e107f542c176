"""Voice call callbacks on the fakes: keypress 1 acknowledges as the callee, 2 escalates
once, and a call nobody answered is a failed attempt, retried, then the level fails over."""

from __future__ import annotations

from uuid import UUID

from pagerd.domain.alert import Alert, AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.voice_call import CALL_RETRY_DELAY, MAX_CALL_ATTEMPTS, CallOutcome
from pagerd.entrypoints.console.timeline import describe_timeline
from pagerd.service_layer.delivery import claim_pages, record_delivery
from pagerd.service_layer.paging import DeliveryResult, OutgoingPage
from pagerd.service_layer.voice_calls import press_key, record_call_status
from pagerd.testing.harness import PagingHarness, level, user_target

PHONE = "+14155550100"
BACKUP = "backup@example.com"


class Scenario:
    """Alice, paged by voice at level 0 of `checkout`; e-mail to a backup at level 1."""

    def __init__(self, dispatch: bool = True) -> None:
        self.h = PagingHarness()
        self.alice = self.h.create_user("alice")
        self.h.add_contact_method(self.alice.id, "voice", PHONE)
        service = self.h.create_service("checkout")
        self.h.set_policy(service.id, [level(user_target(self.alice.id)), level(BACKUP)])
        self.alert: Alert = self.h.alert(service.id, "checkout: disk full")
        if dispatch:
            self.h.run_workers()

    def last_call(self) -> OutgoingPage:
        return self.h.pages(Channel.VOICE)[-1]

    def ids(self) -> list[UUID]:
        return [item.notification_id for item in self.last_call().items]

    def press(self, digits: str, call_sid: str = "CA1") -> None:
        press_key(self.h.uow, self.h.clock, self.ids(), digits, call_sid)

    def status(self, call_status: str, call_sid: str, answered_by: str = "") -> CallOutcome:
        result = record_call_status(
            self.h.uow, self.h.clock, self.ids(), call_sid, call_status, answered_by
        )
        return result.outcome

    def page_status(self) -> NotificationStatus:
        with self.h.uow:
            page = self.h.uow.outbox.get(self.ids()[0])
        assert page is not None
        return page.status

    def emails(self) -> list[str]:
        return [p.address for p in self.h.pages(Channel.EMAIL)]


def test_keypress_1_acknowledges_as_the_user_the_call_was_for_and_stops_escalation() -> None:
    s = Scenario()

    s.press("1")

    alert = s.h.get_alert(s.alert.id)
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == "alice"
    s.h.advance(3600)
    assert s.emails() == []  # level 1 never paged


def test_keypress_2_escalates_now_and_a_replay_or_second_2_does_not_skip_a_level() -> None:
    s = Scenario()

    s.press("2", call_sid="CA1")
    s.h.run_workers()
    assert s.h.get_alert(s.alert.id).level == 1
    assert s.emails() == [BACKUP]
    entry = [e for e in s.h.timeline(s.alert.id) if e.type == "escalated"]
    assert entry
    assert entry[-1].details.get("by") == "alice"

    s.press("2", call_sid="CA1")  # the same callback again
    s.press("2", call_sid="CA2")  # the same call's page, from a later call: level moved on
    assert s.h.get_alert(s.alert.id).level == 1


def test_any_other_key_changes_nothing() -> None:
    s = Scenario()

    s.press("7")

    assert s.h.get_alert(s.alert.id).status is AlertStatus.OPEN


def test_a_call_nobody_answers_is_retried_then_fails_and_the_level_fails_over() -> None:
    s = Scenario()
    assert s.page_status() is NotificationStatus.SENT

    for attempt in range(1, MAX_CALL_ATTEMPTS):
        assert s.status("no-answer", f"CA{attempt}") is CallOutcome.UNANSWERED
        assert s.page_status() is NotificationStatus.PENDING
        s.h.advance(CALL_RETRY_DELAY.total_seconds() - 1)
        assert len(s.h.pages(Channel.VOICE)) == attempt  # not yet
        s.h.advance(1)
        assert len(s.h.pages(Channel.VOICE)) == attempt + 1  # called again
        assert s.emails() == []

    s.status("busy", f"CA{MAX_CALL_ATTEMPTS}")
    s.h.run_workers()

    assert s.page_status() is NotificationStatus.FAILED
    assert s.h.get_alert(s.alert.id).level == 1  # failed over at once, not after 15 minutes
    assert s.emails() == [BACKUP]
    types = [e.type for e in s.h.timeline(s.alert.id)]
    assert types.count("delivery_retry") == MAX_CALL_ATTEMPTS - 1
    assert "delivery_failed" in types
    lines = [
        line.text for line in describe_timeline(s.h.get_alert(s.alert.id), s.h.timeline(s.alert.id))
    ]
    assert (
        f"Delivery to {PHONE} (voice) failed (attempt 1: the call ended no-answer); retrying."
        in lines
    )
    assert (
        f"Delivery to {PHONE} (voice) failed for good after 3 attempts: the call ended busy."
        in lines
    )


def test_a_voicemail_counts_as_unanswered() -> None:
    s = Scenario()

    assert s.status("completed", "CA1", answered_by="machine_start") is CallOutcome.UNANSWERED

    assert s.page_status() is NotificationStatus.PENDING
    with s.h.uow:
        page = s.h.uow.outbox.get(s.ids()[0])
    assert page is not None
    assert "machine start" in (page.last_error or "")


def test_an_answered_call_stays_delivered_and_a_repeated_status_changes_nothing() -> None:
    s = Scenario()

    assert s.status("completed", "CA1") is CallOutcome.ANSWERED
    assert s.status("no-answer", "CA1") is CallOutcome.UNANSWERED  # the same call again

    assert s.page_status() is NotificationStatus.SENT
    lines = [line.text for line in describe_timeline(s.alert, s.h.timeline(s.alert.id))]
    assert f"Call to {PHONE} answered." in lines


def test_a_call_unanswered_after_the_alert_was_acknowledged_is_not_retried() -> None:
    s = Scenario()
    s.h.acknowledge(s.alert.id, by="bob")

    s.status("no-answer", "CA1")
    s.h.advance(3600)

    assert s.page_status() is NotificationStatus.SENT
    assert len(s.h.pages(Channel.VOICE)) == 1


def test_a_call_reported_busy_before_its_placing_was_recorded_still_counts_as_failed() -> None:
    s = Scenario(dispatch=False)
    [call] = claim_pages(s.h.uow, s.h.clock, "worker-1")  # the call is being placed
    ids = [item.notification_id for item in call.items]

    # Twilio reports the line busy before the dispatcher records that it accepted the call.
    record_call_status(s.h.uow, s.h.clock, ids, "CA1", "busy")
    with s.h.uow:
        in_flight = s.h.uow.outbox.get(ids[0])
    assert in_flight is not None
    assert in_flight.status is NotificationStatus.PENDING

    record_delivery(s.h.uow, s.h.clock, call, DeliveryResult.delivered(), lambda: 0.0, "worker-1")

    with s.h.uow:
        page = s.h.uow.outbox.get(ids[0])
    assert page is not None
    assert page.status is NotificationStatus.PENDING  # a failed attempt, to be called again
    assert page.attempts == 1
    assert page.next_attempt_at == s.h.clock.now() + CALL_RETRY_DELAY
    s.h.advance(CALL_RETRY_DELAY.total_seconds())
    assert len(s.h.pages(Channel.VOICE)) == 1  # the harness's sender placed the second call

    with s.h.uow:
        again = s.h.uow.outbox.get(ids[0])
    assert again is not None
    assert again.status is NotificationStatus.SENT  # the marker was for the first call only
