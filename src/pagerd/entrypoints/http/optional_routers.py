"""Routers that other parts of pagerd provide, included when their modules exist.

`acknowledge_links` (acknowledge by a signed link from a message) and `twilio_replies`
(acknowledge by replying to an SMS) each expose `build_router(container) -> APIRouter`.
"""

import logging
from importlib import import_module

from fastapi import APIRouter

from pagerd.bootstrap import Container

log = logging.getLogger("pagerd.http")

OPTIONAL_ROUTERS = (
    "pagerd.entrypoints.http.acknowledge_links",
    "pagerd.entrypoints.http.twilio_replies",
)


def optional_routers(container: Container) -> list[APIRouter]:
    """The routers of OPTIONAL_ROUTERS whose module is present."""
    found: list[APIRouter] = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the module exists but one of its own imports is missing: a real bug
            # TODO(http): drop this guard once both modules have landed.
            log.debug("optional router %s is not installed", name)
            continue
        found.append(module.build_router(container))
    return found
