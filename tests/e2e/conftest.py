"""An in-process pagerd behind its HTTP API, on each backend, driven by a fake clock.

`api` builds a Container on the in-memory unit of work, on SQLite, and on PostgreSQL when
PAGERD_TEST_POSTGRES_URL is set, then talks to `create_app(container)` through starlette's
TestClient. Workers do not run by themselves: tests move the clock with `api.advance()`,
which runs the engine's duties (the production ones) until nothing is due.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.entrypoints.http import create_app
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.service_layer.observability import NullObserver
from pagerd.service_layer.paging import OutgoingPage, Sender
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.tokens import create_api_token
from pagerd.testing import FakeClock, RecordingSender, RecordingSignal

ADMIN_TOKEN = "admin-secret-for-tests"


class CountingObserver(NullObserver):
    """Records `alert_received` calls; the other facts are ignored."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bool]] = []

    def alert_received(
        self,
        source: str,
        deduplicated: bool,
        alert_id: UUID | None = None,
        service_id: UUID | None = None,
    ) -> None:
        self.received.append((source, deduplicated))


class Api:
    """A pagerd app, its client, and handles on its fakes."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.clock = FakeClock()
        self.journal: list[OutgoingPage] = []
        self._senders: dict[Channel, Sender] = {
            channel: RecordingSender(self.journal) for channel in Channel
        }
        self.observer = CountingObserver()
        self.ready = True
        self.container = Container(
            settings=Settings(admin_token=SecretStr(ADMIN_TOKEN), _env_file=None),
            uow_factory=uow_factory,
            clock=self.clock,
            senders=self._senders,
            wakeup=RecordingSignal(),
            observer=self.observer,
            is_ready=lambda: self.ready,
        )
        self.app = create_app(self.container)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        _, self.token = create_api_token(uow_factory(), self.clock, "tests")
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.engine = WorkerEngine(
            self.container,
            WorkerOptions(send_threads=0),
            worker_id="e2e",
            jitter=random.Random(0).random,
        )

    @property
    def senders(self) -> dict[Channel, Sender]:
        """The senders the app's engine dispatches through."""
        return self._senders

    @senders.setter
    def senders(self, replacement: Mapping[Channel, Sender]) -> None:
        # Replaced in place: the engine holds this very mapping.
        self._senders.clear()
        self._senders.update(replacement)

    # HTTP, authenticated with a stored API token.
    def get(self, path: str, **kwargs: Any) -> Response:
        answer: Response = self.client.get(path, headers=self.headers, **kwargs)
        return answer

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        answer: Response = self.client.post(path, json=json, headers=self.headers, **kwargs)
        return answer

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        answer: Response = self.client.put(path, json=json, headers=self.headers, **kwargs)
        return answer

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        answer: Response = self.client.patch(path, json=json, headers=self.headers, **kwargs)
        return answer

    def delete(self, path: str, **kwargs: Any) -> Response:
        answer: Response = self.client.delete(path, headers=self.headers, **kwargs)
        return answer

    # Scenario helpers.
    def create_service(self, name: str = "checkout") -> dict[str, Any]:
        response = self.post("/api/v1/services", {"name": name})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def put_policy(self, service_id: str, levels: list[dict[str, Any]], repeat: int = 0) -> None:
        body = {"repeat": repeat, "levels": levels}
        response = self.put(f"/api/v1/services/{service_id}/escalation-policy", body)
        assert response.status_code == 200, response.text

    def alert(self, service_id: str, message: str = "down", **extra: Any) -> dict[str, Any]:
        body = {"monitored_service_id": service_id, "message": message, **extra}
        response = self.post("/api/v1/alerts", body)
        assert response.status_code == 202, response.text
        return dict(response.json())

    def run_workers(self) -> None:
        """Run the engine's duties (timers, dispatch, retention) until nothing is due."""
        self.engine.run_until_idle()

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        self.run_workers()

    def paged(self) -> list[str]:
        """Addresses messaged so far, once per message, in order."""
        return [page.address for page in self.journal]


def _memory() -> Callable[[], UnitOfWork]:
    store = InMemoryStore()
    signal = RecordingSignal()
    return lambda: InMemoryUnitOfWork(store, signal)


def _sql(url: str) -> tuple[Callable[[], UnitOfWork], Callable[[], None]]:
    """A unit-of-work factory on a database already at the schema's head, and its dispose."""
    from pagerd.adapters.sqlalchemy.engine import create_engine_for
    from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    engine = create_engine_for(url)
    signal = RecordingSignal()
    return (lambda: SqlAlchemyUnitOfWork(engine, signal)), engine.dispose


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run; tests copy it instead of migrating again."""
    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

    path = tmp_path_factory.mktemp("template") / "pagerd.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


def _migrated_url(request: pytest.FixtureRequest, backend: str) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_file")
        copy = Path(request.getfixturevalue("tmp_path")) / "pagerd.db"
        shutil.copyfile(template, copy)
        return f"sqlite:///{copy}"
    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head

    url: str = request.getfixturevalue("postgres_url")
    upgrade_to_head(url)
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """pagerd over HTTP on each backend (PostgreSQL only when configured)."""
    if request.param == "memory":
        yield Api(_memory())
        return
    factory, dispose = _sql(_migrated_url(request, request.param))
    try:
        yield Api(factory)
    finally:
        dispose()


@pytest.fixture
def memory_api() -> Api:
    """pagerd over HTTP on the in-memory unit of work only, for input-handling tests."""
    return Api(_memory())
