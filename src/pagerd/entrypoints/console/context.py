"""What every console route shares: the container, sessions, templates and response helpers.

Routes are synchronous (they run in the ASGI server's thread pool, like the rest of pagerd)
and build every response through `page`, `redirect` or `fragment`, which add the security
headers and, when asked, the session cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import quote
from uuid import UUID

import jinja2
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pagerd.bootstrap import Container
from pagerd.domain.context import detail_lines
from pagerd.domain.roles import PERMISSION_SUMMARY, Permission
from pagerd.entrypoints.console import formatting
from pagerd.entrypoints.console.devices import DeviceCookies
from pagerd.entrypoints.console.ratelimit import SignInLimiter
from pagerd.entrypoints.console.security import with_security_headers
from pagerd.entrypoints.console.sessions import COOKIE_NAME, Session, SessionCodec
from pagerd.entrypoints.console.views import parse_uuid
from pagerd.service_layer.passwords import PasswordHasher
from pagerd.service_layer.ports import UnitOfWork
from pagerd.service_layer.sessions import signed_in_user

# Confirmations after a redirect, chosen by key: no user text is ever reflected from the URL.
NOTICES = {
    "created": "Service created. Set up its escalation policy below so that alerts page someone.",
    "policy_saved": "Escalation policy saved. It applies from the next alert on.",
    "key_rotated": "New integration key made. Update your integrations before the old key stops.",
    "healthy": "Service marked healthy. Its alert is resolved and escalation stopped.",
    "acknowledged": "Alert acknowledged. Escalation stopped; the service stays unhealthy "
    "until it is marked healthy.",
    "resolved": "Incident resolved. Escalation stopped.",
    "escalated": "Escalated: the next level is being paged now.",
    "noted": "Note added to the timeline.",
    "user_created": "User created.",
    "user_updated": "User updated.",
    "user_deleted": "User deleted, with their API tokens and sessions.",
    "override": "Override saved: the schedule below shows it.",
    "maintenance": "Maintenance window saved. Alerts inside it are recorded and page nobody.",
    "maintenance_deleted": "Maintenance window deleted. An incident it held pages now.",
}


# Last path segments of form actions whose page is the path before them.
FORM_ACTIONS = frozenset(
    {
        "acknowledge",
        "healthy",
        "policy",
        "disable",
        "enable",
        "role",
        "delete",
        "resolve",
        "escalate",
        "notes",
    }
)
PROFILE_PATH = "/profile"


class ConsoleForm(BaseModel):
    """Any form the console posts: every field arrives as text, the CSRF token among them."""

    model_config = ConfigDict(extra="allow")

    csrf_token: str = ""

    def fields(self) -> dict[str, str]:
        """The submitted fields; a repeated field keeps its last value."""
        found: dict[str, str] = {"csrf_token": self.csrf_token}
        for key, value in (self.model_extra or {}).items():
            last = value[-1] if isinstance(value, list) and value else value
            found[key] = last if isinstance(last, str) else ""
        return found


class FormTarget(NamedTuple):
    """What a form posted about one thing may act with: the signed-in session and the id."""

    session: Session
    id: UUID


def template_environment() -> jinja2.Environment:
    """The console's templates, autoescaped, failing loudly on an undefined name."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pagerd.entrypoints.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_when_for_viewer,
        iso=formatting.iso,
        status_label=formatting.status_label,
        level_label=formatting.level_label,
        detail_rows=detail_lines,
        duration=formatting.duration,
        seconds_duration=lambda seconds: formatting.duration(timedelta(seconds=seconds)),
    )
    return env


@jinja2.pass_context
def _when_for_viewer(context: jinja2.runtime.Context, moment: datetime | None) -> str:
    """`when` in the time zone of the page's reader (`viewer_zone`, set by `page`)."""
    zone = context.get("viewer_zone")
    return formatting.when(moment, zone if isinstance(zone, str) else None)


