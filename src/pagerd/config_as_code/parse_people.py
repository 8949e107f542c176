"""Parsing the `users:` section of a configuration file.

    users:
      - name: alice                   # matched by name; created without a password
        contact_methods:
          - {type: email, address: alice@example.com, label: work}
          - {type: sms, address: "+14155550123"}
        notification_rules:           # optional: without rules, every method at once
          - {address: alice@example.com, delay_minutes: 0}
          - {address: "+14155550123", delay_minutes: 5}

Addresses and rules are checked by the domain (`build_contact_method`, `build_rules`), so a
file and the API accept exactly the same methods and rules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from yaml.nodes import Node

from pagerd.config_as_code.model import DeclaredContactMethod, DeclaredRule, DeclaredUser
from pagerd.config_as_code.nodes import NodeReader
from pagerd.domain.accounts import name_problem
from pagerd.domain.errors import InvalidRequest
from pagerd.domain.people import RuleSpec, build_contact_method, build_rules

# Only checked, then thrown away: their creation time means nothing.
_CHECKED_AT = datetime(1970, 1, 1, tzinfo=UTC)


def parse_users(reader: NodeReader, node: Node) -> tuple[DeclaredUser, ...]:
    """Every declared user; problems go to `reader`. Names must be unique."""
    items = reader.sequence(node, "users") or []
    users = [_user(reader, item, f"users[{i}]") for i, item in enumerate(items)]
    reader.check_unique(users, items, "users", lambda u: u.name)
    return tuple(u for u in users if u is not None)


def _user(reader: NodeReader, node: Node, path: str) -> DeclaredUser | None:
    allowed = ("name", "contact_methods", "notification_rules")
    fields = reader.mapping(node, path, allowed, required=("name",))
    if fields is None or "name" not in fields:
        return None
    name = reader.string(fields["name"], f"{path}.name")
    if name is not None and (problem := name_problem(name)) is not None:
        reader.fail(f"{path}.name", fields["name"], problem)
        name = None
    methods = _methods(reader, fields.get("contact_methods"), f"{path}.contact_methods")
    rules = _rules(reader, fields.get("notification_rules"), f"{path}.notification_rules")
    if name is None or methods is None or rules is None:
        return None
    _check_rules(reader, methods, rules, fields.get("notification_rules"), path)
    return DeclaredUser(name, methods, rules)


def _methods(
    reader: NodeReader, node: Node | None, path: str
) -> tuple[DeclaredContactMethod, ...] | None:
    if node is None:
        return ()
    found = []
    for i, item in enumerate(reader.sequence(node, path) or []):
        where = f"{path}[{i}]"
        fields = reader.mapping(item, where, ("type", "address", "label"), ("type", "address"))
        if fields is None or not {"type", "address"} <= set(fields):
            return None
        kind = reader.string(fields["type"], f"{where}.type")
        address = reader.string(fields["address"], f"{where}.address")
        label = reader.string(fields["label"], f"{where}.label") if "label" in fields else ""
        if kind is None or address is None or label is None:
            return None
        try:
            built = build_contact_method(uuid4(), kind, address, label, _CHECKED_AT)
        except InvalidRequest as exc:
            for detail in exc.details:
                reader.fail(
                    f"{where}.{detail.field}", fields.get(detail.field, item), detail.message
                )
            return None
        found.append(DeclaredContactMethod(built.channel.value, built.address, built.label))
    return tuple(found)


def _rules(reader: NodeReader, node: Node | None, path: str) -> tuple[DeclaredRule, ...] | None:
    if node is None:
        return ()
    found = []
    for i, item in enumerate(reader.sequence(node, path) or []):
        where = f"{path}[{i}]"
        fields = reader.mapping(item, where, ("address", "delay_minutes"), ("address",))
        if fields is None or "address" not in fields:
            return None
        address = reader.string(fields["address"], f"{where}.address")
        delay_node = fields.get("delay_minutes")
        delay = 0 if delay_node is None else reader.integer(delay_node, f"{where}.delay_minutes")
        if address is None or delay is None:
            return None
        found.append(DeclaredRule(address, delay))
    return tuple(found)


def _check_rules(
    reader: NodeReader,
    methods: tuple[DeclaredContactMethod, ...],
    rules: tuple[DeclaredRule, ...],
    node: Node | None,
    path: str,
) -> None:
    if not rules:
        return
    ids = {m.address: uuid4() for m in methods}
    specs = [RuleSpec(ids.get(r.address, uuid4()), r.delay_minutes) for r in rules]
    try:
        build_rules(specs, set(ids.values()))
    except InvalidRequest as exc:
        for detail in exc.details:
            field = detail.field.replace("rules", "notification_rules", 1)
            field = field.replace(".contact_method_id", ".address")
            message = detail.message.replace("contact methods", "contact_methods (by address)")
            reader.fail(f"{path}.{_brackets(field)}", node, message)


def _brackets(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[0] + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
