"""The console's static files (stylesheet, script, icon), served by pagerd itself.

Nothing is loaded from the internet: the console works on an isolated network. URLs carry a
version (a hash of the files) so browsers may cache them without ever using stale ones.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from pagerd.entrypoints.console.security import SECURITY_HEADERS

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static/console"


def asset_version() -> str:
    """A short hash of every static file: changes whenever one of them does."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class _SecuredStaticFiles(StaticFiles):
    """Static files with the console's security headers and a long cache lifetime."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        # Safe to keep for a year: every URL the pages use carries the files' version.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_static(app: FastAPI) -> None:
    """Serve the console's static files at /static/console on `app`."""
    app.mount(STATIC_PATH, _SecuredStaticFiles(directory=STATIC_DIR), name="console-static")
