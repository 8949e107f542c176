"""Schemathesis against `/openapi.json`, authenticated, on SQLite and PostgreSQL: for every
operation the document describes (API, integrations, acknowledge links, SMS replies,
operations), generated requests, valid and invalid, never get a 5xx, and every answer has a
status, content type, headers and body the document declares.

Half of the examples are aimed at real things (an existing service and alert, the service's
integration key, a genuine acknowledge link), so that requests get past "not found" and
"unknown key" into the use cases. Examples are bounded and derandomized: CI runs the same
requests every time, in about half a minute per backend.

One Schemathesis check is left out: `positive_data_acceptance` ("a request the schema allows
must succeed"). pagerd checks more than JSON Schema can say (opaque list cursors, E.164
numbers, text a database cannot store, PagerDuty's `dedup_key` required for `resolve`), and
answers those with a documented 4xx, which that check would call a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection

from pagerd.service_layer.ack_tokens import AckLinkSigner
from tests.e2e.conftest import Api, _memory

EXAMPLES_PER_OPERATION = 30
BACKENDS = ["sqlite", "postgres"]
LEVELS = [
    {"ack_timeout_seconds": 60, "targets": [{"type": "email", "email": "oncall@example.com"}]},
    {"targets": [{"type": "sms", "phone_number": "+14155550123"}]},
]


def _operations() -> list[str]:
    """`METHOD /path` of every operation in the document (building an app has no effect)."""
    paths = Api(_memory()).client.get("/openapi.json").json()["paths"]
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item]


OPERATIONS = _operations()


@dataclass
class World:
    """Real things for examples to aim at."""

    service_id: str
    alert_id: str
    integration_key: str
    ack_token: str

    @classmethod
    def seeded(cls, api: Api) -> World:
        service = api.create_service("fuzzed")
        api.put_policy(service["id"], LEVELS)
        alert = api.alert(service["id"], "disk full", dedup_key="disk")["alert"]
        target = UUID(
            api.get(f"/api/v1/services/{service['id']}/escalation-policy").json()["levels"][0][
                "targets"
            ][0]["id"]
        )
        signer = AckLinkSigner(api.container.secret_key)
        expires = api.clock.now() + timedelta(hours=1)
        token = signer.sign(UUID(alert["id"]), target, expires)
        return cls(service["id"], alert["id"], service["integration_key"], token)

    def aim(self, case: Any) -> None:
        """Point `case` at the real service, alert, key or link where it names one."""
        path: str = case.path
        params = case.path_parameters or {}
        if "id" in params:
            params["id"] = self.service_id if path.startswith("/api/v1/services") else self.alert_id
        if "token" in params:
            params["token"] = self.ack_token
        if path == "/v2/enqueue" and isinstance(case.body, dict):
            case.body["routing_key"] = self.integration_key
        if path == "/integrations/alertmanager":
            case.query = {**(case.query or {}), "integration_key": self.integration_key}


@pytest.mark.parametrize("api", BACKENDS, indirect=True)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_generated_requests_get_documented_answers_and_never_a_5xx(
    api: Api, operation: str
) -> None:
    world = World.seeded(api)
    method, path = operation.split(" ", 1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    api_operation = schema[path][method]
    cases = st.one_of(
        api_operation.as_strategy(GenerationMode.POSITIVE),
        api_operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, aimed=st.booleans())
    def check(case: Any, aimed: bool) -> None:
        excluded = [positive_data_acceptance]
        if aimed:
            world.aim(case)
            # Aiming rewrites what was generated: an invalid id or key may now be a real
            # one, so Schemathesis can no longer expect a refusal.
            excluded += [negative_data_rejection, ignored_auth]
        case.call_and_validate(headers=api.headers, excluded_checks=excluded)

    check()
