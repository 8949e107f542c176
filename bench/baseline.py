"""The baseline: a bare endpoint on pagerd's server stack.

FastAPI under uvicorn with the same server options as `pagerd serve`, pagerd's body-limit
middleware and error handlers, and a synchronous route (run in the same thread pool) that
parses the same `AlertIn` JSON and answers 202 with a body of the same shape. No database,
no authentication, no workers: whatever pagerd costs beyond this is pagerd's own work.

Run: `python -m bench.baseline --port 8099`.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from pagerd.entrypoints.http.alert_schemas import AlertIn
from pagerd.entrypoints.http.body_limit import BodyLimitMiddleware
from pagerd.entrypoints.http.errors import install_error_handlers


def create_baseline_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)

    @app.post("/api/v1/alerts", status_code=202)
    def receive_alert(body: AlertIn) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return {
            "alert": {
                "id": str(uuid.uuid4()),
                "monitored_service_id": str(body.monitored_service_id),
                "message": body.message,
                "status": "open",
                "notified_level_id": 0,
                "dedup_keys": [body.dedup_key or uuid.uuid4().hex],
                "created_at": now,
                "acknowledged_at": None,
                "acknowledged_by": None,
                "resolved_at": None,
            },
            "deduplicated": False,
        }

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(
        create_baseline_app(),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
