"""Per-key rate limits on ingestion: token buckets per integration key and per API token,
answering 429 with `Retry-After`; a refused alert changes nothing (the sender retries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pagerd.config import Settings
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.http.rate_limit import RateLimit, RateLimiter
from pagerd.service_layer.tokens import create_api_token
from pagerd.testing import FakeClock
from tests.e2e.conftest import ADMIN_TOKEN, Api

LEVEL = [{"targets": [{"type": "email", "email": "oncall@example.com"}]}]


class SettableClock:
    """A clock tests may also set backwards (wall clocks do step back)."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def limited(api: Api, **limits: Any) -> Api:
    """`api` served again by an app whose rate limits are `limits` (Settings fields)."""
    api.container.settings = Settings(admin_token=SecretStr(ADMIN_TOKEN), _env_file=None, **limits)
    api.app = create_app(api.container)
    api.client = TestClient(api.app, raise_server_exceptions=False)
    return api


def trigger(key: str, dedup_key: str) -> dict[str, Any]:
    payload = {"summary": "disk full", "source": "host1", "severity": "critical"}
    return {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": payload,
    }


def firing(fingerprint: str) -> dict[str, Any]:
    alert = {"status": "firing", "labels": {"alertname": "Disk"}, "fingerprint": fingerprint}
    return {"version": "4", "status": "firing", "alerts": [alert]}


def dedup_keys(api: Api, service_id: str) -> set[str]:
    items = api.get("/api/v1/alerts", params={"monitored_service_id": service_id}).json()
    return {key for alert in items["items"] for key in alert["dedup_keys"]}


# The bucket itself.


def test_a_bucket_lets_a_burst_through_then_says_how_long_to_wait() -> None:
    limiter = RateLimiter(RateLimit(per_minute=60, burst=3), FakeClock())

    answers = [limiter.acquire("k") for _ in range(4)]

    assert answers == [None, None, None, 1]


def test_a_bucket_refills_at_its_rate_as_time_passes() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(per_minute=6, burst=1), clock)
    limiter.acquire("k")

    assert limiter.acquire("k") == 10
    clock.advance(9)
    assert limiter.acquire("k") == 1
    clock.advance(1)
    assert limiter.acquire("k") is None


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=2), clock)
    limiter.acquire("k")
    clock.advance(timedelta(hours=1))

    answers = [limiter.acquire("k") for _ in range(3)]

    assert answers == [None, None, 1]


def test_keys_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), FakeClock())
    limiter.acquire("a")

    assert limiter.acquire("a") is not None
    assert limiter.acquire("b") is None


def test_a_clock_stepping_backwards_refills_nothing() -> None:
    clock = SettableClock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock)
    limiter.acquire("k")

    clock.at -= timedelta(hours=1)
    early = limiter.acquire("k")
    clock.at += timedelta(hours=1)

    assert early is not None
    assert limiter.acquire("k") is not None  # back where it was: still nothing refilled


def test_a_limit_of_zero_per_minute_refuses_nothing() -> None:
    limiter = RateLimiter(RateLimit(per_minute=0, burst=0), FakeClock())

    assert all(limiter.acquire("k") is None for _ in range(1000))


def test_forgotten_buckets_are_the_least_recently_used_and_come_back_full() -> None:
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), FakeClock(), max_keys=2)
    limiter.acquire("a")
    limiter.acquire("b")
    limiter.acquire("a")  # refused, but "a" is now the most recently used
    limiter.acquire("c")  # forgets "b"

    assert limiter.acquire("a") is not None
    assert limiter.acquire("b") is None


def test_the_default_limits_let_an_alert_storm_through() -> None:
    settings = Settings(_env_file=None)

    assert (settings.ingest_rate_per_minute, settings.ingest_burst) == (600, 300)
    assert (settings.api_rate_per_minute, settings.api_burst) == (1200, 600)


def test_limits_are_read_from_pagerd_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGERD_INGEST_RATE_PER_MINUTE", "60")
    monkeypatch.setenv("PAGERD_INGEST_BURST", "10")

    settings = Settings(_env_file=None)

    assert (settings.ingest_rate_per_minute, settings.ingest_burst) == (60, 10)


# Over HTTP, on every backend.


def test_pagerduty_events_over_the_limit_get_429_in_pagerdutys_style_and_change_nothing(
    api: Api,
) -> None:
    limited(api, ingest_rate_per_minute=60, ingest_burst=2)
    service = api.create_service()
    api.put_policy(service["id"], LEVEL)
    key = service["integration_key"]

    answers = [api.client.post("/v2/enqueue", json=trigger(key, f"k{n}")) for n in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].json()["status"] == "throttle exceeded"
    assert answers[2].json()["errors"]
    assert dedup_keys(api, service["id"]) == {"k0", "k1"}


