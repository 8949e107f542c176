"""`pagerd demo`: the story of one incident, told by pagerd itself running on fakes.

It runs on the simulation (`simulation.py`): the production engine's duties on an in-memory
store. Everything printed is read back from what the use cases did (the messages the recording
senders received, the armed timer, the statuses, the timeline); nothing is scripted but the
events fed in. The clock is simulated, so the half hour of the story takes milliseconds, and
nothing leaves the process: no database, no e-mail, no network.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TextIO
from uuid import UUID

from pagerd.domain.channels import Channel, channel_kind
from pagerd.domain.policy import EscalationPolicy, LevelSpec, Target, TargetSpec
from pagerd.entrypoints.simulation import SimulatedPagerd
from pagerd.service_layer.paging import OutgoingPage


class _Story:
    """Prints lines stamped with the simulated time, and the pages sent since the last look."""

    def __init__(self, h: SimulatedPagerd, out: TextIO) -> None:
        self._h = h
        self._out = out
        self._seen = 0

    def say(self, text: str) -> None:
        self._out.write(f"[{_clock(self._h.clock.now())}] {text}\n")

    def detail(self, text: str) -> None:
        self._out.write(f"           {text}\n")

    def new_pages(self) -> list[OutgoingPage]:
        pages = self._h.pages()[self._seen :]
        self._seen += len(pages)
        # Pages sent at the same moment go out in no particular order; tell them in a fixed one.
        channels = list(Channel)
        return sorted(pages, key=lambda p: (channels.index(p.channel), p.address))

    def tell_pages(self, none_text: str) -> None:
        pages = self.new_pages()
        for page in pages:
            self.detail(f"paged by {channel_kind(page.channel).noun}: {page.address}")
        if not pages:
            self.detail(none_text)

    def tell_timer(self, alert_id: UUID) -> None:
        with self._h.uow:
            timer = self._h.uow.timers.pending_for_alert(alert_id)
        if timer is None:
            self.detail("no acknowledgement timer is armed")
        else:
            self.detail(f"level {timer.level + 1} has until {_clock(timer.due_at)} to acknowledge")


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _describe_policy(story: _Story, policy: EscalationPolicy) -> None:
    # Levels are counted from 1 for people, as in the console and every message (the API's
    # `level_id`, in the timeline below, stays 0-based).
    for index, step in enumerate(policy.levels, start=1):
        targets = ", ".join(
            f"{channel_kind(t.channel).noun} {t.address}" if isinstance(t, Target) else "a user"
            for t in step.targets
        )
        minutes = int(step.ack_timeout.total_seconds() // 60)
        story.detail(f"level {index}: {targets} (waits {minutes} min for an acknowledgement)")


def run_demo(out: TextIO) -> None:
    """Run one incident on an in-memory pagerd with a simulated clock, and tell it on `out`."""
    h = SimulatedPagerd()
    story = _Story(h, out)
    out.write("pagerd demo: one incident, on an in-memory pagerd with a simulated clock.\n\n")

    service = h.create_service("checkout")
    policy = h.set_policy(
        service.id,
        [
            LevelSpec(
                [TargetSpec("email", "alice@example.com"), TargetSpec("sms", "+15555550100")],
                ack_timeout_seconds=300,
            ),
            LevelSpec(
                [
                    TargetSpec("email", "bob@example.com"),
                    TargetSpec("webhook", "https://hooks.example.com/pagerd"),
                ],
                ack_timeout_seconds=600,
            ),
        ],
    )
    story.say(f'Service "{service.name}" is {service.status}. Its escalation policy:')
    _describe_policy(story, policy)

    alert = h.alert(service.id, "HTTP 5xx above 5%", dedup_key="5xx")
    h.run_workers()
    status = h.get_service(service.id).status
    story.say(f'Alert "{alert.message}" arrives: a new incident; {service.name} is {status}.')
    story.tell_pages("nobody was paged")
    story.tell_timer(alert.id)

    h.advance(300)
    story.say("Nobody acknowledged level 1 in time: pagerd escalates to level 2.")
    story.tell_pages("nobody was paged")
    story.tell_timer(alert.id)

    h.advance(120)
    message = "p99 latency above 2 s"
    joined = h.alert(service.id, message, dedup_key="latency")
    h.run_workers()
    same = "it joins the open incident" if joined.id == alert.id else "a new incident"
    story.say(f'Alert "{message}" arrives: {same} (dedup keys {_keys(joined.dedup_keys)}).')
    story.tell_pages("nobody is paged again for the same incident")

    h.advance(60)
    acked = h.acknowledge(alert.id, by="bob")
    status = h.get_service(service.id).status
    story.say(
        f"{acked.acknowledged_by} acknowledges: escalation stops; {service.name} stays {status}."
    )
    story.tell_timer(alert.id)

    h.advance(1800)
    story.say("Half an hour later:")
    story.tell_pages("nobody else was paged")

    h.advance(120)
    healed = h.healthy(service.id)
    resolved = h.get_alert(alert.id)
    story.say(f"{healed.name} is {healed.status} again: the incident is {resolved.status}.")

    out.write("\nThe incident's timeline, as GET /api/v1/alerts/{id}/timeline shows it:\n")
    for entry in h.timeline(alert.id):
        out.write(f"  {_clock(entry.at)}  {entry.type:<24} {_summary(entry.details.items())}\n")


def _keys(keys: Iterable[str]) -> str:
    return ", ".join(f'"{k}"' for k in keys)


def _summary(details: Iterable[tuple[str, object]]) -> str:
    shown = ("message", "level_id", "address", "by", "reason")
    return " ".join(f"{k}={v}" for k, v in details if k in shown and v is not None)
