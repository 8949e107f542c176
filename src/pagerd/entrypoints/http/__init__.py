"""The HTTP API: `/api/v1` resources, integrations (PagerDuty, Alertmanager) and operations.

`create_app(container)` builds the FastAPI application; nothing happens at import.
"""

from pagerd.entrypoints.http.app import create_app

__all__ = ["create_app"]