def test_a_rate_limited_pagerduty_event_is_accepted_once_its_bucket_refills(api: Api) -> None:
    limited(api, ingest_rate_per_minute=60, ingest_burst=1)
    service = api.create_service()
    key = service["integration_key"]
    api.client.post("/v2/enqueue", json=trigger(key, "k0"))
    refused = api.client.post("/v2/enqueue", json=trigger(key, "k1"))

    api.clock.advance(int(refused.headers["Retry-After"]))
    retried = api.client.post("/v2/enqueue", json=trigger(key, "k1"))

    assert (refused.status_code, retried.status_code) == (429, 202)
    assert dedup_keys(api, service["id"]) == {"k0", "k1"}


def test_one_services_flood_does_not_limit_another_service(memory_api: Api) -> None:
    api = limited(memory_api, ingest_rate_per_minute=60, ingest_burst=1)
    noisy, quiet = api.create_service("noisy"), api.create_service("quiet")
    for n in range(3):
        api.client.post("/v2/enqueue", json=trigger(noisy["integration_key"], f"k{n}"))

    answer = api.client.post("/v2/enqueue", json=trigger(quiet["integration_key"], "q"))

    assert answer.status_code == 202


def test_unknown_routing_keys_are_refused_as_invalid_not_counted(memory_api: Api) -> None:
    api = limited(memory_api, ingest_rate_per_minute=60, ingest_burst=1)

    answers = [api.client.post("/v2/enqueue", json=trigger("nope", "k")) for _ in range(3)]

    assert {a.status_code for a in answers} == {400}


def test_alertmanager_notifications_over_the_limit_get_429_in_the_error_format(
    api: Api,
) -> None:
    limited(api, ingest_rate_per_minute=60, ingest_burst=2)
    service = api.create_service()
    url = f"/integrations/alertmanager?integration_key={service['integration_key']}"

    answers = [api.client.post(url, json=firing(f"f{n}")) for n in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert dedup_keys(api, service["id"]) == {"f0", "f1"}


def test_alertmanager_is_limited_before_its_body_is_read(memory_api: Api) -> None:
    api = limited(memory_api, ingest_rate_per_minute=60, ingest_burst=1)
    service = api.create_service()
    url = f"/integrations/alertmanager?integration_key={service['integration_key']}"
    api.client.post(url, json={"not": "a notification"})

    answer = api.client.post(url, json={"not": "a notification"})

    assert answer.status_code == 429


def test_api_calls_over_the_limit_of_their_token_get_429_in_the_error_format(api: Api) -> None:
    limited(api, api_rate_per_minute=60, api_burst=2)

    answers = [api.get("/api/v1/services") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].json()["error"]["code"] == "rate_limited"


def test_a_rate_limited_alert_is_not_recorded(memory_api: Api) -> None:
    api = limited(memory_api, api_rate_per_minute=60, api_burst=2)
    service = api.create_service()
    api.alert(service["id"], dedup_key="first")

    refused = api.post(
        "/api/v1/alerts", {"monitored_service_id": service["id"], "message": "x", "dedup_key": "2"}
    )
    api.clock.advance(60)

    assert refused.status_code == 429
    assert dedup_keys(api, service["id"]) == {"first"}


def test_each_api_token_has_its_own_bucket_and_bad_tokens_stay_401(memory_api: Api) -> None:
    api = limited(memory_api, api_rate_per_minute=60, api_burst=1)
    _, other = create_api_token(api.container.uow_factory(), api.clock, "other")
    api.get("/api/v1/services")

    mine = api.get("/api/v1/services")
    theirs = api.client.get("/api/v1/services", headers={"Authorization": f"Bearer {other}"})
    stranger = api.client.get("/api/v1/services", headers={"Authorization": "Bearer nope"})

    assert (mine.status_code, theirs.status_code, stranger.status_code) == (429, 200, 401)


def test_the_openapi_document_describes_the_429_answers(memory_api: Api) -> None:
    paths = memory_api.client.get("/openapi.json").json()["paths"]

    assert "429" in paths["/v2/enqueue"]["post"]["responses"]
    assert "429" in paths["/integrations/alertmanager"]["post"]["responses"]
    assert "429" in paths["/api/v1/alerts"]["post"]["responses"]