@dataclass
class ConsoleContext:
    """The console's dependencies, built once by `build_console`."""

    container: Container
    codec: SessionCodec
    limiter: SignInLimiter
    devices: DeviceCookies
    templates: jinja2.Environment
    asset_version: str
    password_hasher: PasswordHasher

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure when people reach pagerd over https."""
        return self.container.public_url.lower().startswith("https://")

    def now(self) -> datetime:
        """The container's clock."""
        return self.container.clock.now()

    def uow(self) -> UnitOfWork:
        """The request's unit of work (entered once per transaction it runs)."""
        return self.container.uow_factory()

    def session(self, request: Request) -> Session | None:
        """The visitor's valid session, signed in or not, or None.

        A cookie naming a session row is checked against the table on every request: once
        the row is gone (sign-out, user disabled or deleted, new password) or its user is
        disabled, the visitor has no session at all and is asked to sign in again.
        """
        session = self.codec.loads(request.cookies.get(COOKIE_NAME), self.now())
        if session is None or session.secret is None:
            return session
        user = signed_in_user(self.uow(), self.container.clock, session.secret)
        return replace(session, user=user) if user is not None else None

    def user_session(self, request: Request) -> Session | None:
        """The session of a signed-in user, or None (then send them to sign in)."""
        session = self.session(request)
        return session if session is not None and session.signed_in else None

    def form_session(
        self, request: Request, form: ConsoleForm, needs: Permission = Permission.CONFIGURE
    ) -> Session | Response:
        """The signed-in session a posted form acts for, or the answer that refuses the form:
        to the sign-in page without a session, 403 without this session's CSRF token or
        when the user's role lacks `needs` (by default: admins only)."""
        session = self.user_session(request)
        if session is None:
            return self.sign_in_redirect(request)
        if not session.csrf_matches(form.csrf_token):
            return self.csrf_rejected(request, session)
        if not session.can(needs):
            return self.forbidden(request, session, needs)
        return session

    def page_session(
        self, request: Request, needs: Permission = Permission.READ
    ) -> Session | Response:
        """The signed-in session a page is shown to, or the answer instead: to the sign-in
        page without a session, 403 when the user's role lacks `needs`."""
        session = self.user_session(request)
        if session is None:
            return self.sign_in_redirect(request)
        if not session.can(needs):
            return self.forbidden(request, session, needs)
        return session

    def form_target(
        self,
        request: Request,
        form: ConsoleForm,
        raw_id: str,
        what: str,
        needs: Permission = Permission.CONFIGURE,
    ) -> FormTarget | Response:
        """`form_session`, then the id of the `what` in the path (404 when it is not an id)."""
        session = self.form_session(request, form, needs)
        if isinstance(session, Response):
            return session
        found = parse_uuid(raw_id)
        if found is None:
            return self.not_found(request, session, what)
        return FormTarget(session, found)

    def page(
        self,
        request: Request,
        template: str,
        session: Session | None,
        status: int = 200,
        set_session: Session | None = None,
        **values: Any,
    ) -> Response:
        """Render a template into a response; `set_session` also (re)writes the cookie."""
        values.setdefault("notice", NOTICES.get(request.query_params.get("done", "")))
        reader = set_session or session
        viewer_zone = reader.user.time_zone if reader is not None and reader.user else None
        html = self.templates.get_template(template).render(
            request_path=request.url.path,
            session=reader,
            viewer_zone=viewer_zone,
            zone_label=formatting.zone_label(viewer_zone),
            now=self.now(),
            ago=formatting.ago,
            asset_version=self.asset_version,
            operator_warnings=self.container.operator_warnings,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        if set_session is not None:
            self.set_cookie(response, set_session)
        return with_security_headers(response)

    def redirect(self, url: str, set_session: Session | None = None) -> Response:
        """303 See Other (after a POST, the browser GETs `url`)."""
        response = RedirectResponse(url, status_code=303)
        if set_session is not None:
            self.set_cookie(response, set_session)
        return with_security_headers(response)

    def sign_in_redirect(self, request: Request) -> Response:
        """Send a visitor without a session to the sign-in page, coming back here after.

        A form posted after the session ended changed nothing; the visitor comes back to the
        page the form was on (`/alerts/<id>` for `/alerts/<id>/acknowledge`) to try again.
        """
        if request.method == "POST":
            path, _, action = request.url.path.rpartition("/")
            target = path if action in FORM_ACTIONS else request.url.path
            if target.startswith(PROFILE_PATH + "/"):
                target = PROFILE_PATH  # every profile form is on the profile page
            return self.redirect("/sign-in?expired=1&next=" + quote(target, safe=""))
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return self.redirect("/sign-in?next=" + quote(target, safe=""))

    def set_cookie(self, response: Response, session: Session) -> None:
        """Write the session cookie: HttpOnly, SameSite=Lax, Secure over https."""
        response.set_cookie(
            COOKIE_NAME,
            self.codec.dumps(session),
            max_age=int(self.codec.lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )

    def clear_cookie(self, response: Response) -> None:
        """Forget the session in this browser."""
        response.delete_cookie(
            COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=self.secure_cookies
        )

    def error_page(
        self, request: Request, session: Session | None, status: int, title: str, message: str
    ) -> Response:
        """A page that says what went wrong and what to do; nothing was changed."""
        return self.page(
            request, "error.html", session, status=status, title=title, message=message
        )

    def csrf_rejected(self, request: Request, session: Session | None) -> Response:
        """403 for a form without this session's token: it changed nothing."""
        return self.error_page(
            request,
            session,
            403,
            "This form has expired",
            "Nothing was changed. Go back, reload the page and submit the form again.",
        )

    def forbidden(self, request: Request, session: Session, needs: Permission) -> Response:
        """403 for a user whose role does not allow this: nothing was changed."""
        role = session.user.role.value if session.user is not None else "visitor"
        return self.error_page(
            request,
            session,
            403,
            "Not allowed for your role",
            f"This needs {PERMISSION_SUMMARY[needs]}; you are a {role}. Nothing was changed. "
            "Ask an admin if you need more access.",
        )

    def not_found(self, request: Request, session: Session | None, what: str) -> Response:
        """404 for an id that does not exist (or is not an id)."""
        return self.error_page(
            request, session, 404, f"No such {what}", f"This {what} does not exist (any more)."
        )
