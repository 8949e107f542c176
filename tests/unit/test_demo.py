"""`pagerd demo` tells one incident as pagerd lived it: the rules at work, in order."""

from __future__ import annotations

import io

from pagerd.entrypoints.demo import run_demo


def _story() -> list[str]:
    out = io.StringIO()
    run_demo(out)
    return out.getvalue().splitlines()


def _section(lines: list[str], start: str, end: str) -> list[str]:
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i, line in enumerate(lines) if end in line and i > first)
    return [line.strip() for line in lines[first:last]]


def test_the_demo_tells_alert_escalation_join_acknowledge_and_healthy_in_order() -> None:
    lines = _story()
    steps = [line for line in lines if line.startswith("[")]

    assert [line[:10] for line in steps] == [
        "[09:00:00]",
        "[09:00:00]",
        "[09:05:00]",
        "[09:07:00]",
        "[09:08:00]",
        "[09:38:00]",
        "[09:40:00]",
    ]
    assert "a new incident; checkout is unhealthy" in steps[1]
    assert "escalates to level 2" in steps[2]
    assert '"p99 latency above 2 s" arrives: it joins the open incident' in steps[3]
    assert '"5xx", "latency"' in steps[3]
    assert "bob acknowledges: escalation stops; checkout stays unhealthy" in steps[4]
    assert "checkout is healthy again: the incident is resolved" in steps[6]


def test_the_demo_shows_who_was_paged_at_each_level_and_nobody_after_that() -> None:
    lines = _story()

    assert _section(lines, "arrives: a new incident", "Nobody acknowledged")[1:] == [
        "paged by e-mail: alice@example.com",
        "paged by SMS: +15555550100",
        "level 1 has until 09:05:00 to acknowledge",
    ]
    assert _section(lines, "Nobody acknowledged", "joins the open incident")[1:] == [
        "paged by e-mail: bob@example.com",
        "paged by webhook: https://hooks.example.com/pagerd",
        "level 2 has until 09:15:00 to acknowledge",
    ]
    assert _section(lines, "joins the open incident", "acknowledges")[1:] == [
        "nobody is paged again for the same incident"
    ]
    assert _section(lines, "acknowledges", "Half an hour")[1:] == [
        "no acknowledgement timer is armed"
    ]
    assert _section(lines, "Half an hour", "healthy again")[1:] == ["nobody else was paged"]
    assert sum("paged by" in line for line in lines) == 4


def test_the_demo_ends_with_the_incidents_timeline() -> None:
    lines = _story()
    header = next(i for i, line in enumerate(lines) if line.startswith("The incident's timeline"))
    timeline = [line.split()[1] for line in lines[header + 1 :]]

    assert timeline[0] == "opened"
    assert timeline.count("notified") == 2
    assert timeline.count("delivered") == 4
    assert timeline[-3:] == ["joined", "acknowledged", "resolved"]
