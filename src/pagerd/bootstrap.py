"""Wiring: turns Settings into the adapters every entry point shares.

The only module that chooses implementations. Entry points (HTTP app, console, workers, CLI)
receive a Container and never build engines or senders themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pagerd.config import Settings
from pagerd.domain.channels import Channel
from pagerd.service_layer.observability import NullObserver, Observer
from pagerd.service_layer.paging import Sender
from pagerd.service_layer.ports import Clock, UnitOfWork, WorkSignal


@dataclass
class Container:
    """What a running pagerd is made of.

    `uow_factory` returns a new unit of work (one per request or per worker thread: a unit of
    work is not shared between threads). `wakeup` is rung after commits that wrote due work.
    `observer` receives facts for metrics and logs.
    `is_ready` answers whether the database answers (for /readyz). `close` releases pools.
    """

    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    senders: Mapping[Channel, Sender]
    wakeup: WorkSignal
    public_url: str = "http://127.0.0.1:8080"
    observer: Observer = field(default_factory=NullObserver)
    is_ready: Callable[[], bool] = field(default=lambda: True)
    close: Callable[[], None] = field(default=lambda: None)
