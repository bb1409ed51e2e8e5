"""The queue of escalations and the case page with what staff do on it: claim, write an
internal note, reply to the person (delivered by Rasa on their own channel), close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.handoff import escalations
from bot.handoff.escalations import CaseError, audit
from bot.handoff.rasa_api import RasaApiError
from bot.storage.models import Escalation
from bot.web.console import transcript
from bot.web.console.guard import PREFIX
from bot.web.console.pages import ROUTES, flash, not_found, render
from bot.web.console.state import Console

STATUS_CHOICES = {  # the queue's status filter: what staff pick -> statuses listed
    "active": escalations.OPEN_STATUSES,
    "open": ("open",),
    "claimed": ("claimed",),
    "closed": ("closed",),
    "all": escalations.STATUSES,
}


@dataclass
class Filters:
    status: str = "active"
    route: str = ""
    since: str = ""  # YYYY-MM-DD as typed, shown back in the form
    until: str = ""
    problems: list[str] = field(default_factory=list)


def case_url(case_id: int) -> str:
    return f"{PREFIX}/cases/{case_id}"


# ----- the queue -------------------------------------------------------------------------

async def queue(request: Request) -> Response:
    console = request.app.state.console
    filters = read_filters(request.query_params)
    cases = await console.run(
        escalations.list_cases, statuses=STATUS_CHOICES[filters.status],
        route=filters.route or None, since=_day_start(filters.since),
        until=_day_start(filters.until, next_day=True))
    return render(request, "queue.html", {
        "cases": cases, "counts": await console.run(escalations.counts), "filters": filters,
        "routes": ROUTES, "statuses": list(STATUS_CHOICES)})


def read_filters(params: Mapping[str, str]) -> Filters:
    """The filters from the query string; a bad value is dropped with a message."""
    filters = Filters()
    status, route = params.get("status") or "active", params.get("route") or ""
    if status in STATUS_CHOICES:
        filters.status = status
    else:
        filters.problems.append("Unknown status: showing open and claimed cases.")
    if route in ROUTES or not route:
        filters.route = route
    else:
        filters.problems.append("Unknown route: showing every route.")
    for name in ("since", "until"):
        value = (params.get(name) or "").strip()
        if not value:
            continue
        try:
            date.fromisoformat(value)
            setattr(filters, name, value)
        except ValueError:
            filters.problems.append(f"Dates look like 2026-11-27; {value[:20]!r} was ignored.")
    return filters


def _day_start(day: str, next_day: bool = False) -> datetime | None:
    """Local midnight of `day` (the one after, for an inclusive end), in UTC as stored."""
    if not day:
        return None
    start = datetime.combine(date.fromisoformat(day) + timedelta(days=int(next_day)), time.min)
    return start.astimezone().astimezone(timezone.utc)


# ----- the case page ---------------------------------------------------------------------

async def case_page(request: Request) -> Response:
    console, staff = request.app.state.console, request.state.staff
    case = await console.run(escalations.get_case, request.path_params["case_id"])
    if case is None:
        return not_found(request)
    await console.run(audit, staff.username, "view", case.id)
    return await case_view(request, case)


async def case_view(request: Request, case: Escalation, *, problem: str | None = None,
                    note_text: str = "", reply_text: str = "", status: int = 200) -> Response:
    """The case page; after a refused form, with the problem and the typed text kept."""
    console = request.app.state.console
    events, transcript_problem = await load_events(request, case)
    return render(request, "case.html", {
        "case": case, "closed": case.status == "closed",
        "lines": transcript.lines(events), "transcript_problem": transcript_problem,
        "language": transcript.language(events),
        "result": transcript.result(case.assessment, events), "fact_value": transcript.fact_value,
        "entries": await console.run(escalations.entries, case.id),
        "trail": await console.run(escalations.audit_entries, case.id),
        "problem": problem, "note_text": note_text, "reply_text": reply_text,
        "max_text": escalations.MAX_TEXT}, status)


async def load_events(request: Request, case: Escalation) -> tuple[list[dict[str, Any]], str | None]:
    """The transcript, or none and why (Rasa down): the rest of the case still shows."""
    if case.erased_at is not None:  # the person's data is gone: never ask Rasa for it
        return [], None
    try:
        return await request.app.state.console.rasa.events(case.conversation_id), None
    except RasaApiError as failure:
        return [], f"The conversation cannot be shown right now. {failure}"


# ----- what staff do on a case -----------------------------------------------------------

async def claim(request: Request) -> Response:
    return await _act(request, "claim", _claim)


async def note(request: Request) -> Response:
    return await _act(request, "note", _note, keep="note_text")


async def reply(request: Request) -> Response:
    return await _act(request, "reply", _reply, keep="reply_text")


async def close(request: Request) -> Response:
    return await _act(request, "close", _close)


# Each takes (console, case, staff member, the form's text) and says what was done, or
# raises CaseError / Undelivered with what to tell staff.

async def _claim(console: Console, case: Escalation, staff: str, text: str) -> str:
    await console.run(escalations.claim, case.id, staff)
    return "You have claimed this case."


async def _note(console: Console, case: Escalation, staff: str, text: str) -> str:
    await console.run(escalations.add_note, case.id, staff, text)
    return "Note added (staff only; the person does not see it)."


async def _reply(console: Console, case: Escalation, staff: str, text: str) -> str:
    check_text(case, text)  # before sending: nothing is recorded that was not sent
    try:
        await console.rasa.send_staff_reply(case.conversation_id, text.strip(), staff)
    except RasaApiError as failure:
        raise Undelivered(f"Your reply was not sent. {failure}") from failure
    await console.run(escalations.add_reply, case.id, staff, text)
    if case.status == "open":  # whoever answers is handling it: colleagues see who
        await console.run(escalations.claim, case.id, staff)
        await console.run(audit, staff, "claim", case.id, "by replying")
    return "Reply sent to the person."


async def _close(console: Console, case: Escalation, staff: str, text: str) -> str:
    await console.run(escalations.close, case.id, staff)
    try:
        await console.rasa.end_handoff(case.conversation_id)
    except RasaApiError as failure:
        return ("The case is closed, but the assistant could not be told to take the "
                f"conversation back. {failure}")
    return "Case closed. The assistant has taken the conversation back."


class Undelivered(Exception):
    """Rasa did not take the reply; the message says so."""


def check_text(case: Escalation, text: str) -> None:
    """What add_note/add_reply would refuse, checked before a reply leaves."""
    if case.status == "closed":
        raise CaseError("This case is closed.")
    if not text.strip():
        raise CaseError("Write something first.")
    if len(text.strip()) > escalations.MAX_TEXT:
        raise CaseError(f"That is too long (at most {escalations.MAX_TEXT} characters).")


async def _act(request: Request, action: str,
               act: Callable[[Console, Escalation, str, str], Awaitable[str]],
               keep: str | None = None) -> Response:
    """Runs one staff action on the case in the URL: audited and then back to the case
    page on success; on a refusal, the case page again with why and the text kept."""
    console, staff = request.app.state.console, request.state.staff.username
    case = await console.run(escalations.get_case, request.path_params["case_id"])
    if case is None:
        return not_found(request)
    form = await request.form()
    text = str(form.get("text", ""))
    kept = {keep: text} if keep else {}
    try:
        done = await act(console, case, staff, text)
    except CaseError as refusal:
        case = await _fresh(request, case)
        return await case_view(request, case, problem=str(refusal),
                               status=409 if case.status == "closed" else 400, **kept)
    except Undelivered as failure:
        return await case_view(request, await _fresh(request, case), problem=str(failure),
                               status=503, **kept)
    await console.run(audit, staff, action, case.id)
    flash(request, done)
    anchor = {"note": "#notes", "reply": "#notes"}.get(action, "")
    return RedirectResponse(case_url(case.id) + anchor, 303)


async def _fresh(request: Request, case: Escalation) -> Escalation:
    return await request.app.state.console.run(escalations.get_case, case.id) or case


routes = [
    Route("/", queue, methods=["GET"]),
    Route("/cases/{case_id:int}", case_page, methods=["GET"]),
    Route("/cases/{case_id:int}/claim", claim, methods=["POST"]),
    Route("/cases/{case_id:int}/note", note, methods=["POST"]),
    Route("/cases/{case_id:int}/reply", reply, methods=["POST"]),
    Route("/cases/{case_id:int}/close", close, methods=["POST"]),
]
