"""Rendering console pages: the templates, how times and ages read, error pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.web.security import csrf_token

# Autoescaped (.html): anything people or staff wrote is shown as text, never markup.
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
NO_STORE = {"Cache-Control": "no-store"}  # case data must not linger in caches

REASONS = {
    "crisis": "Crisis",
    "emergency": "Emergency",
    "fever_clinic": "Fever clinic",
    "online_specialist": "Online specialist",
    "asked_for_human": "Asked for a person",
    "not_understood": "Not understood",
}
ROUTES = {
    "emergency": "Emergency care",
    "fever_clinic": "Fever clinic",
    "online_specialist": "Online specialist",
    "self_care": "Self-care at home",
}
URGENT_PRIORITY = 1  # crisis (0) and emergency (1) stand out in every list


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def local_time(moment: datetime | float | None, with_date: bool = True) -> str:
    """In the server's time zone, which is the hospital's."""
    if moment is None:
        return ""
    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    moment = aware(moment).astimezone()
    return moment.strftime("%d %b %Y %H:%M" if with_date else "%H:%M")


def duration(span: timedelta | None) -> str:
    if span is None:
        return ""
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def age(moment: datetime | None) -> str:
    return duration(datetime.now(timezone.utc) - aware(moment)) if moment else ""


def label(value: Any, names: dict[str, str]) -> str:
    return names.get(value) or str(value or "").replace("_", " ").capitalize()


def department(key: str | None) -> str:
    """A department's name in the hospital directory (its key if it has left the file)."""
    from bot.directory import current_directory

    found = current_directory().departments.get(key or "")
    return found.name if found else label(key, {})


def local_day(moment: datetime | None) -> str:
    """The date alone, in the server's (the hospital's) time zone."""
    return aware(moment).astimezone().strftime("%d %b %Y") if moment else ""


templates.env.filters.update(
    day=local_day, when=local_time, age=age, duration=duration, department=department,
    reason=lambda value: label(value, REASONS), route=lambda value: label(value, ROUTES))
templates.env.globals["urgent_priority"] = URGENT_PRIORITY


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status: int = 200) -> Response:
    """A console page with the signed-in staff member, the form token and any flash."""
    context = {"staff": getattr(request.state, "staff", None),
               "csrf_token": csrf_token(request),
               "flash": request.session.pop("flash", None), **(context or {})}
    return templates.TemplateResponse(request, f"console/{name}", context,
                                      status_code=status, headers=NO_STORE)


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 410: "Erased",
              413: "Too long", 500: "Something went wrong", 503: "Unavailable"}
    return render(request, "error.html", {"title": titles.get(status, "Problem"),
                                          "message": message}, status)


def not_found(request: Request) -> Response:
    return error_page(request, 404, "There is no such case (or page). "
                      "Go back to the queue and pick it from there.")


def flash(request: Request, message: str) -> None:
    """A one-line confirmation shown on the next page (after a redirect)."""
    request.session["flash"] = message
