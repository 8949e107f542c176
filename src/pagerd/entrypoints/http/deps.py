"""What routes receive: one unit of work per request.

`UoW` is a FastAPI dependency: FastAPI calls it once per request and hands the same unit of
work to the authentication check and to the route. A unit of work belongs to one request; it
is never shared between requests. The container is the one `create_app` put on `app.state`.
"""

from typing import Annotated

from fastapi import Depends, Request

from pagerd.bootstrap import Container
from pagerd.service_layer.ports import UnitOfWork


def container_of(request: Request) -> Container:
    """The container of the application serving `request`."""
    container: Container = request.app.state.container
    return container


async def request_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work for this request.

    `async` because it does no I/O: FastAPI runs a plain `def` dependency on its thread
    pool, a hop per request that costs more than building the object.
    """
    return container_of(request).uow_factory()


UoW = Annotated[UnitOfWork, Depends(request_uow)]
