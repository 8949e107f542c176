"""Parsing a service's `maintenance_windows:` and `heartbeats:` in a configuration file.

    services:
      - name: backups
        maintenance_windows:        # optional: without it, the service's windows are left alone
          - {start: "2026-12-24T18:00:00+01:00", end: "2026-12-27T09:00:00+01:00",
             reason: "datacenter move"}          # reason optional
        heartbeats:                 # optional: without it, the service's heartbeats are left alone
          - {name: nightly-backup, interval_seconds: 86400, grace_seconds: 3600}  # grace optional

The same limits as the HTTP API: a window ends after it starts and lasts at most 366 days,
its reason has at most 500 characters; a heartbeat's interval is 60 seconds to 366 days and
its grace 0 to 86400. Within a service, windows (by start and end) and heartbeats (by name)
are unique. Whether a window has already ended is decided when the file is applied.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from yaml.nodes import Node

from pagerd.config_as_code.nodes import NodeReader
from pagerd.config_as_code.upkeep_model import DeclaredHeartbeat, DeclaredWindow
from pagerd.domain.heartbeat import MAX_GRACE, MIN_INTERVAL
from pagerd.domain.maintenance import MAX_LENGTH, MAX_REASON_LENGTH
from pagerd.service_layer.heartbeats import MAX_NAME_LENGTH

_MIN_INTERVAL = int(MIN_INTERVAL.total_seconds())
_MAX_GRACE = int(MAX_GRACE.total_seconds())
_MAX_INTERVAL = int(timedelta(days=366).total_seconds())  # as the HTTP API


class UpkeepReader(NodeReader):
    """Reads windows and heartbeats; mixed into the configuration parser."""

    def windows(self, node: Node, path: str) -> tuple[DeclaredWindow, ...] | None:
        items = self.sequence(node, path)
        if items is None:
            return None
        found = [self.window(n, f"{path}[{i}]") for i, n in enumerate(items)]
        self.check_unique(found, items, path, lambda w: w.span, "", "start and end")
        return None if None in found else tuple(w for w in found if w is not None)

    def window(self, node: Node, path: str) -> DeclaredWindow | None:
        fields = self.mapping(node, path, ("start", "end", "reason"), ("start", "end"))
        if fields is None or not {"start", "end"} <= fields.keys():
            return None
        start = self.instant(fields["start"], f"{path}.start")
        end = self.instant(fields["end"], f"{path}.end")
        reason = self.string(fields["reason"], f"{path}.reason") if "reason" in fields else None
        if start is None or end is None or ("reason" in fields and reason is None):
            return None
        if end <= start:
            self.fail(f"{path}.end", fields["end"], "must be after start")
        elif end - start > MAX_LENGTH:
            self.fail(f"{path}.end", fields["end"], "a window lasts at most 366 days")
        elif reason is not None and len(reason) > MAX_REASON_LENGTH:
            limit = f"has at most {MAX_REASON_LENGTH} characters"
            self.fail(f"{path}.reason", fields["reason"], limit)
        else:
            return DeclaredWindow(start.astimezone(UTC), end.astimezone(UTC), reason)
        return None

    def heartbeats(self, node: Node, path: str) -> tuple[DeclaredHeartbeat, ...] | None:
        items = self.sequence(node, path)
        if items is None:
            return None
        found = [self.heartbeat(n, f"{path}[{i}]") for i, n in enumerate(items)]
        self.check_unique(found, items, path, lambda h: h.name)
        return None if None in found else tuple(h for h in found if h is not None)

    def heartbeat(self, node: Node, path: str) -> DeclaredHeartbeat | None:
        keys = ("name", "interval_seconds", "grace_seconds")
        fields = self.mapping(node, path, keys, ("name", "interval_seconds"))
        if fields is None or not {"name", "interval_seconds"} <= fields.keys():
            return None
        name = self.string(fields["name"], f"{path}.name")
        interval = self.integer(fields["interval_seconds"], f"{path}.interval_seconds")
        grace_node = fields.get("grace_seconds")
        grace = 0 if grace_node is None else self.integer(grace_node, f"{path}.grace_seconds")
        if name is None or interval is None or grace is None:
            return None
        problems_before = len(self.problems)
        if len(name) > MAX_NAME_LENGTH:
            self.fail(f"{path}.name", fields["name"], f"has 1 to {MAX_NAME_LENGTH} characters")
        if not _MIN_INTERVAL <= interval <= _MAX_INTERVAL:
            where = f"{path}.interval_seconds"
            self.fail(where, fields["interval_seconds"], f"must be between 60 and {_MAX_INTERVAL}")
        if not 0 <= grace <= _MAX_GRACE:
            self.fail(f"{path}.grace_seconds", grace_node, f"must be between 0 and {_MAX_GRACE}")
        if len(self.problems) > problems_before:
            return None
        return DeclaredHeartbeat(name, interval, grace)
