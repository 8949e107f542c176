"""SIGKILL of `pagerd serve` while users' later notification rules are falling due, then a
restart: every pending rule timer fires after the restart, and each fires exactly once (one
page per contact method and alert; a re-send can only repeat a page's idempotency key).

Real process, real channels (SMTP and a Twilio-like API). Rules count in minutes; to keep the
test short, the armed rule timers are moved to fall due a second apart around the kill by
rewriting their due times in the database, which is where timers live.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from pagerd.adapters.clock import SystemClock
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.tables import rule_timers
from pagerd.service_layer.users import create_user
from pagerd.testing.serve_process import start_pagerd
from tests.e2e.fault_receivers import ChannelRig
from tests.e2e.polling import wait_for

pytestmark = pytest.mark.slow

USERS = 6
KILL_AFTER = 3.5  # seconds after the first rewritten timer falls due: about half have fired


def _person(client: httpx.Client, database_url: str, index: int) -> tuple[str, str]:
    engine = create_engine_for(database_url)
    try:
        user = create_user(
            SqlAlchemyUnitOfWork(engine),
            SystemClock(),
            f"responder{index}",
            "correct horse battery",
            Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)),
        )
    finally:
        engine.dispose()
    base = f"/api/v1/users/{user.id}"
    email = client.post(
        f"{base}/contact-methods", json={"type": "email", "address": f"r{index}@example.com"}
    ).json()["id"]
    phone = f"+1415555{index:04d}"
    sms = client.post(f"{base}/contact-methods", json={"type": "sms", "address": phone}).json()
    rules = [
        {"contact_method_id": email, "delay_minutes": 0},
        {"contact_method_id": sms["id"], "delay_minutes": 30},
    ]
    assert client.put(f"{base}/notification-rules", json={"rules": rules}).status_code == 200
    return str(user.id), phone


def _open_alert(client: httpx.Client, index: int, user_id: str) -> str:
    service_id = client.post("/api/v1/services", json={"name": f"svc{index}"}).json()["id"]
    level = {"ack_timeout_seconds": 7200, "targets": [{"type": "user", "user_id": user_id}]}
    policy = {"levels": [level]}
    assert client.put(f"/api/v1/services/{service_id}/escalation-policy", json=policy).is_success
    body = {"monitored_service_id": service_id, "message": f"svc{index} is down"}
    alert_id: str = client.post("/api/v1/alerts", json=body).json()["alert"]["id"]
    return alert_id


def _bring_timers_due_soon(database_url: str) -> None:
    """Spread the armed rule timers one second apart, the first in one second."""
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            ids = connection.execute(sa.select(rule_timers.c.id).order_by(rule_timers.c.id))
            start = datetime.now(UTC) + timedelta(seconds=1)
            for offset, (timer_id,) in enumerate(ids.all()):
                connection.execute(
                    rule_timers.update()
                    .where(rule_timers.c.id == timer_id)
                    .values(due_at=start + timedelta(seconds=offset))
                )
    finally:
        engine.dispose()


def _pending_rule_timers(database_url: str) -> int:
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            count = sa.select(sa.func.count()).select_from(rule_timers)
            return int(connection.execute(count).scalar_one())
    finally:
        engine.dispose()


def _sms_pages(client: httpx.Client, alert_id: str) -> list[dict[str, Any]]:
    items = client.get(f"/api/v1/alerts/{alert_id}/notifications").json()["items"]
    return [n for n in items if n["channel"] == "sms"]


def test_pending_rule_timers_fire_once_after_a_sigkill_and_restart(
    database_url: str, tmp_path: Path
) -> None:
    rig = ChannelRig(answer_delay=0.3)
    first = start_pagerd(database_url, tmp_path, env=rig.env())
    second = None
    try:
        with first.client() as client:
            people = [_person(client, database_url, i) for i in range(USERS)]
            alerts = [_open_alert(client, i, user_id) for i, (user_id, _) in enumerate(people)]
            wait_for(lambda: len(rig.ledger.deliveries()) >= USERS, what="the e-mail pages")
        _bring_timers_due_soon(database_url)
        time.sleep(1 + KILL_AFTER)
        first.kill()
        pending_at_kill = _pending_rule_timers(database_url)
        assert pending_at_kill > 0, "the kill came after every timer fired: nothing was tested"

        second = start_pagerd(database_url, tmp_path, env=rig.env(), port=first.port)
        with second.client() as client:

            def all_sent() -> bool:
                pages = [p for a in alerts for p in _sms_pages(client, a)]
                return len(pages) == USERS and all(p["status"] == "sent" for p in pages)

            wait_for(all_sent, timeout=150, what="every rule's SMS sent after the restart")
            for alert_id in alerts:
                assert len(_sms_pages(client, alert_id)) == 1
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        rig.close()

    sms = [d for d in rig.ledger.deliveries() if d.channel == "sms"]
    assert {d.address for d in sms} == {phone for _, phone in people}
    # A page handed to Twilio just before the kill may go again: with the same text (key).
    keys_per_phone = Counter(d.address for d in {(d.address, d.key): d for d in sms}.values())
    assert set(keys_per_phone.values()) == {1}
    assert _pending_rule_timers(database_url) == 0
