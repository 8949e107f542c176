"""Additions to the generated OpenAPI document.

Routes that parse their own body (the PagerDuty endpoint answers refusals in PagerDuty's
shape, not FastAPI's) reference their request schema by name; `complete_openapi` puts those
schemas, and the models they nest, into `components.schemas`. It also points FastAPI's
default 422 answers (`HTTPValidationError`) at `ErrorBody`, the shape every 422 really has
(the application's validation handler answers them all), and states the permission each
route needs.
"""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from pagerd.entrypoints.http.permissions import document_permissions

REF_TEMPLATE = "#/components/schemas/{model}"


def complete_openapi(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Make `app.openapi()` describe `models` and the real shape of 422 answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template=REF_TEMPLATE)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        for default in ("HTTPValidationError", "ValidationError"):
            schemas.pop(default, None)
        document_permissions(app, document)
        app.openapi_schema = _replace_refs(document, "HTTPValidationError", "ErrorBody")
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _replace_refs(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        if node.get("$ref") == REF_TEMPLATE.format(model=old):
            return {**node, "$ref": REF_TEMPLATE.format(model=new)}
        return {key: _replace_refs(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(item, old, new) for item in node]
    return node
