"""The schedule pages of the console over HTTP (no browser): who is on call, a schedule's two
weeks, and overrides from the forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from pagerd.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from pagerd.adapters.passwords import Argon2Hasher
from pagerd.bootstrap import Container
from pagerd.config import Settings
from pagerd.domain.roles import Role
from pagerd.domain.schedule import Override
from pagerd.domain.schedule_build import EARLIEST, LATEST, LayerSpec
from pagerd.entrypoints.http import create_app
from pagerd.service_layer.schedules import create_schedule
from pagerd.service_layer.users import create_user
from pagerd.testing import FakeClock, RecordingSignal

CHEAP = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Console:
    def __init__(self) -> None:
        store = InMemoryStore()
        self.clock = FakeClock(FRIDAY)
        self.container = Container(
            settings=Settings(_env_file=None),
            uow_factory=lambda: InMemoryUnitOfWork(store),
            clock=self.clock,
            senders={},
            wakeup=RecordingSignal(),
        )
        self.client = TestClient(create_app(self.container))
        self.alice = self.person("alice", Role.ADMIN)
        self.bob = self.person("bob", Role.RESPONDER)
        self.carol = self.person("carol", Role.VIEWER)
        layer = LayerSpec([self.alice, self.bob], "weekly", 1, "2026-11-23T09:00")
        self.schedule = create_schedule(self.uow(), self.clock, "Primary", "Europe/Berlin", [layer])

    def person(self, name: str, role: Role) -> UUID:
        return create_user(self.uow(), self.clock, name, "long enough pw", CHEAP, role=role).id

    def overrides(self) -> list[Override]:
        with self.uow() as uow:
            return uow.schedules.overrides_between(self.schedule.id, EARLIEST, LATEST)

    def uow(self) -> InMemoryUnitOfWork:
        return self.container.uow_factory()  # type: ignore[return-value]

    def sign_in(self, username: str) -> str:
        page = self.client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        answer = self.client.post(
            "/sign-in",
            data={"csrf_token": token.group(1), "username": username, "password": "long enough pw"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return self.csrf()

    def csrf(self) -> str:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/on-call").text)
        assert token is not None
        return token.group(1)


@pytest.fixture
def console() -> Console:
    return Console()


def test_who_is_on_call_names_the_person_now_and_the_next(console: Console) -> None:
    console.sign_in("alice")

    page = console.client.get("/on-call").text

    assert "Now: alice" in page
    assert "Next: bob" in page
    assert f'href="/schedules/{console.schedule.id}"' in page


def test_the_schedule_page_draws_fourteen_days_and_lists_the_shifts(console: Console) -> None:
    console.sign_in("alice")

    page = console.client.get(f"/schedules/{console.schedule.id}").text

    assert page.count('class="schedule-day"') == 14
    assert "alice: Fri 27 Nov 00:00 to Sat 28 Nov 00:00" in page
    assert "bob: Mon 30 Nov 09:00 to Tue 01 Dec 00:00" in page


def test_take_this_shift_puts_the_signed_in_user_on_call_over_it(console: Console) -> None:
    csrf = console.sign_in("bob")
    form = {
        "csrf_token": csrf,
        "start_at": "2026-11-27T12:00:00Z",
        "end_at": "2026-11-30T08:00:00Z",
    }

    answer = console.client.post(
        f"/schedules/{console.schedule.id}/overrides", data=form, follow_redirects=False
    )

    assert answer.status_code == 303
    assert "Now: bob" in console.client.get("/on-call").text


def test_a_responder_taking_a_shift_is_written_to_the_audit_log_as_them(console: Console) -> None:
    csrf = console.sign_in("bob")
    form = {"csrf_token": csrf, "start_at": "2026-11-28T00:00Z", "end_at": "2026-11-29T00:00Z"}

    console.client.post(f"/schedules/{console.schedule.id}/overrides", data=form)

    with console.uow() as uow:
        entries = uow.audit_log.list(10, None)
    overrides = [(e.action, e.actor_name) for e in entries if e.action.startswith("override")]
    assert overrides == [("override.added", "bob")]


def test_a_responder_may_not_put_someone_else_on_call(console: Console) -> None:
    csrf = console.sign_in("bob")
    form = {
        "csrf_token": csrf,
        "user_id": str(console.alice),
        "start": "2026-11-27T13:00",
        "end": "2026-11-27T18:00",
    }

    answer = console.client.post(f"/schedules/{console.schedule.id}/overrides", data=form)

    assert answer.status_code == 403
    assert "responders may add overrides only for themselves" in answer.text
    assert console.overrides() == []


def test_a_responder_covers_only_as_themselves_on_the_page(console: Console) -> None:
    console.sign_in("bob")

    page = console.client.get(f"/schedules/{console.schedule.id}").text

    assert "Take this shift" in page
    assert 'name="user_id"' not in page
    assert "You cover (bob)" in page


def test_a_viewer_sees_the_schedule_without_forms_and_is_refused_a_shift(
    console: Console,
) -> None:
    csrf = console.sign_in("carol")
    form = {"csrf_token": csrf, "start_at": "2026-11-27T12:00:00Z", "end_at": "2026-11-30T08:00Z"}

    page = console.client.get(f"/schedules/{console.schedule.id}")
    answer = console.client.post(f"/schedules/{console.schedule.id}/overrides", data=form)

    assert page.status_code == 200
    assert "Take this shift" not in page.text
    assert "Save override" not in page.text
    assert answer.status_code == 403
    assert "you are a viewer" in answer.text
    assert console.overrides() == []


def test_cover_from_to_reads_local_times_in_the_schedules_zone(console: Console) -> None:
    csrf = console.sign_in("alice")
    form = {
        "csrf_token": csrf,
        "user_id": str(console.bob),
        "start": "2026-11-27T13:00",  # Berlin, 12:00 UTC
        "end": "2026-11-27T18:00",
    }

    answer = console.client.post(
        f"/schedules/{console.schedule.id}/overrides", data=form, follow_redirects=False
    )

    assert answer.status_code == 303
    with console.uow() as uow:
        [made] = uow.schedules.overrides_between(
            console.schedule.id, FRIDAY, FRIDAY.replace(hour=23)
        )
    assert (made.user_id, made.start_at, made.end_at) == (
        console.bob,
        FRIDAY,
        FRIDAY.replace(hour=17),
    )


def test_a_cover_ending_before_it_starts_is_refused_on_the_page(console: Console) -> None:
    csrf = console.sign_in("alice")
    form = {"csrf_token": csrf, "start": "2026-11-27T18:00", "end": "2026-11-27T13:00"}

    answer = console.client.post(f"/schedules/{console.schedule.id}/overrides", data=form)

    assert answer.status_code == 422
    assert "must be after start" in answer.text


def test_who_is_on_call_warns_of_gaps_in_schedules_a_policy_targets(console: Console) -> None:
    from datetime import timedelta
    from uuid import uuid4

    from pagerd.domain.policy import EscalationPolicy, Level, ScheduleTarget
    from pagerd.domain.schedule_build import RestrictionSpec
    from pagerd.service_layer.schedules import replace_schedule
    from pagerd.service_layer.services import create_service

    hours = RestrictionSpec(["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00")
    layer = LayerSpec([console.alice], "weekly", 1, "2026-11-23T09:00", [hours])
    replace_schedule(
        console.uow(), console.clock, console.schedule.id, "Primary", "Europe/Berlin", [layer]
    )
    service = create_service(console.uow(), console.clock, "checkout")
    target = ScheduleTarget(uuid4(), console.schedule.id)
    with console.uow() as uow:
        level = Level(timedelta(minutes=5), (target,))
        uow.policies.save(EscalationPolicy(uuid4(), service.id, (level,)))
        uow.commit()
    console.sign_in("alice")

    page = console.client.get("/on-call").text

    assert "Nobody on call in the next 28 days" in page
    assert "(paged by checkout)" in page


def test_who_is_on_call_lists_each_service_by_whom_its_level_1_pages_now(
    console: Console,
) -> None:
    from pagerd.domain.policy import LevelSpec, TargetSpec
    from pagerd.service_layer.policies import put_policy
    from pagerd.service_layer.services import create_service

    checkout = create_service(console.uow(), console.clock, "checkout").id
    search = create_service(console.uow(), console.clock, "search").id
    to_schedule = TargetSpec("schedule", str(console.schedule.id))
    targets = [to_schedule, TargetSpec("user", str(console.bob)), TargetSpec("email", "a@x.io")]
    put_policy(console.uow(), checkout, [LevelSpec(targets)])
    put_policy(console.uow(), search, [LevelSpec([TargetSpec("email", "search@x.io")])])
    console.sign_in("carol")

    page = console.client.get("/on-call").text

    assert "By service: level 1 pages now" in page
    unreachable = "(pages nobody: the user has no contact method)"
    assert (
        f'<a href="/services/{checkout}">checkout</a>: '
        f"Primary: alice {unreachable}; bob {unreachable}</li>"
    ) in page
    assert f'href="/services/{search}"' not in page  # an address only: nobody to name
