"""The FastAPI application of pagerd: `create_app(container)`.

Building the application has no side effect (no database, thread or network is touched);
serving it is `pagerd serve`'s job. Routes are synchronous and run in the server's thread
pool (docs/architecture.md: one execution model).
"""

from fastapi import Depends, FastAPI

import pagerd
from pagerd.bootstrap import Container
from pagerd.entrypoints.console import build_console, mount_static
from pagerd.entrypoints.http import (
    acknowledge_links,
    alertmanager,
    alerts,
    audit_log,
    calendar_feed,
    contact_methods,
    heartbeats,
    maintenance,
    on_call,
    operations,
    outbox,
    pagerduty,
    policies,
    schedules,
    services,
    twilio_replies,
    users,
)
from pagerd.entrypoints.http.access_log import AccessLogMiddleware
from pagerd.entrypoints.http.auth import require_api_token
from pagerd.entrypoints.http.body_limit import MAX_BODY_BYTES, BodyLimitMiddleware
from pagerd.entrypoints.http.docs_page import mount_api_docs
from pagerd.entrypoints.http.errors import install_error_handlers, responses
from pagerd.entrypoints.http.openapi import complete_openapi
from pagerd.entrypoints.http.operations import MetricsRenderer, default_metrics_renderer
from pagerd.entrypoints.http.rate_limit import (
    RATE_LIMITED_RESPONSE,
    RateLimiters,
    api_token_limit,
)

DESCRIPTION = """\
pagerd pages the people on a service's escalation policy, level by level, until someone
acknowledges or the service is healthy again.

`/api/v1` needs `Authorization: Bearer <token>`; a token acts with its user's role (viewers
read; responders also act on incidents and their own profile; admins do everything), and
each operation says who may call it. Integrations authenticate with the service's
integration key. Errors answer `{"error": {"code", "message"}}` (422 adds `details`).
"""


def create_app(
    container: Container,
    *,
    render_metrics: MetricsRenderer | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The HTTP API and the web console over `container`.

    `render_metrics` serves `/metrics` (default: the registry of the container's observer).
    `max_body_bytes` bounds request bodies (413 beyond).
    """
    app = FastAPI(
        title="pagerd",
        version=pagerd.__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    if container.settings.access_log:
        # Added last, so outermost: it sees the answers of the other middleware too.
        app.add_middleware(AccessLogMiddleware)

    app.state.container = container
    api = [
        services.build_router(container),
        policies.build_router(container),
        alerts.build_router(container),
        outbox.build_router(container),
        contact_methods.build_router(container),
        users.build_router(container),
        audit_log.build_router(container),
        schedules.build_router(container),
        on_call.build_router(container),
        calendar_feed.build_api_router(container),
        heartbeats.build_router(container),
        maintenance.build_router(container),
    ]
    app.state.api_routers = api  # for the permission checks' documentation and tests
    auth = require_api_token(container)
    limiters = RateLimiters.from_settings(container.settings, container.clock)
    # Listed after `auth`: only a valid token gets a bucket.
    limit = api_token_limit(limiters.api)

    for router in api:
        app.include_router(
            router,
            dependencies=[Depends(auth), Depends(limit)],
            responses={**responses(400, 401, 403, 413, 422), **RATE_LIMITED_RESPONSE},
        )
    app.include_router(pagerduty.build_router(container, limiters.ingest))
    app.include_router(alertmanager.build_router(container, limiters.ingest))
    metrics = render_metrics or default_metrics_renderer(container)
    app.include_router(operations.build_router(container, metrics))
    app.include_router(acknowledge_links.build_router(container))
    app.include_router(calendar_feed.build_feed_router(container))
    app.include_router(heartbeats.build_ping_router(container, limiters.ingest))
    app.include_router(twilio_replies.build_router(container))
    app.include_router(build_console(container))
    mount_static(app)
    mount_api_docs(app)
    complete_openapi(app, [pagerduty.PdEvent])
    return app
