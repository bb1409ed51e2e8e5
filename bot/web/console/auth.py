"""Signing in and out. Failed logins are counted by bot.handoff.staff (5 lock the
account for 15 minutes); the page says so when locked, else only "wrong username or
password", so it never tells which of the two was wrong."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.handoff.escalations import audit
from bot.handoff.staff import authenticate
from bot.web.console.guard import LOGIN, PREFIX, sign_in, sign_out
from bot.web.console.pages import local_time, render
from bot.web.security import new_token

MAX_FIELD = 200


async def login_page(request: Request) -> Response:
    if request.state.staff is not None:
        return RedirectResponse(f"{PREFIX}/", 303)
    return render(request, "login.html")


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    if not username or not password:
        return _refused(request, username, "Enter your username and password.")
    console = request.app.state.console
    result = await console.run(authenticate, username, password)
    actor = username.lower()[:64]
    if result.locked_until is not None:
        await console.run(audit, actor, "login_locked",
                          detail=f"locked until {result.locked_until.isoformat()}")
        return _refused(request, username, (
            "This account is locked after too many wrong passwords. Try again after "
            f"{local_time(result.locked_until)}, or ask an administrator."))
    if result.user is None:
        await console.run(audit, actor, "login_failed")
        return _refused(request, username, "Wrong username or password.")
    sign_in(request, result.user, new_token())
    await console.run(audit, result.user.username, "login")
    return RedirectResponse(f"{PREFIX}/", 303)


async def logout(request: Request) -> Response:
    await request.app.state.console.run(audit, request.state.staff.username, "logout")
    sign_out(request)
    return RedirectResponse(LOGIN, 303)


def _refused(request: Request, username: str, problem: str) -> Response:
    return render(request, "login.html", {"username": username, "problem": problem}, 401)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
