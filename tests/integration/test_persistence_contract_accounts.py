"""The repositories' contract (accounts, settings, unit of work): in memory, SQLite, PostgreSQL.

Every test runs on each backend (`make_uow`); the in-memory adapter defines the semantics
the SQL ones must match.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from pagerd.domain.accounts import ApiToken
from pagerd.domain.ack_code import AckCode
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.service_layer.errors import ConcurrencyConflict
from pagerd.service_layer.ports import UnitOfWork
from pagerd.testing import RecordingSignal
from tests.integration.conftest import (
    T0,
    UowFactory,
    at,
    commit_change,
    service,
    stored_alert,
    timer,
)

# Accounts, settings, dev outbox, codes


def test_tokens_are_found_by_hash_listed_and_revoked(make_uow: UowFactory) -> None:
    token = ApiToken(uuid4(), "ci", "h" * 64, T0)
    with make_uow(None) as uow:
        uow.tokens.add(token)
        uow.commit()
    token.revoked_at = at(1)
    with make_uow(None) as uow:
        uow.tokens.update(token)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.tokens.get_by_hash("h" * 64) == token
        assert uow.tokens.get(token.id) == token
        assert uow.tokens.list() == [token]
        assert uow.tokens.get_by_hash("x") is None


def test_a_token_with_a_taken_hash_conflicts(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        uow.tokens.add(ApiToken(uuid4(), "a", "same", T0))
        uow.commit()
    with pytest.raises(ConcurrencyConflict):
        commit_change(make_uow, lambda uow: uow.tokens.add(ApiToken(uuid4(), "b", "same", T0)))


def test_a_setting_is_stored_once_and_the_first_value_wins(make_uow: UowFactory) -> None:
    with make_uow(None) as uow:
        assert uow.settings.get("secret_key") is None
        assert uow.settings.put_if_absent("secret_key", "first") == "first"
        uow.commit()
    with make_uow(None) as uow:
        assert uow.settings.put_if_absent("secret_key", "second") == "first"
        assert uow.settings.get("secret_key") == "first"


def test_the_dev_outbox_pages_newest_first(make_uow: UowFactory) -> None:
    messages = [
        DevMessage(uuid4(), Channel.EMAIL, "a@example.com", f"s{i}", "body", uuid4(), at(i))
        for i in range(3)
    ]
    with make_uow(None) as uow:
        for message in messages:
            uow.dev_outbox.add(message)
        uow.commit()
    with make_uow(None) as uow:
        first = uow.dev_outbox.list(limit=2)
        rest = uow.dev_outbox.list(limit=2, after=(first[-1].created_at, first[-1].id))
    assert first + rest == messages[::-1]


def test_ack_codes_are_found_until_they_expire(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    code = AckCode("4821", a.id, "+5492664295169", T0, at(3600))
    with make_uow(None) as uow:
        uow.ack_codes.add(code)
        uow.commit()
    with make_uow(None) as uow:
        assert uow.ack_codes.find("4821", at(10)) == code
        assert uow.ack_codes.find_for(a.id, "+5492664295169", at(10)) == code
        assert uow.ack_codes.find("4821", at(3600)) is None
        assert uow.ack_codes.find_for(a.id, "+10000000000", at(10)) is None


# The unit of work


def test_leaving_without_commit_keeps_nothing(make_uow: UowFactory) -> None:
    s = service()
    with make_uow(None) as uow:
        uow.services.add(s)
    with make_uow(None) as uow:
        assert uow.services.get(s.id) is None


def test_rollback_drops_only_what_came_after_the_lastcommit_change(make_uow: UowFactory) -> None:
    kept, dropped, also_dropped = service("kept"), service("dropped"), service("also")
    with make_uow(None) as uow:
        uow.services.add(kept)
        uow.commit()
        uow.services.add(dropped)
        uow.rollback()
        uow.services.add(also_dropped)
    with make_uow(None) as uow:
        assert [s.name for s in uow.services.list(limit=10)] == ["kept"]


def test_an_exception_inside_the_block_rolls_back(make_uow: UowFactory) -> None:
    s = service()

    def add_then_fail(uow: UnitOfWork) -> None:
        uow.services.add(s)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        commit_change(make_uow, add_then_fail)
    with make_uow(None) as uow:
        assert uow.services.get(s.id) is None


def test_the_signal_rings_after_committing_due_work_only(make_uow: UowFactory) -> None:
    a = stored_alert(make_uow)
    signal = RecordingSignal()
    uow = make_uow(signal)
    with uow:
        uow.services.add(service("quiet"))
        uow.commit()
    with uow:
        uow.timers.arm(timer(a.id, at(300)))
    assert signal.count == 0
    with uow:
        uow.timers.arm(timer(a.id, at(300)))
        uow.commit()
    assert signal.count == 1


def test_times_come_back_aware_in_utc_to_the_microsecond(make_uow: UowFactory) -> None:
    created = T0 + timedelta(microseconds=123456)
    s = service(created=created)
    with make_uow(None) as uow:
        uow.services.add(s)
        uow.commit()
    with make_uow(None) as uow:
        stored = uow.services.get(s.id)
    assert stored.created_at == created
    assert stored.created_at.utcoffset() == timedelta(0)


# Retired integration keys and inbound message ids


def test_a_retired_key_names_its_service_until_it_expires(make_uow: UowFactory) -> None:
    stored = service()
    commit_change(make_uow, lambda uow: uow.services.add(stored))
    commit_change(make_uow, lambda uow: uow.retired_keys.retire("old-key", stored.id, at(60)))

    with make_uow(None) as uow:
        during = uow.retired_keys.service_id_for("old-key", at(59))
        after = uow.retired_keys.service_id_for("old-key", at(60))
        until = uow.retired_keys.expiry_for_service(stored.id, at(0))
        none_left = uow.retired_keys.expiry_for_service(stored.id, at(60))
    commit_change(make_uow, lambda uow: uow.retired_keys.delete_expired(at(60)))
    with make_uow(None) as uow:
        gone = uow.retired_keys.service_id_for("old-key", at(0))

    assert (during, after, until, none_left, gone) == (stored.id, None, at(60), None, None)


def test_an_inbound_message_id_is_remembered_once_and_forgotten_by_age(
    make_uow: UowFactory,
) -> None:
    commit_change(make_uow, lambda uow: uow.inbound_messages.remember("twilio", "SM1", at(0)))
    commit_change(make_uow, lambda uow: uow.inbound_messages.remember("twilio", "SM1", at(5)))
    commit_change(make_uow, lambda uow: uow.inbound_messages.remember("twilio", "SM2", at(10)))

    with make_uow(None) as uow:
        seen = [uow.inbound_messages.seen("twilio", sid) for sid in ("SM1", "SM2", "SM3")]
        other_provider = uow.inbound_messages.seen("slack", "SM1")
    commit_change(make_uow, lambda uow: uow.inbound_messages.delete_before(at(10)))
    with make_uow(None) as uow:
        kept = [uow.inbound_messages.seen("twilio", sid) for sid in ("SM1", "SM2")]

    assert seen == [True, True, False]
    assert other_provider is False
    assert kept == [False, True]
