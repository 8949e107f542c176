"""Running a use case again when its transaction lost a race."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pagerd.service_layer.errors import ConcurrencyConflict

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 10


def retry_on_conflict(use_case: Callable[P, R]) -> Callable[P, R]:
    """Re-run `use_case` from the start when it raises ConcurrencyConflict.

    Safe because a use case is one transaction: a lost race rolled everything back, and the
    next run sees the winner's state (typically turning a second open into a dedup).
    """

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for _ in range(MAX_ATTEMPTS - 1):
            try:
                return use_case(*args, **kwargs)
            except ConcurrencyConflict:
                continue
        return use_case(*args, **kwargs)

    return run
