"""The error format of the API, and the handlers that give every failure that shape.

Every error answers `{"error": {"code", "message"}}`; a 422 adds `details`, a list of
`{"field", "message"}` whose `field` is a dotted path such as `levels.0.targets.1.email`.
Unexpected exceptions answer a bare 500 (no internals) and are logged with their traceback.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from pagerd.domain.errors import (
    AlertAlreadyResolved,
    DomainError,
    FieldError,
    InvalidRequest,
    InvalidSchedule,
    NothingToEscalate,
    TooManyDedupKeys,
)
from pagerd.service_layer.errors import (
    ConcurrencyConflict,
    Conflict,
    Forbidden,
    InvalidFields,
    NotFound,
    UseCaseError,
)

log = logging.getLogger("pagerd.http")


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="The field's path, such as levels.0.targets.1.email.")
    message: str = Field(description="What is wrong with it, for a person.")


class ErrorDetail(BaseModel):
    """What went wrong: a stable snake_case `code` and a `message` for a person."""

    code: str = Field(description="Stable, snake_case: what scripts test.")
    message: str = Field(description="What went wrong and what to do, for a person.")
    details: list[FieldProblem] | None = Field(
        default=None, description="Every invalid field (422 only)."
    )


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail = Field(description="What went wrong.")


class ApiError(Exception):
    """Raised by routes to answer an error; `headers` are added to the answer."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An answer in the error format."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = [{"field": d.field, "message": d.message} for d in details]
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of error answers, for a route's `responses=`."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses
    }


_DESCRIPTIONS = {
    400: "Malformed request (for example invalid JSON)",
    401: "Missing or invalid credentials",
    403: "The caller's role does not allow this (the message says who may)",
    404: "No such resource",
    409: "The request conflicts with the current state",
    413: "Request body over 1 MiB, or more items than one request may carry",
    422: "Invalid fields; `details` names each one",
    503: "Not ready",
}

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def field_path(loc: Sequence[int | str]) -> str:
    """`("body", "levels", 0, "email")` -> `levels.0.email`; the request part is dropped."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    return ".".join(str(p) for p in parts) or "body"


def validation_details(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic's errors as field problems."""
    return [
        FieldError(field_path(e.get("loc", ())), str(e.get("msg", "is invalid"))) for e in errors
    ]


def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    if errors and all(e.get("loc", ("",))[0] == "path" for e in errors):
        # An id that is not even a UUID names nothing that exists.
        return error_response(404, "not_found", f"{request.url.path} does not exist")
    return error_response(
        422, "validation_error", "the request has invalid fields", validation_details(errors)
    )


def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = str(exc.detail) if exc.detail else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=exc.headers)


def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    details = exc.details if exc.status == 422 else None
    return error_response(exc.status, exc.code, exc.message, details, exc.headers)


def _on_use_case_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFound):
        return error_response(404, exc.code, str(exc))
    if isinstance(exc, Forbidden):
        return error_response(403, exc.code, str(exc))
    if isinstance(exc, InvalidFields):
        return error_response(422, exc.code, str(exc), exc.details)
    if isinstance(exc, ConcurrencyConflict):
        return error_response(409, exc.code, "a concurrent change won; retry the request")
    if isinstance(exc, Conflict):
        return error_response(409, exc.code, str(exc))
    return _on_unexpected(request, exc)


def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidSchedule):
        return error_response(422, "validation_error", "the schedule is invalid", exc.details)
    if isinstance(exc, InvalidRequest):
        return error_response(422, "validation_error", exc.summary, exc.details)
    if isinstance(exc, AlertAlreadyResolved | NothingToEscalate):
        return error_response(409, exc.code, str(exc))
    if isinstance(exc, TooManyDedupKeys):
        return error_response(422, exc.code, str(exc), [FieldError("dedup_key", str(exc))])
    assert isinstance(exc, DomainError)
    return error_response(422, exc.code, str(exc), [])


def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unexpected error answering %s %s",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return error_response(500, "internal_error", "pagerd could not answer; the error is logged")


def install_error_handlers(app: FastAPI) -> None:
    """Give every failure of `app` the error format."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(UseCaseError, _on_use_case_error)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(Exception, _on_unexpected)
