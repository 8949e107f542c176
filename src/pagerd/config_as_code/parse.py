"""Parsing a configuration file into a Configuration, or naming every mistake in it.

The format (documented in docs/operations.md; schedules: see schedule_parse.py):

    version: 1                      # optional
    users: [...]                    # optional, see parse_people.py
    services:
      - name: checkout
        integration_key: 0123456789abcdef0123456789abcdef   # optional: keep senders working
        escalation_policy:          # optional: without it the service's policy is left alone
          repeat: 0                 # optional, 0..9
          levels:
            - ack_timeout_seconds: 300    # optional, default 900
              targets:
                - {type: email, email: oncall@example.com}
                - {type: sms, phone_number: "+5492664295169"}
                - {type: webhook, url: https://hooks.example.com/pagerd}
                - {type: user, user: alice}  # a person (see users:), by their rules
                - {type: schedule, schedule: Primary}  # whoever Primary has on call
                - schedule: Primary         # the same: `type` may be left out
        maintenance_windows: [...]  # optional, see upkeep_parse.py
        heartbeats: [...]           # optional, see upkeep_parse.py

Structure and types are checked here; the escalation rules themselves (ranges, address
formats, limits) are the domain's `build_policy`, so a file and the HTTP API accept exactly
the same policies.
"""

from __future__ import annotations

import re
from uuid import uuid4

import yaml
from yaml.nodes import Node

from pagerd.config_as_code.errors import InvalidConfiguration, Problem
from pagerd.config_as_code.model import (
    FORMAT_VERSION,
    Configuration,
    DeclaredLevel,
    DeclaredPolicy,
    DeclaredService,
    DeclaredTarget,
    target_address_field,
)
from pagerd.config_as_code.nodes import is_null
from pagerd.config_as_code.parse_people import parse_users
from pagerd.config_as_code.schedule_parse import ScheduleReader
from pagerd.config_as_code.upkeep_parse import UpkeepReader
from pagerd.domain.channels import policy_channels
from pagerd.domain.errors import InvalidPolicy
from pagerd.domain.policy import DEFAULT_ACK_TIMEOUT, SCHEDULE_TARGET, USER_TARGET, build_policy
from pagerd.service_layer.services import MAX_NAME_LENGTH

_DEFAULT_TIMEOUT = int(DEFAULT_ACK_TIMEOUT.total_seconds())
_TYPE_NAMES = (*(c.value for c in policy_channels()), USER_TARGET, SCHEDULE_TARGET)
_TYPES = ", ".join(_TYPE_NAMES)
# A target without `type` is known by its one address key: `schedule: Primary` (a key two
# channels share, such as `url`, names neither: such a target needs its `type`).
_FIELD_OF = {kind: target_address_field(kind) for kind in _TYPE_NAMES}
_ADDRESS_FIELDS = tuple(dict.fromkeys(_FIELD_OF.values()))
_TYPE_OF_FIELD = {f: k for k, f in _FIELD_OF.items() if list(_FIELD_OF.values()).count(f) == 1}
# Keys pagerd makes are 32 hex characters; keys brought from elsewhere may differ, within
# what the database stores and what survives a URL query string.
_KEY = re.compile(r"[A-Za-z0-9_\-.~]{16,64}")
_KEY_RULE = "16 to 64 letters, digits or - _ . ~ (as `pagerd export --include-secrets` writes)"


