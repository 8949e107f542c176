"""The API documentation page at `/docs`, served entirely by pagerd.

FastAPI's default page loads Swagger UI from a CDN, which leaves it blank on the isolated
networks pagerd often runs in; the same assets ship in the `swagger-ui-py` package.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/static/api-docs"


def mount_api_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Serve Swagger UI's assets and the `/docs` page that uses them."""
    assets = files("swagger_ui") / "static"
    app.mount(ASSETS_PATH, StaticFiles(directory=str(assets)), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title="pagerd API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )
