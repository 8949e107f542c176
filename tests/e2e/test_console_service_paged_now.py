"""The service page's "Level 1 would page now" panel over HTTP (no browser): no policy,
a level 1 reaching nobody (warns what an alert would do), and maintenance holding paging."""

from __future__ import annotations

from datetime import timedelta

from pagerd.domain.policy import LevelSpec, TargetSpec
from pagerd.domain.roles import Role
from pagerd.domain.schedule_build import LayerSpec, RestrictionSpec
from pagerd.service_layer.maintenance import create_window
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.schedules import create_schedule
from pagerd.testing.harness import level
from tests.e2e.browser.console_app import ConsoleApp, memory_factory


def _panel(console: ConsoleApp, service_id: object) -> str:
    client, _ = console.signed_in_client()
    page = client.get(f"/services/{service_id}").text
    start = page.index('id="paged-now"')
    return page[start : page.index("</section>", start)]


def test_a_service_without_a_policy_says_an_alert_pages_nobody() -> None:
    console = ConsoleApp(memory_factory())
    service_id = console.service()

    assert "No escalation policy: an alert now would be recorded and page nobody." in _panel(
        console, service_id
    )


def test_a_level_1_reaching_nobody_warns_that_an_alert_goes_on_to_level_2() -> None:
    console = ConsoleApp(memory_factory())
    bob = console.user("bob", Role.RESPONDER)
    nights = [RestrictionSpec(["sun"], "02:00", "03:00")]  # the fake clock is a Thursday
    layer = LayerSpec([bob.id], "daily", 1, "2026-01-01T00:00", nights)
    primary = create_schedule(console.uow(), console.clock, "Primary", "UTC", [layer])
    service_id = console.service()
    levels = [LevelSpec([TargetSpec("schedule", str(primary.id))]), level("boss@example.com")]
    put_policy(console.uow(), service_id, levels)

    panel = _panel(console, service_id)

    assert "Primary: nobody on call" in panel
    assert "Level 1 reaches nobody right now: an alert would go on to level 2 at once." in panel


def test_maintenance_says_an_alert_now_pages_nobody_until_its_end() -> None:
    console = ConsoleApp(memory_factory())
    service_id = console.service()
    put_policy(console.uow(), service_id, [level("oncall@example.com")])
    now = console.clock.now()
    create_window(console.uow(), console.clock, service_id, now, now + timedelta(hours=1))

    panel = _panel(console, service_id)

    assert "E-mail: oncall@example.com" in panel
    assert "in maintenance until" in panel
    assert "an alert now pages nobody until then" in panel
