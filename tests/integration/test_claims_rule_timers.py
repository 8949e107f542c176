"""Two workers firing users' later notification rules at once, on SQLite and PostgreSQL:
every due rule timer fires exactly once, and each writes exactly one page."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from uuid import uuid4

from sqlalchemy.engine import Engine

from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.domain.accounts import User
from pagerd.domain.people import RuleSpec
from pagerd.domain.roles import Role
from pagerd.service_layer import alerts, contact_methods, policies, services
from pagerd.service_layer.rule_timers import fire_due_rule_timers
from pagerd.testing import FakeClock
from pagerd.testing.harness import level, user_target
from tests.integration.test_claims_workers import _in_threads

PEOPLE = 12


def _paged_people(engine: Engine, clock: FakeClock) -> None:
    """PEOPLE users, each on a policy of their own with e-mail at 0 and SMS at 5 minutes,
    each with an open alert."""
    for i in range(PEOPLE):
        user = User(uuid4(), f"u{i}", None, Role.RESPONDER, "UTC", clock.now())
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.users.add(user)
            uow.commit()
        email = contact_methods.add_contact_method(
            SqlAlchemyUnitOfWork(engine), clock, user.id, "email", f"u{i}@example.com"
        )
        sms = contact_methods.add_contact_method(
            SqlAlchemyUnitOfWork(engine), clock, user.id, "sms", f"+1415555{i:04d}"
        )
        contact_methods.put_notification_rules(
            SqlAlchemyUnitOfWork(engine), user.id, [RuleSpec(email.id, 0), RuleSpec(sms.id, 5)]
        )
        service = services.create_service(SqlAlchemyUnitOfWork(engine), clock, f"s{i}")
        policies.put_policy(
            SqlAlchemyUnitOfWork(engine), service.id, [level(user_target(user.id), timeout=3600)]
        )
        alerts.receive_alert(SqlAlchemyUnitOfWork(engine), clock, service.id, "down")


def _fire_until_none(engine: Engine, clock: FakeClock) -> list[str]:
    fired = []
    while batch := fire_due_rule_timers(SqlAlchemyUnitOfWork(engine), clock, 2):
        fired += [str(f.timer.id) for f in batch if f.paged]
    return fired


def test_two_workers_fire_each_due_rule_timer_exactly_once(engine: Engine) -> None:
    clock = FakeClock()
    _paged_people(engine, clock)
    clock.advance(timedelta(minutes=5))

    fired = _in_threads([lambda: _fire_until_none(engine, clock)] * 2)

    assert len(fired) == PEOPLE
    assert Counter(fired).most_common(1)[0][1] == 1
    with SqlAlchemyUnitOfWork(engine) as uow:
        for alert in uow.alerts.list(limit=100):
            pages = uow.outbox.list_for_alert(alert.id)
            assert sorted(p.channel.value for p in pages) == ["email", "sms"]
            assert uow.rule_timers.list_for_alert(alert.id) == []