def parse_configuration(text: str) -> Configuration:
    """Read a configuration file's text; raise InvalidConfiguration naming lines and fields."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InvalidConfiguration([_yaml_problem(exc)]) from exc
    if root is None:
        raise InvalidConfiguration([Problem("", "the file is empty; it must declare services:")])
    parser = _Parser()
    configuration = parser.document(root)
    if parser.problems or configuration is None:
        raise InvalidConfiguration(parser.problems)
    return configuration


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return Problem("", f"not valid YAML: {reason}")
    return Problem("", f"not valid YAML (column {mark.column + 1}): {reason}", mark.line + 1)


class _Parser(ScheduleReader, UpkeepReader):
    def document(self, root: Node) -> Configuration | None:
        fields = self.mapping(root, "", ("version", "users", "services", "schedules"))
        if fields is None:
            return None
        if "services" not in fields and "schedules" not in fields:
            self.fail("services", root, "is required (or schedules:)")
            return None
        if "version" in fields:
            version = self.integer(fields["version"], "version")
            if version is not None and version != FORMAT_VERSION:
                self.fail("version", fields["version"], f"must be {FORMAT_VERSION}")
        items = self.sequence(fields["services"], "services") if "services" in fields else []
        if items is None:
            return None
        services = [self.service(node, f"services[{i}]") for i, node in enumerate(items)]
        self._check_unique_names(services, items)
        schedules = self.schedules(fields["schedules"]) if "schedules" in fields else []
        users = parse_users(self, fields["users"]) if "users" in fields else ()
        return Configuration(tuple(s for s in services if s is not None), tuple(schedules), users)

    def service(self, node: Node, path: str) -> DeclaredService | None:
        allowed = (
            "name", "integration_key", "escalation_policy", "maintenance_windows", "heartbeats",
        )  # fmt: skip
        fields = self.mapping(node, path, allowed, required=("name",))
        if fields is None or "name" not in fields:
            return None
        name = self.string(fields["name"], f"{path}.name")
        if name is not None and len(name) > MAX_NAME_LENGTH:
            self.fail(
                f"{path}.name", fields["name"], f"must have at most {MAX_NAME_LENGTH} characters"
            )
        policy_node = fields.get("escalation_policy")
        policy = None if is_null(policy_node) else self.policy(policy_node, path)
        key = self.integration_key(fields.get("integration_key"), f"{path}.integration_key")
        windows_node, heartbeats_node = fields.get("maintenance_windows"), fields.get("heartbeats")
        windows = heartbeats = None
        if not is_null(windows_node):
            assert windows_node is not None
            windows = self.windows(windows_node, f"{path}.maintenance_windows")
        if not is_null(heartbeats_node):
            assert heartbeats_node is not None
            heartbeats = self.heartbeats(heartbeats_node, f"{path}.heartbeats")
        if name is None:
            return None
        return DeclaredService(name, policy, key, windows, heartbeats)

    def integration_key(self, node: Node | None, path: str) -> str | None:
        if node is None:
            return None
        key = self.string(node, path)
        if key is not None and not _KEY.fullmatch(key):
            self.fail(path, node, f"must be {_KEY_RULE}")
            return None
        return key

    def policy(self, node: Node | None, service_path: str) -> DeclaredPolicy | None:
        path = f"{service_path}.escalation_policy"
        assert node is not None
        fields = self.mapping(node, path, ("repeat", "levels"), required=("levels",))
        if fields is None or "levels" not in fields:
            return None
        repeat = self.integer(fields["repeat"], f"{path}.repeat") if "repeat" in fields else 0
        items = self.sequence(fields["levels"], f"{path}.levels")
        levels = [self.level(n, f"{path}.levels[{i}]") for i, n in enumerate(items or [])]
        if items is None or repeat is None or any(level is None for level in levels):
            return None
        declared = DeclaredPolicy(tuple(lv for lv in levels if lv is not None), repeat)
        return self._check_rules(declared, node, path)

    def level(self, node: Node, path: str) -> DeclaredLevel | None:
        fields = self.mapping(node, path, ("ack_timeout_seconds", "targets"), ("targets",))
        if fields is None or "targets" not in fields:
            return None
        timeout_node = fields.get("ack_timeout_seconds")
        timeout = (
            _DEFAULT_TIMEOUT
            if timeout_node is None
            else self.integer(timeout_node, f"{path}.ack_timeout_seconds")
        )
        items = self.sequence(fields["targets"], f"{path}.targets")
        targets = [self.target(n, f"{path}.targets[{i}]") for i, n in enumerate(items or [])]
        if items is None or timeout is None or any(t is None for t in targets):
            return None
        return DeclaredLevel(timeout, tuple(t for t in targets if t is not None))

    def target(self, node: Node, path: str) -> DeclaredTarget | None:
        known = ("type", *_ADDRESS_FIELDS)
        fields = self.mapping(node, path, known)
        if fields is None:
            return None
        channel = self._target_type(node, fields, path)
        if channel is None:
            return None
        if channel not in _TYPE_NAMES:
            self.fail(f"{path}.type", fields["type"], f"must be one of {_TYPES}")
            return None
        address_field = target_address_field(channel)
        for other in set(fields) - {"type", address_field}:
            self.fail(f"{path}.{other}", fields[other], f"does not belong to a {channel} target")
        if address_field not in fields:
            self.fail(f"{path}.{address_field}", node, f"is required for a {channel} target")
            return None
        address = self.string(fields[address_field], f"{path}.{address_field}")
        return None if address is None else DeclaredTarget(channel, address)

    def _target_type(self, node: Node, fields: dict[str, Node], path: str) -> str | None:
        """The target's type, lower case: as written, or known by its one address key."""
        if "type" not in fields:
            addresses = [key for key in fields if key in _TYPE_OF_FIELD]
            if len(addresses) == 1:
                return _TYPE_OF_FIELD[addresses[0]]
            self.fail(f"{path}.type", node, f"is required (one of {_TYPES})")
            return None
        kind = self.string(fields["type"], f"{path}.type")
        return kind.lower() if kind is not None else None

    def _check_rules(
        self, declared: DeclaredPolicy, node: Node, path: str
    ) -> DeclaredPolicy | None:
        try:
            build_policy(uuid4(), declared.level_specs(), declared.repeat)
        except InvalidPolicy as exc:
            for detail in exc.details:
                field = f"{path}.{_brackets(detail.field)}"
                self.fail(field, _find(node, detail.field), detail.message)
            return None
        return declared

    def _check_unique_names(
        self, services: list[DeclaredService | None], nodes: list[Node]
    ) -> None:
        self.check_unique(services, nodes, "services", lambda s: s.name)
        keyed = [s if s is not None and s.integration_key else None for s in services]
        key = ".integration_key"
        self.check_unique(
            keyed, nodes, "services", lambda s: s.integration_key, key, "integration key"
        )


def _brackets(dotted: str) -> str:
    """`levels.0.targets.1.email` as `levels[0].targets[1].email`."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", dotted)


def _find(node: Node, dotted: str) -> Node:
    """The node at a domain field path below `node`, or the deepest one found on the way."""
    for part in dotted.split("."):
        value = node.value
        if isinstance(value, list) and part.isdigit() and value and isinstance(value[0], Node):
            if int(part) >= len(value):
                break
            node = value[int(part)]
        elif isinstance(value, list):
            matches = [v for k, v in value if isinstance(k, Node) and k.value == part]
            if not matches:
                break
            node = matches[0]
        else:
            break
    return node
