"""Parsing the `schedules:` section of a configuration file.

    schedules:
      - name: Primary
        time_zone: Europe/Berlin
        layers:
          - participants: [alice, bob]          # usernames
            rotation: {type: weekly, shift_length: 1, handoff: "2026-01-05T09:00"}
            restrictions:                       # optional
              - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
        overrides:                              # optional: without it, left alone
          - {user: carol, start: "2026-12-24T18:00:00Z", end: "2026-12-27T09:00:00Z"}

The schedule rules (zone, rotation, restrictions, override bounds) are the domain's, so a
file and the HTTP API accept exactly the same schedules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from yaml.nodes import Node

from pagerd.config_as_code.nodes import NodeReader, is_null
from pagerd.config_as_code.schedule_model import (
    DeclaredLayer,
    DeclaredOverride,
    DeclaredRestriction,
    DeclaredSchedule,
)
from pagerd.domain.errors import InvalidSchedule
from pagerd.domain.schedule_build import build_override, build_schedule

_PLACEHOLDER = UUID(int=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduleReader(NodeReader):
    """Reads schedules; mixed into the configuration parser."""

    def schedules(self, node: Node) -> list[DeclaredSchedule]:
        items = self.sequence(node, "schedules") or []
        found = [self.schedule(n, f"schedules[{i}]") for i, n in enumerate(items)]
        self.check_unique(found, items, "schedules", lambda s: s.name)
        return [s for s in found if s is not None]

    def schedule(self, node: Node, path: str) -> DeclaredSchedule | None:
        keys = ("name", "time_zone", "layers", "overrides")
        fields = self.mapping(node, path, keys, required=("name", "time_zone", "layers"))
        if fields is None or not {"name", "time_zone", "layers"} <= fields.keys():
            return None
        name = self.string(fields["name"], f"{path}.name")
        zone = self.string(fields["time_zone"], f"{path}.time_zone")
        items = self.sequence(fields["layers"], f"{path}.layers") or []
        layers = [self.layer(n, f"{path}.layers[{i}]") for i, n in enumerate(items)]
        overrides = None
        if not is_null(fields.get("overrides")):
            listed = self.sequence(fields["overrides"], f"{path}.overrides") or []
            overrides = [self.override(n, f"{path}.overrides[{i}]") for i, n in enumerate(listed)]
        if name is None or zone is None or None in layers or None in (overrides or []):
            return None
        declared = DeclaredSchedule(
            name,
            zone,
            tuple(layer for layer in layers if layer is not None),
            None if overrides is None else tuple(o for o in overrides if o is not None),
        )
        return self._check_schedule_rules(declared, node, path)

    def layer(self, node: Node, path: str) -> DeclaredLayer | None:
        keys = ("participants", "rotation", "restrictions")
        fields = self.mapping(node, path, keys, required=("participants", "rotation"))
        if fields is None or not {"participants", "rotation"} <= fields.keys():
            return None
        people = self.sequence(fields["participants"], f"{path}.participants") or []
        names = [self.string(n, f"{path}.participants[{i}]") for i, n in enumerate(people)]
        rotation = self.mapping(
            fields["rotation"], f"{path}.rotation", ("type", "shift_length", "handoff"),
            required=("type", "handoff"),
        )  # fmt: skip
        if rotation is None or not {"type", "handoff"} <= rotation.keys():
            return None
        kind = self.string(rotation["type"], f"{path}.rotation.type")
        length_node = rotation.get("shift_length")
        length = (
            1 if length_node is None else self.integer(length_node, f"{path}.rotation.shift_length")
        )
        handoff = self.string(rotation["handoff"], f"{path}.rotation.handoff")
        windows = []
        if not is_null(fields.get("restrictions")):
            listed = self.sequence(fields["restrictions"], f"{path}.restrictions") or []
            windows = [
                self.restriction(n, f"{path}.restrictions[{i}]") for i, n in enumerate(listed)
            ]
        if None in names or kind is None or length is None or handoff is None or None in windows:
            return None
        return DeclaredLayer(
            tuple(n for n in names if n is not None),
            kind,
            length,
            handoff,
            tuple(w for w in windows if w is not None),
        )

    def restriction(self, node: Node, path: str) -> DeclaredRestriction | None:
        fields = self.mapping(node, path, ("days", "start", "end"), ("days", "start", "end"))
        if fields is None or len(fields) != 3:
            return None
        items = self.sequence(fields["days"], f"{path}.days") or []
        days = [self.string(n, f"{path}.days[{i}]") for i, n in enumerate(items)]
        start = self.string(fields["start"], f"{path}.start")
        end = self.string(fields["end"], f"{path}.end")
        if None in days or start is None or end is None:
            return None
        return DeclaredRestriction(tuple(d for d in days if d is not None), start, end)

    def override(self, node: Node, path: str) -> DeclaredOverride | None:
        fields = self.mapping(node, path, ("user", "start", "end"), ("user", "start", "end"))
        if fields is None or len(fields) != 3:
            return None
        user = self.string(fields["user"], f"{path}.user")
        start = self.instant(fields["start"], f"{path}.start")
        end = self.instant(fields["end"], f"{path}.end")
        if user is None or start is None or end is None:
            return None
        try:
            build_override(_PLACEHOLDER, _PLACEHOLDER, start, end, _EPOCH)
        except InvalidSchedule as exc:
            for detail in exc.details:
                self.fail(f"{path}.{detail.field}", node, detail.message)
            return None
        return DeclaredOverride(user, start.astimezone(UTC), end.astimezone(UTC))

    def _check_schedule_rules(
        self, declared: DeclaredSchedule, node: Node, path: str
    ) -> DeclaredSchedule | None:
        ids = {name: str(_PLACEHOLDER) for name in declared.usernames()}
        try:
            specs = [layer.spec(ids) for layer in declared.layers]
            build_schedule(declared.name, declared.time_zone, specs, _EPOCH, uuid4())
        except InvalidSchedule as exc:
            for detail in exc.details:
                self.fail(f"{path}.{_brackets(detail.field)}", node, detail.message)
            return None
        return declared


def _brackets(dotted: str) -> str:
    parts = dotted.split(".")
    return "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts).lstrip(".")
