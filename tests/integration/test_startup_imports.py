"""`pagerd serve`'s start-up loads only what serving and firing need.

Start-up time is the paging gap of a restart: the timers that fell due while pagerd was down
fire only once it runs. Some libraries are needed only by a feature that is not used at
start-up (a calendar feed, a configured Slack or Twilio, the first webhook sent, a schema
to migrate, PostgreSQL on a SQLite pagerd), and their imports were a large part of it: each
is imported where it is used. This test runs the start-up's steps (the CLI, the migrations
check on a database at head, the container, the engine, the HTTP app) in a fresh
interpreter and fails if one of them comes back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

pytestmark = pytest.mark.slow

DEFERRED = {
    "alembic": "only to migrate a schema that is not at head",
    "psycopg": "only on PostgreSQL",
    "icalendar": "only for a calendar feed",
    "slack_sdk": "only with Slack configured, or a Slack request",
    "httpx": "only when a webhook, Teams card or Twilio request is sent",
    "httpcore": "the same",
}

STARTUP = """
import json, sys
from pagerd.entrypoints.cli.launch import main  # the `pagerd` command's entry point
import pagerd.entrypoints.cli.main
from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
from pagerd.bootstrap import build_container
from pagerd.config import load_settings
from pagerd.entrypoints.http.app import create_app
from pagerd.entrypoints.server import http_server_config
from pagerd.entrypoints.workers.engine import WorkerEngine

settings = load_settings()
upgrade_to_head(settings.database_url)
container = build_container(settings)
engine = WorkerEngine(container)
engine.run_until_idle()  # every duty's first cycles, in this thread
http_server_config(create_app(container), settings, "127.0.0.1", 8080)
container.close()
print(json.dumps(sorted(sys.modules)))
"""


def loaded_at_startup(database_url: str, cwd: Path) -> set[str]:
    """The top-level packages a fresh interpreter holds after `pagerd serve`'s start-up."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PAGERD_DATABASE_URL": database_url,
        "PAGERD_SECRET_KEY": "startup-imports-test-secret-key-0123456789",
    }
    done = subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return {name.partition(".")[0] for name in modules}


def test_serve_startup_defers_what_it_does_not_need(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pagerd.db'}"
    upgrade_to_head(url)  # here: a restart finds its database at head
    loaded = loaded_at_startup(url, tmp_path)
    assert {"pagerd", "fastapi", "uvicorn"} <= loaded  # the start-up did run
    found = {name: why for name, why in DEFERRED.items() if name in loaded}
    assert not found, f"imported at start-up, though needed {found}"
