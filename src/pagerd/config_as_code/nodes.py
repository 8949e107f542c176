"""Reading a composed YAML node tree with paths and line numbers.

pagerd reads the node tree rather than the constructed Python objects so that every mistake
can name its field and line, and so that scalars keep their text: an unquoted phone number
such as +5492664295169 stays a string instead of becoming an integer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pagerd.config_as_code.errors import Problem

NULL_TAG = "tag:yaml.org,2002:null"
Item = TypeVar("Item")


class NodeReader:
    """Collects problems while a parser asks for typed values at paths."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, node: Node | None, message: str) -> None:
        """Record a problem at `path`, at the line of `node` when given."""
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(path, message, line))

    def mapping(
        self, node: Node, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Node] | None:
        """The keys of a mapping; unknown, duplicate or missing keys are problems."""
        if not isinstance(node, MappingNode):
            self.fail(path, node, "must be a mapping (key: value lines)")
            return None
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            child = _join(path, str(key))
            if key is None or key not in allowed:
                self.fail(child, key_node, f"unknown field; expected one of {', '.join(allowed)}")
            elif key in found:
                self.fail(child, key_node, "appears twice")
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.fail(_join(path, key), node, "is required")
        return found

    def sequence(self, node: Node, path: str) -> list[Node] | None:
        """The items of a list."""
        if not isinstance(node, SequenceNode):
            self.fail(path, node, "must be a list")
            return None
        return list(node.value)

    def string(self, node: Node, path: str) -> str | None:
        """A scalar's text, stripped; null and empty text are problems."""
        if not isinstance(node, ScalarNode) or node.tag == NULL_TAG or not node.value.strip():
            self.fail(path, node, "must be a non-empty text value")
            return None
        return str(node.value).strip()

    def instant(self, node: Node, path: str) -> datetime | None:
        """An ISO 8601 date-time with an offset (`Z` or `+01:00`), as an aware datetime."""
        text = self.string(node, path)
        try:
            value = datetime.fromisoformat(text) if text is not None else None
        except ValueError:
            value = None
        if text is not None and (value is None or value.tzinfo is None):
            self.fail(path, node, "must be an RFC 3339 instant with an offset, e.g. ...T18:00:00Z")
            return None
        return value

    def integer(self, node: Node, path: str) -> int | None:
        """A whole number (range checks belong to the domain rules)."""
        text = node.value if isinstance(node, ScalarNode) else None
        try:
            return int(str(text), 10)
        except ValueError:
            self.fail(path, node, "must be a whole number")
            return None

    def check_unique(
        self,
        found: Sequence[Item | None],
        nodes: Sequence[Node],
        path: str,
        key: Callable[[Item], Hashable],
        field: str = ".name",
        what: str = "name",
    ) -> None:
        """A problem for each item of the list at `path` whose key repeats an earlier one's
        ("services[3].name: repeats the name of services[0]"); None items are skipped."""
        first: dict[Hashable, int] = {}
        for index, item in enumerate(found):
            if item is None:
                continue
            seen = first.setdefault(key(item), index)
            if seen != index:
                message = f"repeats the {what} of {path}[{seen}]"
                self.fail(f"{path}[{index}]{field}", nodes[index], message)


def is_null(node: Node | None) -> bool:
    """Whether a value is absent or written as null (`~`, `null`, nothing)."""
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
