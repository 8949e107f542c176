"""Rate limits cover every door open without credentials (per client address), count failed
authentications per address, and hold across processes on PostgreSQL: one budget for the
deployment (issue 19, item 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.adapters.sqlalchemy.engine import create_engine_for
from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
from pagerd.adapters.sqlalchemy.rate_buckets import SqlRateBuckets
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.rate_limit import RateLimit
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.http.rate_limit import RateLimiter
from pagerd.testing import FakeClock, RecordingSignal
from tests.e2e.conftest import ADMIN_TOKEN, Api

UNKNOWN = {"Authorization": "Bearer not-a-token"}


def limited(api: Api, **limits: Any) -> Api:
    """`api` served again by an app whose rate limits are `limits` (Settings fields)."""
    api.container.settings = Settings(admin_token=SecretStr(ADMIN_TOKEN), _env_file=None, **limits)
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def test_unknown_api_tokens_from_one_address_are_refused_429_past_the_limit(
    api: Api,
) -> None:
    limited(api, auth_failure_rate_per_minute=60, auth_failure_burst=3)

    answers = [api.client.get("/api/v1/services", headers=UNKNOWN) for _ in range(5)]
    valid = api.get("/api/v1/services")

    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert answers[-1].headers["Retry-After"] == "1"
    assert valid.status_code == 200  # a valid token is not held back by the address


def test_unknown_integration_keys_count_as_failed_authentications(memory_api: Api) -> None:
    api = limited(memory_api, auth_failure_rate_per_minute=60, auth_failure_burst=2)
    payload = {"summary": "x", "source": "h", "severity": "critical"}
    event = {"routing_key": "nope", "event_action": "trigger", "payload": payload}
    am = {"version": "4", "status": "firing", "alerts": []}

    answers = [
        api.client.post("/v2/enqueue", json=event).status_code,
        api.client.post("/integrations/alertmanager?integration_key=nope", json=am).status_code,
        api.client.post("/v2/enqueue", json=event).status_code,
        api.client.post("/integrations/alertmanager?integration_key=nope", json=am).status_code,
    ]

    assert answers == [400, 401, 429, 429]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/ack/not-a-real-token"),
        ("post", "/ack/not-a-real-token"),
        ("post", "/integrations/twilio/sms"),
        ("get", "/sign-in"),
        ("get", "/services"),
    ],
)
def test_doors_open_without_credentials_are_limited_per_address(
    memory_api: Api, method: str, path: str
) -> None:
    api = limited(memory_api, public_rate_per_minute=60, public_burst=3)

    call = getattr(api.client, method)
    answers = [call(path, follow_redirects=False).status_code for _ in range(4)]

    assert 429 not in answers[:3]
    assert answers[3] == 429


def test_one_address_over_its_limit_does_not_limit_another(memory_api: Api) -> None:
    api = limited(memory_api, public_rate_per_minute=60, public_burst=1)
    elsewhere = TestClient(api.app, client=("203.0.113.9", 50000))

    api.client.get("/sign-in")
    here = api.client.get("/sign-in")
    there = elsewhere.get("/sign-in")

    assert (here.status_code, there.status_code) == (429, 200)


@pytest.fixture
def two_processes_buckets(postgres_url: str) -> Iterator[tuple[SqlRateBuckets, SqlRateBuckets]]:
    """Two processes' buckets on one PostgreSQL database (each its own engine and pool)."""
    upgrade_to_head(postgres_url)
    engines = [create_engine_for(postgres_url), create_engine_for(postgres_url)]
    try:
        yield SqlRateBuckets(engines[0]), SqlRateBuckets(engines[1])
    finally:
        for engine in engines:
            engine.dispose()


def test_processes_on_postgresql_share_one_budget(
    two_processes_buckets: tuple[SqlRateBuckets, SqlRateBuckets],
) -> None:
    clock = FakeClock()
    first, second = (
        RateLimiter(RateLimit(per_minute=60, burst=3), clock, buckets=b, name="ingest")
        for b in two_processes_buckets
    )

    answers = [first.acquire("key"), second.acquire("key"), first.acquire("key")]
    refused = [second.acquire("key"), first.acquire("key")]
    clock.advance(1)
    refilled = [second.acquire("key"), first.acquire("key")]

    assert answers == [None, None, None]
    assert refused == [1, 1]
    assert refilled == [None, 1]


def test_a_look_at_a_postgresql_bucket_takes_nothing(
    two_processes_buckets: tuple[SqlRateBuckets, SqlRateBuckets],
) -> None:
    clock = FakeClock()
    buckets, _ = two_processes_buckets
    limit = RateLimit(per_minute=60, burst=1)

    looks = [buckets.take("k", limit, clock.now(), cost=0) for _ in range(3)]
    taken = buckets.take("k", limit, clock.now())
    empty = buckets.take("k", limit, clock.now(), cost=0)

    assert (looks, taken, empty) == ([None, None, None], None, 1)


def test_two_apps_on_postgresql_refuse_an_integration_key_past_their_shared_budget(
    postgres_url: str,
) -> None:
    upgrade_to_head(postgres_url)
    from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    engines = [create_engine_for(postgres_url), create_engine_for(postgres_url)]
    clock = FakeClock()
    settings = Settings(
        admin_token=SecretStr(ADMIN_TOKEN),
        _env_file=None,
        ingest_rate_per_minute=60,
        ingest_burst=2,
    )
    clients = [
        TestClient(
            create_app(
                Container(
                    settings=settings,
                    uow_factory=lambda e=engine: SqlAlchemyUnitOfWork(e, RecordingSignal()),  # type: ignore[misc]
                    clock=clock,
                    senders={},
                    wakeup=RecordingSignal(),
                    rate_buckets=SqlRateBuckets(engine),
                )
            )
        )
        for engine in engines
    ]
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    key = clients[0].post("/api/v1/services", json={"name": "s"}, headers=admin).json()
    body = {"version": "4", "status": "firing", "alerts": []}
    path = f"/integrations/alertmanager?integration_key={key['integration_key']}"
    try:
        answers = [clients[n % 2].post(path, json=body).status_code for n in range(4)]
    finally:
        for engine in engines:
            engine.dispose()

    assert answers == [200, 200, 429, 429]
