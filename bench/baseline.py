"""The baselines: bare endpoints that do none of pagerd's work.

Three kinds, each answering `POST /api/v1/alerts` with 202 and a body of the same shape as
pagerd's, and `GET /readyz`:

- `starlette`: a bare Starlette app, an `async` endpoint that decodes the JSON body; uvicorn
  with httptools and uvloop. The floor of a Python ASGI service on this machine: every
  ratio is reported against it.
- `fastapi`: a bare FastAPI app, an `async` route parsing the same `AlertIn` model; uvicorn
  with httptools and uvloop.
- `pagerd-stack`: FastAPI with pagerd's body-limit middleware and error handlers, a sync
  route (run in the thread pool) parsing `AlertIn`, under uvicorn with `pagerd serve`'s
  protocol and event loop: the baseline of the previous rounds.

No database, no authentication, no workers: whatever pagerd costs beyond these is pagerd's
own work.

Run: `python -m bench.baseline --port 8099 [--kind starlette]`.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pagerd.entrypoints.http.alert_schemas import AlertIn
from pagerd.entrypoints.http.body_limit import BodyLimitMiddleware
from pagerd.entrypoints.http.errors import install_error_handlers

KINDS = ("starlette", "fastapi", "pagerd-stack")


def _answer(service_id: str, message: str, dedup_key: str | None) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "alert": {
            "id": str(uuid.uuid4()),
            "monitored_service_id": service_id,
            "message": message,
            "status": "open",
            "notified_level_id": 0,
            "dedup_keys": [dedup_key or uuid.uuid4().hex],
            "created_at": now,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "resolved_at": None,
        },
        "deduplicated": False,
    }


def create_starlette_app() -> Starlette:
    async def receive_alert(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        answer = _answer(body["monitored_service_id"], body["message"], body.get("dedup_key"))
        return JSONResponse(answer, status_code=202)

    async def ready(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready"})

    return Starlette(
        routes=[
            Route("/api/v1/alerts", receive_alert, methods=["POST"]),
            Route("/readyz", ready),
        ]
    )


def create_fastapi_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/api/v1/alerts", status_code=202)
    async def receive_alert(body: AlertIn) -> dict[str, Any]:
        return _answer(str(body.monitored_service_id), body.message, body.dedup_key)

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def create_baseline_app() -> FastAPI:
    """The `pagerd-stack` baseline."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)

    @app.post("/api/v1/alerts", status_code=202)
    def receive_alert(body: AlertIn) -> dict[str, Any]:
        return _answer(str(body.monitored_service_id), body.message, body.dedup_key)

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    import uvicorn

    from pagerd.entrypoints.http.slow_clients import http_protocol

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kind", choices=KINDS, default="pagerd-stack")
    args = parser.parse_args()
    options: dict[str, Any]
    if args.kind == "pagerd-stack":
        app: Any = create_baseline_app()
        options = {"http": http_protocol(10.0), "loop": "auto"}  # as `pagerd serve`
    else:
        app = create_starlette_app() if args.kind == "starlette" else create_fastapi_app()
        options = {"http": "httptools", "loop": "uvloop"}
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
        **options,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
