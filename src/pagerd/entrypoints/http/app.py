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
    integration_keys,
    maintenance,
    on_call,
    operations,
    outbox,
    pagerduty,
    policies,
    schedules,
    services,
    slack_interactions,
    twilio_replies,
    twilio_voice,
    users,
)
from pagerd.entrypoints.http.access_log import AccessLogMiddleware
from pagerd.entrypoints.http.auth import (
    admin_token_actor,
    api_token_actor,
    integration_key_check,
    require_api_token,
)
from pagerd.entrypoints.http.auth_first import AuthenticateFirstMiddleware
from pagerd.entrypoints.http.body_limit import MAX_BODY_BYTES, BodyLimitMiddleware
from pagerd.entrypoints.http.docs_page import mount_api_docs
from pagerd.entrypoints.http.errors import install_error_handlers, responses
from pagerd.entrypoints.http.forwarded import TrustedProxyMiddleware
from pagerd.entrypoints.http.openapi import complete_openapi
from pagerd.entrypoints.http.operations import MetricsRenderer, default_metrics_renderer
from pagerd.entrypoints.http.rate_limit import (
    RATE_LIMITED_RESPONSE,
    RateLimiters,
    address_limit,
    api_token_limit,
    failure_counter,
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
    limiters = RateLimiters.from_settings(
        container.settings, container.clock, container.rate_buckets
    )
    app.state.limiters = limiters  # for routes added later (heartbeat pings: `public`)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=max_body_bytes,
        timeout=container.settings.http_body_timeout_seconds,
    )
    app.add_middleware(
        AuthenticateFirstMiddleware,
        token_actor=api_token_actor(container),
        key_is_valid=integration_key_check(container),
        failures=failure_counter(limiters.auth_failures),
        admin_actor=admin_token_actor(container),
    )
    # Every layer within sees the client as the trusted proxies say.
    app.add_middleware(TrustedProxyMiddleware, trusted=container.settings.trusted_proxy_networks)
    if container.settings.access_log:
        # Added last, so outermost: it sees the answers of the other middleware too.
        app.add_middleware(AccessLogMiddleware)

    app.state.container = container
    api = [
        services.build_router(container),
        integration_keys.build_router(container),
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
    # The token check, then the token's budget (only a valid token gets a bucket).
    auth = require_api_token(
        container, failure_counter(limiters.auth_failures), api_token_limit(limiters.api)
    )
    # Doors open without credentials: a budget per client address.
    public = [Depends(address_limit(limiters.public, "address"))]

    for router in api:
        app.include_router(
            router,
            dependencies=[Depends(auth)],
            responses={**responses(400, 401, 403, 413, 422), **RATE_LIMITED_RESPONSE},
        )
    failures = limiters.auth_failures
    app.include_router(pagerduty.build_router(container, limiters.ingest, failures))
    app.include_router(alertmanager.build_router(container, limiters.ingest, failures))
    metrics = render_metrics or default_metrics_renderer(container)
    app.include_router(operations.build_router(container, metrics))
    for door in (
        acknowledge_links.build_router(container),
        calendar_feed.build_feed_router(container),
        # Heartbeat pings: the per-address budget, and one per ping URL (ingest's rate).
        heartbeats.build_ping_router(container, limiters.ingest),
        twilio_replies.build_router(container),
        twilio_voice.build_router(container),
        slack_interactions.build_router(container),
    ):
        app.include_router(door, dependencies=public, responses=RATE_LIMITED_RESPONSE)
    app.include_router(build_console(container), dependencies=public)
    mount_static(app)
    mount_api_docs(app)
    complete_openapi(app, [pagerduty.PdEvent])
    return app
