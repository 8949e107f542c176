"""Contact methods, notification rules and rule timers, on SQLAlchemy Core.

Rule timers are a queue like the acknowledgement timers (queue_repositories): PostgreSQL
claims them with their alerts `FOR UPDATE SKIP LOCKED`; SQLite's single writer serializes
the claim. Statements are built once, at import, with `p_...` bind parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from pagerd.adapters.sqlalchemy.attempts_codec import attempts_state
from pagerd.adapters.sqlalchemy.people_codec import (
    contact_method_from_row,
    rule_timer_from_row,
    rule_timer_to_row,
    test_message_from_row,
    test_message_to_row,
)
from pagerd.adapters.sqlalchemy.session import Session
from pagerd.adapters.sqlalchemy.tables import (
    alerts,
    contact_methods,
    notification_rules,
    rule_timers,
    test_messages,
)
from pagerd.domain.channels import Channel
from pagerd.domain.notification import NotificationStatus
from pagerd.domain.people import ContactMethod, NotificationRule
from pagerd.domain.test_message import TestMessage
from pagerd.domain.timer import RuleTimer

_PENDING = NotificationStatus.PENDING.value

_METHOD_INSERT = contact_methods.insert()
_METHOD_BY_ID = contact_methods.select().where(contact_methods.c.id == sa.bindparam("p_id"))
_METHODS_AT = (
    contact_methods.select()
    .where(
        contact_methods.c.channel == sa.bindparam("p_channel"),
        contact_methods.c.address == sa.bindparam("p_address"),
    )
    .order_by(contact_methods.c.created_at, contact_methods.c.id)
)
_METHODS_FOR_USERS = (
    contact_methods.select()
    .where(contact_methods.c.user_id.in_(sa.bindparam("p_user_ids", expanding=True)))
    .order_by(contact_methods.c.created_at, contact_methods.c.id)
)
# Rules and pending timers naming the method go with it (ON DELETE CASCADE; SQLite's
# foreign keys are on, see engine.py).
_METHOD_DELETE = contact_methods.delete().where(contact_methods.c.id == sa.bindparam("p_id"))


class SqlContactMethodRepository:
    """Implements ContactMethodRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, method: ContactMethod) -> None:
        self._db.execute(
            _METHOD_INSERT,
            {
                "id": method.id,
                "user_id": method.user_id,
                "channel": method.channel.value,
                "address": method.address,
                "label": method.label,
                "created_at": method.created_at,
            },
        )

    def get(self, method_id: UUID) -> ContactMethod | None:
        row = self._db.one_or_none(_METHOD_BY_ID, {"p_id": method_id})
        return contact_method_from_row(row) if row is not None else None

    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[ContactMethod]]:
        found: dict[UUID, list[ContactMethod]] = {user_id: [] for user_id in user_ids}
        if found:
            for row in self._db.all(_METHODS_FOR_USERS, {"p_user_ids": list(found)}):
                found[row["user_id"]].append(contact_method_from_row(row))
        return found

    def with_address(self, channel: Channel, address: str) -> list[ContactMethod]:
        params = {"p_channel": channel.value, "p_address": address}
        return [contact_method_from_row(row) for row in self._db.all(_METHODS_AT, params)]

    def delete(self, method_id: UUID) -> None:
        self._db.execute(_METHOD_DELETE, {"p_id": method_id})


_RULES_FOR_USERS = (
    notification_rules.select()
    .where(notification_rules.c.user_id.in_(sa.bindparam("p_user_ids", expanding=True)))
    .order_by(notification_rules.c.delay_minutes, notification_rules.c.contact_method_id)
)
_RULES_DELETE = notification_rules.delete().where(
    notification_rules.c.user_id == sa.bindparam("p_user_id")
)
_RULE_INSERT = notification_rules.insert()


