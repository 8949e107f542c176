"""Acknowledge links: `GET /ack/{token}` asks, `POST /ack/{token}` acknowledges.

GET changes nothing, because mail scanners and chat previews fetch links by themselves; the
page it shows has a button that POSTs to the same URL. An expired, altered or mismatched
token gets a page that says so, a 4xx status, and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from pagerd.bootstrap import Container
from pagerd.domain.errors import AlertAlreadyResolved
from pagerd.service_layer.ack_tokens import (
    AckLinkSigner,
    AckLinkView,
    InvalidAckToken,
    LinkNotForAlert,
    TokenProblem,
    acknowledge_by_link,
    inspect_ack_link,
)
from pagerd.service_layer.errors import NotFound

# The token is a capability: keep it out of caches, search engines and Referer headers.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
_TOKEN_REFUSALS = {
    TokenProblem.MALFORMED: (
        404,
        "Unknown link",
        "This is not a pagerd acknowledge link. Check that it was copied whole.",
    ),
    TokenProblem.TAMPERED: (
        403,
        "Invalid link",
        "This link's signature does not match: it was altered, or signed with another key.",
    ),
    TokenProblem.EXPIRED: (
        410,
        "Link expired",
        "This acknowledge link has expired. Use the link of a more recent page.",
    ),
}

_HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "The link was altered, or not issued for this alert", "content": _HTML},
    404: {"description": "Not a pagerd link, or the alert no longer exists", "content": _HTML},
    410: {"description": "The link has expired", "content": _HTML},
}


AckToken = Annotated[
    str, Path(description="The signed token of the link a page carried (alert, target, expiry).")
]


def build_router(container: Container) -> APIRouter:
    """The two routes of acknowledge links, over `container`'s units of work and clock."""
    router = APIRouter(tags=["acknowledge links"])
    signer = AckLinkSigner(container.secret_key)
    pages = _Pages()

    @router.get("/ack/{token}", response_class=HTMLResponse, responses={**_REFUSED})
    def show_acknowledge_page(token: AckToken) -> HTMLResponse:
        """A confirmation page for the alert the link names; changes nothing."""
        try:
            view = inspect_ack_link(container.uow_factory(), container.clock, signer, token)
        except (InvalidAckToken, LinkNotForAlert, NotFound) as exc:
            return pages.refused(exc)
        return pages.render("confirm.html", 200, view)

    @router.post(
        "/ack/{token}",
        response_class=HTMLResponse,
        responses={
            **_REFUSED,
            409: {"description": "The alert is already resolved", "content": _HTML},
        },
    )
    def acknowledge_with_link(token: AckToken) -> HTMLResponse:
        """Acknowledge the alert the link names (idempotent) and show the result."""
        try:
            view = acknowledge_by_link(container.uow_factory(), container.clock, signer, token)
        except (InvalidAckToken, LinkNotForAlert, NotFound, AlertAlreadyResolved) as exc:
            return pages.refused(exc)
        return pages.render("done.html", 200, view)

    return router


class _Pages:
    """The HTML answers, rendered with autoescape."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("pagerd.entrypoints.http", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
        )

    def render(self, name: str, status: int, view: AckLinkView) -> HTMLResponse:
        html = self._env.get_template(f"ack/{name}").render(
            alert=view.alert,
            service_name=view.service_name,
            target=view.target,
            since=view.alert.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            console_url=f"/alerts/{view.alert.id}",
        )
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    def refused(self, exc: Exception) -> HTMLResponse:
        status, title, explanation = _refusal(exc)
        html = self._env.get_template("ack/refused.html").render(
            title=title, explanation=explanation
        )
        return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _refusal(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, InvalidAckToken):
        return _TOKEN_REFUSALS[exc.problem]
    if isinstance(exc, LinkNotForAlert):
        return 403, "Link not valid for this alert", "This link was not issued for this alert."
    if isinstance(exc, AlertAlreadyResolved):
        return 409, "Alert already resolved", "This alert is resolved: nothing to acknowledge."
    return 404, "Alert not found", "The alert this link was issued for no longer exists."
