"""No JSON a client can send makes the API answer 500: every answer is a documented error or
a success, for arbitrary values in every field of every body, on every backend (PostgreSQL
refuses text SQLite accepts, so the backends matter)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Api

EDGE_STRINGS = [
    "{sid}",  # replaced by the id of an existing service
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "x" * 300,
    "0b7b8e0e-5a4a-4d6f-9a43-8c1c3f0f2d10",
    "trigger",
    "acknowledge",
    "firing",
    "resolved",
    "email",
    "SMS",
    "+5492664295169",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(EDGE_STRINGS),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _shaped(fields: list[str]) -> st.SearchStrategy[Any]:
    """Objects with the endpoint's own field names (and arbitrary values), or anything."""
    values = st.one_of(st.sampled_from(EDGE_STRINGS), st.sampled_from(EDGE_STRINGS), JSON)
    return st.one_of(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, values)), JSON)


ENDPOINTS = [
    ("POST", "/api/v1/services", ["name"]),
    ("POST", "/api/v1/alerts", ["monitored_service_id", "message", "dedup_key"]),
    ("PUT", "/api/v1/services/{sid}/escalation-policy", ["repeat", "levels"]),
    ("POST", "/api/v1/alerts/{aid}/acknowledge", ["by"]),
    ("POST", "/api/v1/services/{sid}/healthy", []),
    ("POST", "/v2/enqueue", ["routing_key", "event_action", "dedup_key", "payload", "images"]),
    ("POST", "/integrations/alertmanager?integration_key={key}", ["version", "status", "alerts"]),
]
ALLOWED = {200, 201, 202, 204, 400, 404, 409, 413, 422}


@pytest.mark.parametrize(("method", "path", "fields"), ENDPOINTS)
def test_arbitrary_bodies_never_answer_500(
    api: Api, method: str, path: str, fields: list[str]
) -> None:
    service = api.create_service(f"fuzz-{path}")
    alert = api.alert(service["id"])["alert"]
    url = path.format(sid=service["id"], aid=alert["id"], key=service["integration_key"])

    @settings(
        max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(body=_shaped(fields))
    def check(body: Any) -> None:
        body = _substituted(body, service["id"])
        answer = api.client.request(method, url, json=body, headers=api.headers)
        assert answer.status_code in ALLOWED, (body, answer.status_code, answer.text)

    check()


def _substituted(value: Any, service_id: str) -> Any:
    if value == "{sid}":
        return service_id
    if isinstance(value, list):
        return [_substituted(v, service_id) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v, service_id) for k, v in value.items()}
    return value
