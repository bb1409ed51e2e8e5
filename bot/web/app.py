"""The web app: the public web chat (/), and the hospital staff console (/console)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.client import RasaClient
from bot.privacy.notice import privacy_page
from bot.settings import local_secret
from bot.web import console as staff_console, webchat
from bot.web.console.pages import error_page
from bot.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
SESSION_DAYS = 30


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/chat/api/")


def _is_console(request: Request) -> bool:
    return request.url.path.startswith("/console")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return JSONResponse({"error": exc.detail, "code": f"http_{exc.status_code}"},
                            exc.status_code, headers=exc.headers)
    if _is_console(request):
        return error_page(request, exc.status_code, exc.detail)
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)


# What a person is told when the server fails, in the browser's language (Accept-Language).
SERVER_ERROR = {"en": "Something went wrong on our side. Please try again.",
                "zh": "抱歉，我们这边出了点问题，请稍后再试。"}


def server_error_text(request: Request) -> str:
    language = webchat.accepted_language(request.headers.get("accept-language", ""))
    return SERVER_ERROR.get(language, SERVER_ERROR["en"])


async def server_error(request: Request, exc: Exception) -> Response:
    # Logged by Starlette with the traceback; the browser gets no details.
    if _is_api(request):
        return JSONResponse({"error": server_error_text(request), "code": "server_error"}, 500)
    if _is_console(request):  # the staff console is in English
        return error_page(request, 500, SERVER_ERROR["en"])
    return PlainTextResponse(server_error_text(request), 500)


def create_app(rasa: RasaClient | None = None, secret_key: str | None = None,
               console: staff_console.Console | None = None) -> Starlette:
    """`rasa`, `secret_key` and `console` default to the environment's (RASA_URL,
    CHANNEL_TOKEN, WEB_SECRET_KEY or a key generated once in var/, DATABASE_URL,
    RASA_API_TOKEN, RASA_TRACKER_DB)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Created inside the server's event loop, closed when it stops.
        app.state.rasa = rasa or RasaClient("webchat", timeout=25.0)
        app.state.console = console or staff_console.Console.from_env()
        try:
            yield
        finally:
            if rasa is None:
                await app.state.rasa.close()
            if console is None:
                await app.state.console.close()

    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret_key or local_secret(
                       "WEB_SECRET_KEY", "web-secret-key"),
                   session_cookie="session", max_age=SESSION_DAYS * 24 * 3600,
                   same_site="lax", https_only=_https_only()),
    ]
    return Starlette(
        routes=[Route("/healthz", healthz), Route("/privacy", privacy_page),  # the notice
                *webchat.routes, staff_console.mount(),
                Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=middleware, lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error})


def _https_only() -> bool:
    """Secure cookies when the site is served over HTTPS (WEB_HTTPS=1 behind a proxy)."""
    return os.environ.get("WEB_HTTPS", "").lower() in {"1", "true", "yes"}