class SqlNotificationRuleRepository:
    """Implements NotificationRuleRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def list_for_users(self, user_ids: Collection[UUID]) -> dict[UUID, list[NotificationRule]]:
        found: dict[UUID, list[NotificationRule]] = {user_id: [] for user_id in user_ids}
        if found:
            for row in self._db.all(_RULES_FOR_USERS, {"p_user_ids": list(found)}):
                found[row["user_id"]].append(
                    NotificationRule(
                        row["contact_method_id"], timedelta(minutes=row["delay_minutes"])
                    )
                )
        return found

    def replace_for_user(self, user_id: UUID, rules: Sequence[NotificationRule]) -> None:
        self._db.execute(_RULES_DELETE, {"p_user_id": user_id})
        if rules:
            self._db.execute(
                _RULE_INSERT,
                [
                    {
                        "user_id": user_id,
                        "contact_method_id": rule.contact_method_id,
                        "delay_minutes": rule.delay_minutes,
                    }
                    for rule in rules
                ],
            )


_TIMER_INSERT = rule_timers.insert()
_TIMERS_FOR_ALERTS = (
    rule_timers.delete()
    .where(rule_timers.c.alert_id.in_(sa.bindparam("p_alert_ids", expanding=True)))
    .returning(*rule_timers.c)
)
_TIMERS_DUE = (
    sa.select(rule_timers)
    .where(rule_timers.c.due_at <= sa.bindparam("p_now"))
    .order_by(rule_timers.c.due_at, rule_timers.c.id)
    .limit(sa.bindparam("p_limit", type_=sa.Integer()))
)
# As for level timers: lock each timer with its alert, skipping either when held, so a
# claim never waits on an acknowledge (which holds the alert and deletes the timers).
_TIMERS_CLAIM_DUE_PG = _TIMERS_DUE.join(
    alerts, alerts.c.id == rule_timers.c.alert_id
).with_for_update(of=[rule_timers, alerts], skip_locked=True)
_TIMERS_DELETE_FIRED = (
    rule_timers.delete()
    .where(rule_timers.c.id.in_(sa.bindparam("p_ids", expanding=True)))
    .returning(rule_timers.c.id)
)
_TIMERS_COUNT_FOR_LEVEL = (
    sa.select(sa.func.count())
    .select_from(rule_timers)
    .where(
        rule_timers.c.alert_id == sa.bindparam("p_alert_id"),
        rule_timers.c.level == sa.bindparam("p_level"),
        rule_timers.c.pass_number == sa.bindparam("p_pass"),
    )
)
_TIMERS_FOR_ALERT = (
    rule_timers.select()
    .where(rule_timers.c.alert_id == sa.bindparam("p_alert_id"))
    .order_by(rule_timers.c.due_at, rule_timers.c.id)
)
_TIMER_MIN_DUE = sa.select(sa.func.min(rule_timers.c.due_at))


class SqlRuleTimerRepository:
    """Implements RuleTimerRepository."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def add_many(self, timers: Sequence[RuleTimer]) -> None:
        if timers:
            self._db.execute(_TIMER_INSERT, [rule_timer_to_row(t) for t in timers])
            self._db.wrote_work = True

    def cancel_for_alerts(self, alert_ids: Collection[UUID]) -> list[RuleTimer]:
        if not alert_ids:
            return []
        rows = self._db.all(_TIMERS_FOR_ALERTS, {"p_alert_ids": list(alert_ids)})
        timers = [rule_timer_from_row(row) for row in rows]
        return sorted(timers, key=lambda t: (t.due_at, str(t.id)))

    def claim_due(self, now: datetime, limit: int) -> list[RuleTimer]:
        query = _TIMERS_CLAIM_DUE_PG if self._db.is_postgres else _TIMERS_DUE
        rows = self._db.all(query, {"p_now": now, "p_limit": limit})
        return [rule_timer_from_row(row) for row in rows]

    def remove_fired(self, timer_ids: Collection[UUID]) -> set[UUID]:
        if not timer_ids:
            return set()
        result = self._db.execute(_TIMERS_DELETE_FIRED, {"p_ids": list(timer_ids)})
        return set(result.scalars())

    def count_for_level(self, alert_id: UUID, level: int, pass_number: int) -> int:
        params = {"p_alert_id": alert_id, "p_level": level, "p_pass": pass_number}
        return int(self._db.execute(_TIMERS_COUNT_FOR_LEVEL, params).scalar_one())

    def list_for_alert(self, alert_id: UUID) -> list[RuleTimer]:
        rows = self._db.all(_TIMERS_FOR_ALERT, {"p_alert_id": alert_id})
        return [rule_timer_from_row(row) for row in rows]

    def next_due_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(_TIMER_MIN_DUE).scalar()
        return due


