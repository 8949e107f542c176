"""The web console: server-rendered pages for on-call engineers, with sign-in and CSRF.

The HTTP app mounts it with::

    app.include_router(build_console(container))
    mount_static(app)
"""

from pagerd.entrypoints.console.router import build_console
from pagerd.entrypoints.console.static_files import STATIC_PATH, mount_static

__all__ = ["STATIC_PATH", "build_console", "mount_static"]
