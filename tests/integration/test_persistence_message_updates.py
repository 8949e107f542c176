"""The message-update repository's contract and the sent-messages lookup: in memory, SQLite,
PostgreSQL (the in-memory adapter defines the semantics the SQL ones must match)."""

from __future__ import annotations

from dataclasses import replace

from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.message_update import MessageUpdate
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.policy import Target
from pagerd.domain.severity import Severity
from tests.integration.conftest import T0, UowFactory, at, commit_change, notification, stored_alert


def _sent_page(make_uow: UowFactory) -> tuple[MessageUpdate, Alert]:
    alert = stored_alert(make_uow)
    page = notification(alert, Target(alert.id, Channel.SLACK, "C0123ABCD"))
    page.delivered(T0, message_ref="C0123ABCD/1700000000.000001")
    commit_change(make_uow, lambda uow: uow.outbox.add(page))
    update = MessageUpdate.of(
        page, "checkout", "disk full", Severity.ERROR, "acknowledged", "alice", at(60)
    )
    return update, alert


def test_sent_messages_of_alerts_are_those_with_a_provider_reference(
    make_uow: UowFactory,
) -> None:
    update, alert = _sent_page(make_uow)
    unsent = notification(alert, Target(alert.id, Channel.EMAIL, "bob@example.com"), level=1)
    commit_change(make_uow, lambda uow: uow.outbox.add(unsent))

    with make_uow(None) as uow:
        [sent] = uow.outbox.sent_messages_of([update.alert_id])
        assert uow.outbox.sent_messages_of([]) == []

    assert sent.id == update.notification_id
    assert sent.message_ref == "C0123ABCD/1700000000.000001"
    assert sent.status is NotificationStatus.SENT


def test_an_edit_is_leased_once_released_and_recorded(make_uow: UowFactory) -> None:
    update, _ = _sent_page(make_uow)
    commit_change(make_uow, lambda uow: uow.message_updates.add_many([update]))

    with make_uow(None) as uow:
        assert uow.message_updates.next_attempt_at() == at(60)
        assert uow.message_updates.claim_due(at(59), 10, "w1", at(120)) == []
        [claimed] = uow.message_updates.claim_due(at(60), 10, "w1", at(120))
        uow.commit()
    assert claimed == update
    with make_uow(None) as uow:
        assert uow.message_updates.claim_due(at(61), 10, "w2", at(121)) == []  # leased
        uow.message_updates.release(update.id, "w2")  # not w2's: nothing changes
        uow.commit()
    with make_uow(None) as uow:
        assert uow.message_updates.claim_due(at(62), 10, "w2", at(122)) == []
        uow.message_updates.release(update.id, "w1")
        uow.commit()
    with make_uow(None) as uow:
        [again] = uow.message_updates.claim_due(at(63), 10, "w2", at(123))
        again.delivered(at(64))
        uow.message_updates.update_many([again])
        uow.commit()
    with make_uow(None) as uow:
        [stored] = uow.message_updates.list_for_alert(update.alert_id)
        assert uow.message_updates.next_attempt_at() is None
        assert uow.message_updates.get_many([update.id]) == {update.id: stored}
    assert stored == replace(update, status=NotificationStatus.SENT, attempts=1, sent_at=at(64))


def test_an_expired_lease_is_claimable_again(make_uow: UowFactory) -> None:
    update, _ = _sent_page(make_uow)
    commit_change(make_uow, lambda uow: uow.message_updates.add_many([update]))
    with make_uow(None) as uow:
        assert len(uow.message_updates.claim_due(at(60), 10, "w1", at(120))) == 1
        uow.commit()

    with make_uow(None) as uow:
        assert len(uow.message_updates.claim_due(at(120), 10, "w2", at(180))) == 1
