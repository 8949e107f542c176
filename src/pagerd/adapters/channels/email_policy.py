"""The `email` package's default policy, with what it recomputes for every message cached.

Composing and flattening an e-mail page with `email.policy.default` cost about 3.5 ms of
CPU, twenty times the rendering of its text and HTML: for every header set, the header
registry creates a new class (`type(...)`) and parses the value into a tree, and
flattening folds every header again from its tree. Most of a page's headers are the same in
every message (`From`, `MIME-Version`, `Auto-Submitted`, each part's `Content-Type` and
`Content-Transfer-Encoding`) or for every message to one recipient (`To`).

`CACHING_POLICY` is `email.policy.default` with three memos, each of a pure function of its
key, so a message is byte for byte what the default policy makes of it:

- one header class per header name (the registry's classes hold no state);
- the parsed header of a (name, value) pair: header objects are immutable strings with
  their parse tree, so one object serves every message carrying that header;
- the folded bytes of a parsed header, kept on the header object itself (so keyed by its
  parse tree, not by its decoded text) by the policy's folding settings (line length, line
  separator, UTF-8, transfer encoding, refolding).

The parsed headers (and so their foldings) kept are the `CACHED_HEADERS` most recently
used: per-message values (`Subject`, `Date`, `Message-ID`, the multipart boundary) pass
through without growing memory or pushing out the headers every message carries. Safe from
several sender threads.

`multipart_boundary` makes a boundary as the `email` generator does (15 `=`, 19 random
digits, `==`), checked against the parts with a substring test: the generator compiles a
regular expression per message for that check, a fifth of a message's cost.
"""

from __future__ import annotations

import random
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy
from typing import Any, Generic, TypeVar

CACHED_HEADERS = 1024

T = TypeVar("T")


class BoundedMemo(Generic[T]):
    """Values by key, the `size` most recently used (a value made by several threads at
    once is made twice, one kept: a waste, never a wrong value)."""

    def __init__(self, size: int = CACHED_HEADERS) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value of `key`, made by `make()` when not held."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)


class CachingHeaderRegistry(HeaderRegistry):
    """The default header registry, making each header class once and parsing each
    (name, value) once."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._headers: BoundedMemo[BaseHeader] = BoundedMemo()

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: Any) -> BaseHeader:
        # Only plain strings are keys: anything else is parsed every time, as by default.
        if type(value) is not str:
            return self[name](name, value)
        return self._headers.get((name, value), lambda: self[name](name, value))


class CachingEmailPolicy(EmailPolicy):
    """`EmailPolicy` whose folding of parsed headers is memoised (see the module)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if not isinstance(value, BaseHeader) or value.name != name:
            return super().fold_binary(name, value)
        # A header folds from its own parse tree and the policy's settings: its foldings
        # live as long as it does (a header made per message goes with its message).
        folded: dict[tuple[object, ...], bytes] = vars(value).setdefault(_FOLDED, {})
        key = (self.max_line_length, self.linesep, self.utf8, self.cte_type, self.refold_source)
        try:
            return folded[key]
        except KeyError:
            result = folded[key] = super().fold_binary(name, value)
            return result


_FOLDED = "_pagerd_folded"

CACHING_POLICY = CachingEmailPolicy(header_factory=CachingHeaderRegistry())
"""`email.policy.default`, memoised: the policy of every e-mail page."""


def multipart_boundary(*parts: str) -> str:
    """A random multipart boundary in the `email` generator's form, in none of `parts`."""
    while True:
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="  # noqa: S311 (as email's)
        if not any(boundary in part for part in parts):
            return boundary
