"""The OpenAPI document describes every field and shows an example of every request body.

This test walks `/openapi.json` as served, so an endpoint added later without descriptions
or examples fails here, naming what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Api

Document = dict[str, Any]


@pytest.fixture
def document(memory_api: Api) -> Document:
    answer = memory_api.client.get("/openapi.json")
    assert answer.status_code == 200
    found: Document = answer.json()
    return found


def _schema(document: Document, node: Document) -> Document:
    ref = node.get("$ref")
    if ref is None:
        return node
    found: Document = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def _operations(document: Document) -> Iterator[tuple[str, Document]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_field_of_every_schema_has_a_description(document: Document) -> None:
    undescribed = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]

    assert undescribed == [], "fields without a description: " + ", ".join(undescribed)


def test_every_parameter_has_a_description(document: Document) -> None:
    undescribed = [
        f"{where} {parameter['in']} {parameter['name']}"
        for where, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description", "").strip()
    ]

    assert undescribed == [], "parameters without a description: " + ", ".join(undescribed)


def test_every_request_body_has_an_example_that_names_only_its_fields(
    document: Document,
) -> None:
    missing, unknown = [], []
    for where, operation in _operations(document):
        for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
            schemas = [_schema(document, s) for s in media["schema"].get("anyOf", [])]
            schema = next((s for s in schemas if "properties" in s or "examples" in s), None)
            schema = schema or _schema(document, media["schema"])
            examples = _examples(media) or schema.get("examples", [])
            if not examples:
                missing.append(f"{where} ({content_type})")
            fields = set(schema.get("properties", {}))
            for example in examples:
                extra = set(example) - fields
                if extra and schema.get("additionalProperties") is not True:
                    unknown.append(f"{where}: {sorted(extra)}")

    assert missing == [], "request bodies without an example: " + ", ".join(missing)
    assert unknown == [], "examples with fields the body does not have: " + ", ".join(unknown)


def _examples(media: Document) -> list[Any]:
    if "example" in media:
        return [media["example"]]
    return [e.get("value") for e in media.get("examples", {}).values()]


def test_the_documented_examples_are_accepted_by_the_api(memory_api: Api) -> None:
    document = memory_api.client.get("/openapi.json").json()
    service = memory_api.create_service("example")
    example = _schema(document, {"$ref": "#/components/schemas/AlertIn"})["examples"][0]
    policy = _schema(document, {"$ref": "#/components/schemas/PolicyIn"})["examples"][0]

    put = memory_api.put(f"/api/v1/services/{service['id']}/escalation-policy", policy)
    sent = memory_api.post("/api/v1/alerts", {**example, "monitored_service_id": service["id"]})

    assert put.status_code == 200, put.text
    assert sent.status_code == 202, sent.text
