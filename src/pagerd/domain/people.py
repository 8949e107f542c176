"""How a person is reached: contact methods, notification rules, and the pages they plan.

When a level pages a user, `plan_user_pages` turns the user's rules into pages: the
immediate ones (delay 0) are sent at once, the later ones become timers due at the trigger
time plus their delay. Pure: the time of the trigger is passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from pagerd.domain.channels import Channel, address_problem, channel_kinds
from pagerd.domain.errors import FieldError, InvalidRequest

CONTACT_METHOD_CHANNELS = tuple(kind.channel for kind in channel_kinds() if kind.contact_method)
"""The channels a person may be reached on (declared with `contact_method`)."""
CONTACT_METHOD_TYPES = ", ".join(c.value for c in CONTACT_METHOD_CHANNELS)
MAX_LABEL = 200
MAX_RULE_DELAY_MINUTES = 1440
MAX_RULES = 50
MAX_CONTACT_METHODS = 50


@dataclass(frozen=True)
class ContactMethod:
    """One way to reach a user: a channel and an address valid for it."""

    id: UUID
    user_id: UUID
    channel: Channel
    address: str
    label: str
    created_at: datetime


@dataclass(frozen=True)
class NotificationRule:
    """Page `contact_method_id` `delay` after the user is paged for a level."""

    contact_method_id: UUID
    delay: timedelta

    @classmethod
    def of_minutes(cls, contact_method_id: UUID, minutes: int) -> NotificationRule:
        """A rule with its delay in minutes."""
        return cls(contact_method_id, timedelta(minutes=minutes))

    @property
    def delay_minutes(self) -> int:
        """The delay in whole minutes, as the API shows it."""
        return int(self.delay.total_seconds()) // 60


@dataclass(frozen=True)
class RuleSpec:
    """A rule as a person asks for it, before validation."""

    contact_method_id: UUID
    delay_minutes: int


@dataclass(frozen=True)
class PlannedPage:
    """One contact method to page, and when: at once (delay 0) or by a timer."""

    contact_method: ContactMethod
    delay: timedelta
    due_at: datetime

    @property
    def immediate(self) -> bool:
        """Whether the page is sent with the level, not by a timer."""
        return self.delay == timedelta(0)


def build_contact_method(
    user_id: UUID, type_: str, address: str, label: str | None, now: datetime
) -> ContactMethod:
    """Validate a requested contact method and return it, or raise InvalidRequest naming
    every bad field (`type`, `address`, `label`)."""
    problems: list[FieldError] = []
    channel: Channel | None = None
    try:
        channel = Channel(type_.strip().lower())
        if channel not in CONTACT_METHOD_CHANNELS:
            raise ValueError(type_)
    except ValueError:
        channel = None
        problems.append(FieldError("type", f"must be one of {CONTACT_METHOD_TYPES}"))
    address = address.strip()
    if channel is not None:
        problem = address_problem(channel, address)
        if problem is not None:
            problems.append(FieldError("address", problem))
    label = (label or "").strip()
    if len(label) > MAX_LABEL:
        problems.append(FieldError("label", f"must have at most {MAX_LABEL} characters"))
    if problems or channel is None:
        raise InvalidRequest(problems)
    return ContactMethod(uuid4(), user_id, channel, address, label or channel.value, now)


def build_rules(
    specs: Sequence[RuleSpec], contact_method_ids: Collection[UUID]
) -> tuple[NotificationRule, ...]:
    """Validate a user's notification rules, or raise InvalidRequest naming every bad field.

    At least one rule has delay 0 (someone is paged the moment the level triggers); delays
    are 0 to 1440 minutes; each rule names one of the user's own contact methods; a
    (method, delay) pair appears once. Rules come back ordered by delay.
    """
    problems: list[FieldError] = []
    if not specs:
        problems.append(FieldError("rules", "must have at least one rule"))
    if len(specs) > MAX_RULES:
        problems.append(FieldError("rules", f"must have at most {MAX_RULES} rules"))
    rules: dict[tuple[UUID, int], NotificationRule] = {}
    for index, spec in enumerate(specs):
        path = f"rules.{index}"
        if not 0 <= spec.delay_minutes <= MAX_RULE_DELAY_MINUTES:
            limit = MAX_RULE_DELAY_MINUTES
            problems.append(FieldError(f"{path}.delay_minutes", f"must be between 0 and {limit}"))
            continue
        if spec.contact_method_id not in contact_method_ids:
            problems.append(
                FieldError(f"{path}.contact_method_id", "must be one of the user's contact methods")
            )
            continue
        delay = timedelta(minutes=spec.delay_minutes)
        rules.setdefault(
            (spec.contact_method_id, spec.delay_minutes),
            NotificationRule(spec.contact_method_id, delay),
        )
    if specs and not any(spec.delay_minutes == 0 for spec in specs):
        problems.append(FieldError("rules", "must have at least one rule with delay_minutes 0"))
    if problems:
        raise InvalidRequest(problems)
    return tuple(sorted(rules.values(), key=lambda r: (r.delay, str(r.contact_method_id))))


def plan_user_pages(
    methods: Sequence[ContactMethod],
    rules: Sequence[NotificationRule],
    triggered_at: datetime,
) -> list[PlannedPage]:
    """The pages a user is owed when a level pages them at `triggered_at`.

    No rules: every contact method at once. Otherwise each rule whose method still exists,
    at `triggered_at + delay`; a method named by several rules is paged once, by its
    earliest rule (never twice for one level and pass). Ordered by delay, then method.
    """
    by_id = {m.id: m for m in methods}
    if not rules:
        return [PlannedPage(m, timedelta(0), triggered_at) for m in methods]
    earliest: dict[UUID, timedelta] = {}
    for rule in rules:
        if rule.contact_method_id in by_id:
            current = earliest.get(rule.contact_method_id)
            if current is None or rule.delay < current:
                earliest[rule.contact_method_id] = rule.delay
    planned = [
        PlannedPage(by_id[method_id], delay, triggered_at + delay)
        for method_id, delay in earliest.items()
    ]
    return sorted(planned, key=lambda p: (p.delay, str(p.contact_method.id)))
