"""Operations: `/healthz` (the process answers), `/readyz` (the database answers), `/metrics`.

`/metrics` serves what a `MetricsRenderer` returns; by default the registry of the container's
observer (`pagerd.adapters.metrics.PrometheusObserver.registry`).
"""

from collections.abc import Callable

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from pagerd.bootstrap import Container
from pagerd.entrypoints.http.errors import error_response, responses

MetricsRenderer = Callable[[], tuple[bytes, str]]
"""Returns the exposition (Prometheus text format) and its content type."""


class StatusOut(BaseModel):
    """A liveness or readiness answer."""

    status: str = Field(description="ok, or why not.", examples=["ok"])


def default_metrics_renderer(container: Container) -> MetricsRenderer:
    """The registry of the container's observer when it keeps one (`PrometheusObserver`),
    else prometheus_client's global registry."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry

    from pagerd.adapters.metrics import render_metrics

    own = getattr(container.observer, "registry", None)
    registry = own if isinstance(own, CollectorRegistry) else REGISTRY

    def render() -> tuple[bytes, str]:
        return render_metrics(registry), CONTENT_TYPE_LATEST

    return render


def build_router(container: Container, render_metrics: MetricsRenderer) -> APIRouter:
    """The operations routes, bound to `container`; no authentication (they reveal no data)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> StatusOut:
        """The process runs and answers."""
        return StatusOut(status="ok")

    @router.get("/readyz", responses={200: {"model": StatusOut}, **responses(503)})
    def readyz() -> Response:
        """The database answers (and, with a worker process, its engine runs); 503 otherwise,
        saying which (take the process out of rotation)."""
        if not _ready(container):
            return error_response(503, "not_ready", container.not_ready_reason())
        return Response(StatusOut(status="ready").model_dump_json(), media_type="application/json")

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    def metrics() -> Response:
        """Counters and histograms in the Prometheus text exposition format."""
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    return router


def _ready(container: Container) -> bool:
    try:
        return container.is_ready()
    except Exception:  # a probe that fails is an answer: not ready
        return False
