"""SMS acknowledgement codes: issued per (alert, phone), unique while unexpired, redeemed by
a reply from that phone only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import TracebackType
from uuid import UUID

import pytest

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.domain.alert import Alert, AlertStatus
from pagerd.service_layer.ack_codes import (
    ReplyOutcome,
    acknowledge_by_code,
    issue_ack_code,
    parse_ack_reply,
)
from pagerd.service_layer.services import delete_service
from pagerd.testing.harness import PagingHarness, level

PHONE = "+5492664295169"


def _open_alert(h: PagingHarness, name: str = "checkout") -> Alert:
    service = h.create_service(name)
    h.set_policy(service.id, [level(PHONE)])
    return h.alert(service.id, f"{name} is down")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("ACK 4821", "4821"),
        ("ack4821", "4821"),
        (" 4821 ", "4821"),
        ("Ack #4821.", "4821"),
        ("ACK 123456", "123456"),
        ("hello", None),
        ("ACK", None),
        ("ACK 12", None),
        ("4821 4821", None),
    ],
)
def test_a_reply_names_a_code_with_or_without_ack(body: str, code: str | None) -> None:
    assert parse_ack_reply(body) == code


def test_a_code_is_reused_for_the_same_alert_and_phone_and_differs_for_another_phone() -> None:
    h = PagingHarness()
    alert = _open_alert(h)

    first = issue_ack_code(h.uow, h.clock, alert.id, PHONE)
    h.clock.advance(timedelta(hours=1))
    again = issue_ack_code(h.uow, h.clock, alert.id, PHONE)
    other = issue_ack_code(h.uow, h.clock, alert.id, "+15551230000")

    assert again == first
    assert other.code != first.code
    assert first.expires_at == first.created_at + timedelta(hours=24)
    assert len(first.code) == 4


def test_a_code_near_its_expiry_is_replaced_by_a_fresh_one() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    first = issue_ack_code(h.uow, h.clock, alert.id, PHONE)

    h.clock.advance(timedelta(hours=13))
    fresh = issue_ack_code(h.uow, h.clock, alert.id, PHONE)

    assert fresh.code != first.code
    assert fresh.expires_at == h.clock.now() + timedelta(hours=24)


def test_a_code_in_use_is_never_issued_twice_among_unexpired_codes() -> None:
    h = PagingHarness()
    a = _open_alert(h, "checkout")
    b = _open_alert(h, "search")

    def same_then_other() -> Iterator[int]:
        yield from (3821, 3821, 3821, 7)  # the second issue collides twice before it is free

    draws = same_then_other()
    first = issue_ack_code(h.uow, h.clock, a.id, PHONE, randbelow=lambda _: next(draws))
    second = issue_ack_code(h.uow, h.clock, b.id, PHONE, randbelow=lambda _: next(draws))

    assert first.code == "4821"
    assert second.code == "1007"


def test_when_four_digit_codes_keep_colliding_a_six_digit_code_is_issued() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    first = issue_ack_code(h.uow, h.clock, alert.id, PHONE, randbelow=lambda _: 0)

    longer = issue_ack_code(h.uow, h.clock, alert.id, "+15551230000", randbelow=lambda _: 0)

    assert first.code == "1000"
    assert longer.code == "100000"


def test_when_no_code_of_any_width_is_free_issuing_fails_and_stores_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    phones = ["+15551230001", "+15551230002", "+15551230003"]
    taken = [issue_ack_code(h.uow, h.clock, alert.id, p, randbelow=lambda _: 0) for p in phones]

    with pytest.raises(RuntimeError, match="no free acknowledgement code"):
        issue_ack_code(h.uow, h.clock, alert.id, PHONE, randbelow=lambda _: 0)

    assert [c.code for c in taken] == ["1000", "100000", "10000000"]
    with h.uow:
        assert h.uow.ack_codes.find_for(alert.id, PHONE, h.clock.now()) is None


def test_an_expired_code_may_be_issued_again() -> None:
    h = PagingHarness()
    a = _open_alert(h, "checkout")
    b = _open_alert(h, "search")
    issue_ack_code(h.uow, h.clock, a.id, PHONE, randbelow=lambda _: 3821)

    h.clock.advance(timedelta(hours=24))
    again = issue_ack_code(h.uow, h.clock, b.id, PHONE, randbelow=lambda _: 3821)

    assert again.code == "4821"
    assert again.alert_id == b.id


def test_a_reply_from_the_phone_that_got_the_code_acknowledges_the_alert() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    code = issue_ack_code(h.uow, h.clock, alert.id, PHONE).code

    reply = acknowledge_by_code(h.uow, h.clock, f"ACK {code}", PHONE)

    assert reply.outcome is ReplyOutcome.ACKNOWLEDGED
    assert reply.service_name == "checkout"
    acked = h.get_alert(alert.id)
    assert acked.status is AlertStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == f"{PHONE} (SMS)"


def test_a_code_replied_from_another_phone_is_unknown_and_changes_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    code = issue_ack_code(h.uow, h.clock, alert.id, PHONE).code

    reply = acknowledge_by_code(h.uow, h.clock, code, "+15551230000")

    assert reply.outcome is ReplyOutcome.UNKNOWN_CODE
    assert h.get_alert(alert.id).status is AlertStatus.OPEN


def test_an_expired_code_is_unknown_and_changes_nothing() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    code = issue_ack_code(h.uow, h.clock, alert.id, PHONE).code
    h.clock.advance(timedelta(hours=24))

    reply = acknowledge_by_code(h.uow, h.clock, f"ACK {code}", PHONE)

    assert reply.outcome is ReplyOutcome.UNKNOWN_CODE
    assert h.get_alert(alert.id).status is AlertStatus.OPEN


def test_a_code_of_a_resolved_alert_says_so() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    code = issue_ack_code(h.uow, h.clock, alert.id, PHONE).code
    h.healthy(alert.monitored_service_id)

    reply = acknowledge_by_code(h.uow, h.clock, code, PHONE)

    assert reply.outcome is ReplyOutcome.RESOLVED
    assert h.get_alert(alert.id).status is AlertStatus.RESOLVED


def test_a_reply_without_a_code_is_not_understood() -> None:
    h = PagingHarness()

    assert (
        acknowledge_by_code(h.uow, h.clock, "what?", PHONE).outcome is ReplyOutcome.NOT_UNDERSTOOD
    )


class _ServiceDeletedAfterTheFirstTransaction(InMemoryUnitOfWork):
    """A unit of work whose first transaction is followed, before the next one begins, by
    another client deleting a service (and with it its past alerts)."""

    def __init__(self, store: InMemoryStore, service_id: UUID) -> None:
        super().__init__(store)
        self._service_id: UUID | None = service_id

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        if self._service_id is not None:
            service_id, self._service_id = self._service_id, None
            delete_service(InMemoryUnitOfWork(self.store), service_id)


def test_a_code_whose_alert_is_deleted_while_the_reply_is_handled_is_unknown() -> None:
    h = PagingHarness()
    alert = _open_alert(h)
    code = issue_ack_code(h.uow, h.clock, alert.id, PHONE).code
    h.healthy(alert.monitored_service_id)
    racing = _ServiceDeletedAfterTheFirstTransaction(h.store, alert.monitored_service_id)

    reply = acknowledge_by_code(racing, h.clock, f"ACK {code}", PHONE)

    assert reply.outcome is ReplyOutcome.UNKNOWN_CODE
    assert reply.code == code
    assert reply.alert is None
    with h.uow:
        assert h.uow.alerts.get(alert.id) is None
