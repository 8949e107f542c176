"""A pagerd web console on fakes, for the console's tests (TestClient and browser).

`ConsoleApp` wires the console router and its static files on a Container whose unit of
work is in memory or on SQLite, with a FakeClock and recording senders, so tests can send
alerts through the use cases, run the engine's duties cycle by cycle, and move time.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from uuid import UUID

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.accounts import User
from pagerd.domain.alert import Alert
from pagerd.domain.channels import Channel
from pagerd.domain.roles import Role
from pagerd.entrypoints.console import build_console, mount_static
from pagerd.entrypoints.workers import WorkerEngine, WorkerOptions
from pagerd.service_layer.alerts import receive_alert
from pagerd.service_layer.paging import OutgoingPage, Sender
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.services import create_service
from pagerd.service_layer.users import create_user
from pagerd.testing import FakeClock, RecordingSender, RecordingSignal

USERNAME = "alice"
PASSWORD = "correct horse battery staple"
SECRET_KEY = b"console-tests-secret-key"
# Argon2 at its real cost takes a fifth of a second a hash; tests only need it to work.
FAST_HASHER = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def memory_factory() -> Callable[[], UnitOfWork]:
    """A fresh in-memory database."""
    store = InMemoryStore()
    signal = RecordingSignal()
    return lambda: InMemoryUnitOfWork(store, signal)


def sqlite_factory(url: str) -> tuple[Callable[[], UnitOfWork], Callable[[], None]]:
    """A migrated SQLite database at `url`, and how to close it."""
    from pagerd.adapters.sqlalchemy.engine import create_engine_for
    from pagerd.adapters.sqlalchemy.migrate import upgrade_to_head
    from pagerd.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    upgrade_to_head(url)
    engine = create_engine_for(url)
    signal = RecordingSignal()
    return (lambda: SqlAlchemyUnitOfWork(engine, signal)), engine.dispose


class ConsoleApp:
    """The console alone on a FastAPI app, with handles on its fakes."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork] | None = None,
        public_url: str = "http://testserver",
        dev_outbox: bool = False,
    ) -> None:
        self.uow = uow_factory or memory_factory()
        self.clock = FakeClock()
        self.journal: list[OutgoingPage] = []
        settings = Settings(_env_file=None)
        senders: Mapping[Channel, Sender] = {
            channel: RecordingSender(self.journal) for channel in Channel
        }
        if dev_outbox:  # e-mail and SMS land in the dev outbox, as with nothing configured
            from pagerd.bootstrap import channel_senders

            senders = channel_senders(settings, self.clock, SECRET_KEY)
        self.container = Container(
            settings=settings,
            uow_factory=self.uow,
            clock=self.clock,
            senders=senders,
            wakeup=RecordingSignal(),
            public_url=public_url,
            secret_key=SECRET_KEY,
        )
        self.app = FastAPI()
        self.app.include_router(build_console(self.container, password_hasher=FAST_HASHER))
        mount_static(self.app)
        create_user(self.uow(), self.clock, USERNAME, PASSWORD, FAST_HASHER, role=Role.ADMIN)
        self.engine = WorkerEngine(
            self.container,
            WorkerOptions(send_threads=0),
            worker_id="console-tests",
            jitter=random.Random(0).random,
        )

    def client(self) -> TestClient:
        """A browser-like client (keeps cookies) that does not follow redirects."""
        return TestClient(self.app, follow_redirects=False)

    def signed_in_client(
        self, username: str = USERNAME, password: str = PASSWORD
    ) -> tuple[TestClient, str]:
        """A client signed in as `username` (default: the admin USERNAME), and its session's
        CSRF token."""
        client = self.client()
        token = csrf_token(client.get("/sign-in").text)
        answer = client.post(
            "/sign-in", data={"csrf_token": token, "username": username, "password": password}
        )
        assert answer.status_code == 303, answer.text
        return client, csrf_token(client.get("/services").text)

    def user(self, name: str, role: Role, password: str = PASSWORD) -> User:
        """Create a user with a password through the use case."""
        return create_user(self.uow(), self.clock, name, password, FAST_HASHER, role=role)

    def users(self) -> list[User]:
        """Every user, oldest first."""
        with self.uow() as uow:
            return uow.users.list(1000)

    def alert_status(self, alert_id: UUID) -> str:
        """The alert's status now."""
        with self.uow() as uow:
            alert = uow.alerts.get(alert_id)
        assert alert is not None
        return alert.status.value

    def service(self, name: str = "checkout") -> UUID:
        """Create a service through its use case."""
        return create_service(self.uow(), self.clock, name).id

    def alert(self, service_id: UUID, message: str = "checkout is down") -> Alert:
        """Send an alert through its use case."""
        return receive_alert(self.uow(), self.clock, service_id, message).alert

    def run_workers(self) -> None:
        """Run the engine's duties (timers, dispatch, retention) until nothing is due."""
        self.engine.run_until_idle()

    def advance(self, seconds: float) -> None:
        """Move the clock, then let the workers catch up."""
        self.clock.advance(timedelta(seconds=seconds))
        self.run_workers()


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found[1]
