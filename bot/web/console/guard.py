"""Who may use the console: a signed-in staff member, and for every POST the form's CSRF
token. Enforced once, as middleware around all console routes, so no route can forget.

    GET without a session  -> redirect to the login page
    POST without a session -> 403
    POST without the session's CSRF token, or from another site -> 403
"""

from __future__ import annotations

import hmac
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.storage.models import AuditEntry, StaffUser
from bot.web.console.pages import error_page

PREFIX = "/console"
LOGIN = f"{PREFIX}/login"
PUBLIC = {LOGIN}  # reachable without a session (POST still needs the CSRF token)
# What a trainer may open: the NLU inbox and signing out. Patient cases are for clinical
# staff (nurse, doctor) and admins only.
TRAINER_PATHS = (f"{PREFIX}/inbox", f"{PREFIX}/logout")
SESSION_HOURS = 12  # a shift: then staff sign in again, even if the cookie lives on
MAX_FORM = 64 * 1024  # bytes: a 4000-character note, percent-encoded, fits
# Forms that may carry a file (multipart), and how big it may be.
UPLOAD_PATHS = (f"{PREFIX}/statistics/import",)
MAX_UPLOAD = 2 * 1024 * 1024


def sign_in(request: Request, user: StaffUser, csrf: str) -> None:
    """A new session (nothing from before the login survives) with a fresh CSRF token."""
    request.session.clear()
    request.session.update({"staff_id": user.id, "staff_since": time.time(), "csrf": csrf})


def sign_out(request: Request) -> None:
    request.session.clear()


async def current_staff(request: Request) -> StaffUser | None:
    """The signed-in staff member, read afresh (a removed account is out at once)."""
    staff_id, since = request.session.get("staff_id"), request.session.get("staff_since")
    if not isinstance(staff_id, int) or not isinstance(since, (int, float)):
        return None
    if time.time() - since > SESSION_HOURS * 3600:
        return None
    return await request.app.state.console.run(_staff_signed_in, staff_id, since)


def _staff_signed_in(db, staff_id: int, since: float) -> StaffUser | None:
    """The session lives in the signed cookie, so signing out cannot delete it from the
    server: a session older than its owner's last sign-out (audit log) is refused instead."""
    with db.session() as session:
        user = session.get(StaffUser, staff_id)
        if user is None or session.scalars(select(AuditEntry.id).where(
                AuditEntry.actor == user.username, AuditEntry.action == "logout",
                AuditEntry.at > datetime.fromtimestamp(since, timezone.utc)).limit(1)).first():
            return None
        return user


class ConsoleGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope, receive)
        reading = request.method in ("GET", "HEAD")
        staff = await current_staff(request)
        if staff is None and request.url.path not in PUBLIC:
            response: Response = (RedirectResponse(LOGIN, 303) if reading else error_page(
                request, 403, "Your session has ended. Please sign in again."))
            return await response(scope, receive, send)
        scope.setdefault("state", {})["staff"] = staff
        if staff is not None and staff.role == "trainer" and request.url.path not in PUBLIC \
                and not request.url.path.startswith(TRAINER_PATHS):
            response = (RedirectResponse(TRAINER_PATHS[0], 303)
                        if reading and request.url.path.rstrip("/") == PREFIX else
                        error_page(request, 403, "Trainers work in the NLU inbox; patient "
                                   "cases are for clinical staff."))
            return await response(scope, receive, send)
        if not reading:
            upload = request.url.path in UPLOAD_PATHS
            body = await _read_body(receive, MAX_UPLOAD if upload else MAX_FORM)
            if body is None:
                return await error_page(request, 413, "That is too long to send.")(
                    scope, receive, send)
            if not await _same_site_form(request, body, upload):
                return await error_page(
                    request, 403, "This form has expired or did not come from the console. "
                    "Go back, reload the page and try again.")(scope, receive, send)
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _same_site_form(request: Request, body: bytes, upload: bool) -> bool:
    """The form's hidden csrf_token matches the session's; the browser's Origin, if it
    says one, is ours. A cross-site page can post a form but cannot read the token."""
    expected = request.session.get("csrf")
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if not expected:
        return False
    if kind == "application/x-www-form-urlencoded":
        given = parse_qs(body.decode("utf-8", "replace")).get("csrf_token", [""])[0]
    elif kind == "multipart/form-data" and upload:
        given = await _multipart_field(request, body, "csrf_token")
    else:
        return False
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.headers.get("host", "")
    return True


async def _multipart_field(request: Request, body: bytes, name: str) -> str:
    async def nothing_more() -> Message:
        return {"type": "http.disconnect"}

    try:
        form = await Request(request.scope, _replay(body, nothing_more)).form()
    except Exception:  # a malformed multipart body is simply not a valid form
        return ""
    value = form.get(name)
    await form.close()
    return value if isinstance(value, str) else ""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return body
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once more for the route (already read here), then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