_TEST_INSERT = test_messages.insert()
_TEST_BY_ID = test_messages.select().where(test_messages.c.id == sa.bindparam("p_id"))
_TESTS_BY_IDS = test_messages.select().where(
    test_messages.c.id.in_(sa.bindparam("p_ids", expanding=True))
)
_TEST_CLAIMABLE = sa.and_(
    test_messages.c.status == _PENDING,
    test_messages.c.next_attempt_at <= sa.bindparam("p_now"),
    sa.or_(
        test_messages.c.lease_until.is_(None),
        test_messages.c.lease_until <= sa.bindparam("p_now"),
    ),
)
_TESTS_DUE = (
    sa.select(test_messages.c.id)
    .where(_TEST_CLAIMABLE)
    .order_by(test_messages.c.next_attempt_at, test_messages.c.id)
    .limit(sa.bindparam("p_limit", type_=sa.Integer()))
)
# Compare-and-set: the lease is taken only where the row is still claimable, so two
# dispatchers (PostgreSQL: the second skips the locked rows) never hold one message.
_TESTS_CLAIM = (
    test_messages.update()
    .where(test_messages.c.id.in_(sa.bindparam("p_ids", expanding=True)), _TEST_CLAIMABLE)
    .values(lease_owner=sa.bindparam("p_owner"), lease_until=sa.bindparam("p_until"))
    .returning(*test_messages.c)
)
_TEST_UPDATE = (
    test_messages.update()
    .where(test_messages.c.id == sa.bindparam("p_id"))
    .values(lease_owner=None, lease_until=None)
)
_TEST_RELEASE = (
    test_messages.update()
    .where(
        test_messages.c.id == sa.bindparam("p_id"),
        test_messages.c.lease_owner == sa.bindparam("p_owner"),
    )
    .values(lease_owner=None, lease_until=None)
)
_TEST_MIN_DUE = sa.select(sa.func.min(test_messages.c.next_attempt_at)).where(
    test_messages.c.status == _PENDING
)


class SqlTestMessageRepository:
    """Implements TestMessageRepository."""

    __test__ = False

    def __init__(self, session: Session) -> None:
        self._db = session

    def add(self, message: TestMessage) -> None:
        self._db.execute(_TEST_INSERT, test_message_to_row(message))
        self._db.wrote_work = True

    def get(self, message_id: UUID) -> TestMessage | None:
        row = self._db.one_or_none(_TEST_BY_ID, {"p_id": message_id})
        return test_message_from_row(row) if row is not None else None

    def claim_due(
        self, now: datetime, limit: int, worker_id: str, lease_until: datetime
    ) -> list[TestMessage]:
        due = _TESTS_DUE.with_for_update(skip_locked=True) if self._db.is_postgres else _TESTS_DUE
        ids = list(self._db.execute(due, {"p_now": now, "p_limit": limit}).scalars())
        if not ids:
            return []
        params = {"p_ids": ids, "p_now": now, "p_owner": worker_id, "p_until": lease_until}
        rows = self._db.all(_TESTS_CLAIM, params)
        claimed = [test_message_from_row(row) for row in rows]
        return sorted(claimed, key=lambda m: (m.next_attempt_at, str(m.id)))

    def get_many(self, message_ids: Collection[UUID]) -> dict[UUID, TestMessage]:
        if not message_ids:
            return {}
        rows = self._db.all(_TESTS_BY_IDS, {"p_ids": list(message_ids)})
        return {row["id"]: test_message_from_row(row) for row in rows}

    def update_many(self, messages: Sequence[TestMessage]) -> None:
        if messages:
            self._db.execute(_TEST_UPDATE, [{"p_id": m.id, **attempts_state(m)} for m in messages])

    def release(self, message_id: UUID, worker_id: str) -> None:
        self._db.execute(_TEST_RELEASE, {"p_id": message_id, "p_owner": worker_id})

    def next_attempt_at(self) -> datetime | None:
        due: datetime | None = self._db.execute(_TEST_MIN_DUE).scalar()
        return due
