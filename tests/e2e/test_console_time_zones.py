"""Console times in the reader's time zone, and the profile form that sets it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pagerd.domain.roles import Role
from pagerd.entrypoints.console.formatting import when
from pagerd.service_layer.user_changes import UserChanges, update_user
from tests.e2e.browser.console_app import PASSWORD, USERNAME, ConsoleApp, sqlite_factory


@pytest.fixture
def console(database_url: str) -> Iterator[ConsoleApp]:
    factory, dispose = sqlite_factory(database_url)
    yield ConsoleApp(factory)
    dispose()


def _zone_of(console: ConsoleApp, name: str) -> str:
    with console.uow() as uow:
        user = uow.users.get_by_name(name)
    assert user is not None
    return user.time_zone


def _audit_actions(console: ConsoleApp) -> list[str]:
    with console.uow() as uow:
        return [entry.action for entry in uow.audit_log.list(100)]


def test_a_responder_sets_their_own_time_zone_and_the_profile_shows_it(
    console: ConsoleApp,
) -> None:
    console.user("rita", Role.RESPONDER)
    client, token = console.signed_in_client("rita", PASSWORD)

    answer = client.post(
        "/profile/time-zone", data={"csrf_token": token, "time_zone": "Europe/Berlin"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/profile?done=zone_saved#time-zone"
    page = client.get("/profile").text
    assert 'value="Europe/Berlin"' in page
    assert "times in Europe/Berlin" in page
    assert _zone_of(console, "rita") == "Europe/Berlin"
    assert _zone_of(console, USERNAME) == "UTC"  # only the signed-in user changed
    assert "user.updated" in _audit_actions(console)


def test_an_invalid_time_zone_is_refused_clearly_and_changes_nothing(
    console: ConsoleApp,
) -> None:
    console.user("rita", Role.RESPONDER)
    client, token = console.signed_in_client("rita", PASSWORD)
    audited = _audit_actions(console)

    answer = client.post(
        "/profile/time-zone", data={"csrf_token": token, "time_zone": "Mars/Olympus_Mons"}
    )

    assert answer.status_code == 422
    assert "is not an IANA time zone name" in answer.text
    assert 'value="Mars/Olympus_Mons"' in answer.text  # kept in the field to correct it
    assert _zone_of(console, "rita") == "UTC"
    assert _audit_actions(console) == audited


def test_the_time_zone_form_needs_the_sessions_csrf_token(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()

    answer = client.post(
        "/profile/time-zone", data={"csrf_token": "forged", "time_zone": "Europe/Paris"}
    )

    assert answer.status_code == 403
    assert _zone_of(console, USERNAME) == "UTC"


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def test_a_user_in_new_york_sees_the_alerts_time_in_eastern_time(console: ConsoleApp) -> None:
    me = console.users()[0]
    update_user(
        console.uow(),
        console.clock,
        me.id,
        UserChanges(time_zone="America/New_York"),
        me.as_actor(),
    )
    alert = console.alert(console.service())
    client, _ = console.signed_in_client()

    page = client.get(f"/alerts/{alert.id}").text

    eastern = _local(alert.created_at, "America/New_York")
    assert eastern.endswith((" EST", " EDT"))
    assert eastern in page
    assert alert.created_at.strftime("%Y-%m-%d %H:%M:%S UTC") not in page
    assert f'datetime="{alert.created_at.astimezone(UTC).isoformat()}"' in page  # still UTC
    assert "times in America/New_York" in page


def test_a_user_in_utc_sees_the_alerts_time_in_utc(console: ConsoleApp) -> None:
    alert = console.alert(console.service())
    client, _ = console.signed_in_client()

    page = client.get(f"/alerts/{alert.id}").text

    assert alert.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in page
    assert "times in UTC" in page


def test_when_writes_the_zones_abbreviation_and_falls_back_to_utc() -> None:
    winter = datetime(2026, 12, 3, 2, 12, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 3, 2, 12, 5, tzinfo=UTC)

    assert when(winter, "Europe/Berlin") == "2026-12-03 03:12:05 CET"
    assert when(summer, "Europe/Berlin") == "2026-07-03 04:12:05 CEST"
    assert when(winter, "America/New_York") == "2026-12-02 21:12:05 EST"
    assert when(winter, "America/Sao_Paulo") == "2026-12-02 23:12:05 -03"
    assert when(winter, None) == "2026-12-03 02:12:05 UTC"
    assert when(winter, "No/Such_Zone") == "2026-12-03 02:12:05 UTC"
    assert when(None, "Europe/Berlin") == ""
