"""The public web chat: the page, and the JSON API its script talks to.

    GET  /                 the chat page; gives the visitor a random id in the signed
                           session cookie (never chosen by the client)
    POST /chat/api/send    {"message": "typed text"} or {"payload": "/...", "title": "..."},
                           optional "message_id" (a retry with the same id is processed once)
                           -> {"messages": [{"text", "buttons": [{"title", "payload"}]}],
                               "result": {"route", "title", "summary", "reasons", "rules"} | null}

    GET  /chat/api/messages?after=<id>
                           -> {"messages": [...], "last": <id>}: what was sent to this
                           visitor outside an answer (staff replies, the bot taking the
                           conversation back), from the outbox; the page polls it.

Errors are JSON {"error": "<text for the person>", "code": "..."}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates


from bot.channels import MAX_TEXT, conversation_id
from bot.channels.client import RasaRefused, RasaUnavailable
from bot.handoff.escalations import outbox_after
from bot.directory import current_directory
from bot.settings import emergency_number
from bot.channels.render import triage_result, visible_replies
from bot.texts import catalogue, message as text_message
from bot.web.security import csrf_token, same_site_request

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Brief waits before telling the person Rasa is unavailable: rides out a quick restart.
RETRY_DELAYS = (0.5, 1.0)
# The most a person waits for an answer, retries included; then the page apologises and
# keeps their message (sent again with the same id, it is still processed once).
ANSWER_SECONDS = 30
NO_STORE = {"Cache-Control": "no-store"}

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

def has_text(key: str) -> bool:
    """A protocol may name a route the texts do not cover yet."""
    return key in catalogue("en")


def text(key: str, **values: Any) -> str:
    values.setdefault("emergency_number", emergency_number())
    return text_message(key, **values)["text"]


def error(status: int, code: str, key: str, **values: Any) -> JSONResponse:
    return JSONResponse({"error": text(key, **values), "code": code}, status, headers=NO_STORE)


async def page(request: Request) -> Response:
    if "visitor" not in request.session:
        request.session["visitor"] = secrets.token_urlsafe(16)
    return templates.TemplateResponse(request, "chat.html", {
        "csrf_token": csrf_token(request), "emergency_number": emergency_number(),
        "hospital": current_directory().hospital.name, "max_text": MAX_TEXT, "offline_text": text("web_unavailable")}, headers=NO_STORE)


async def send(request: Request) -> Response:
    visitor = request.session.get("visitor")
    if not visitor or not same_site_request(request):
        return error(403, "forbidden", "web_reload")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return error(415, "json_only", "web_not_understood")
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    problem = _problem(body)
    if problem:
        return problem
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        message_id = secrets.token_urlsafe(16)
    payload, title = body.get("payload"), body.get("title")
    try:
        replies = await asyncio.wait_for(request.app.state.rasa.send_with_retries(
            visitor, message=body.get("message"), payload=payload, message_id=message_id,
            metadata={"button": title} if payload is not None and title else None,
            delays=RETRY_DELAYS), ANSWER_SECONDS)
    except (RasaUnavailable, asyncio.TimeoutError) as failure:
        logger.warning("Rasa unavailable for the web chat: %r", failure)
        return error(503, "unavailable", "web_unavailable")
    except RasaRefused as failure:
        logger.warning("Rasa refused a web chat message: %s", failure)
        return error(400, "refused", "web_not_understood")
    return JSONResponse({"messages": _messages(replies), "result": _result(replies)},
                        headers=NO_STORE)


async def messages(request: Request) -> Response:
    """Messages for this visitor sent outside an answer, after outbox id `after`."""
    visitor = request.session.get("visitor")
    if not visitor:
        return error(403, "forbidden", "web_reload")
    try:
        after = max(0, int(request.query_params.get("after", "0")))
    except ValueError:
        after = 0
    conversation = conversation_id("webchat", visitor)
    waiting = await request.app.state.console.run(outbox_after, conversation, after)
    shown = []
    for item in waiting:
        from_staff = bool((item.message.get("metadata") or {}).get("staff"))
        shown += [{**message, "from_staff": from_staff} for message in _messages([item.message])]
    return JSONResponse({"messages": shown, "last": waiting[-1].id if waiting else after},
                        headers=NO_STORE)


async def _json_body(request: Request) -> Any:
    """The parsed body, or an error response (too large, not JSON)."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return error(413, "too_long", "web_too_long", limit=MAX_TEXT)
    try:
        return json.loads(raw)
    except ValueError:
        return error(400, "bad_json", "web_not_understood")


def _problem(body: Any) -> Response | None:
    if not isinstance(body, dict) or ("message" in body) == ("payload" in body):
        return error(400, "bad_request", "web_not_understood")
    value = body.get("message", body.get("payload"))
    title = body.get("title")
    if not isinstance(value, str) or not value.strip() or not isinstance(title, (str, type(None))):
        return error(400, "bad_request", "web_not_understood")
    if len(value) > MAX_TEXT or (title and len(title) > MAX_TEXT):
        return error(413, "too_long", "web_too_long", limit=MAX_TEXT)
    return None


def _messages(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"text": reply.text,
             "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}
            for reply in visible_replies(replies)]


def _result(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the result card shows; not the facts (the page does not need them)."""
    triage = triage_result(replies)
    if triage is None:
        return None
    route = str(triage.get("route", ""))
    title, summary = f"route_title_{route}", f"route_summary_{route}"
    return {
        "route": route,
        "title": text(title) if has_text(title) else route.replace("_", " ").capitalize(),
        "summary": _sentence(text(summary)) if has_text(summary) else "",
        "reasons": [str(reason) for reason in triage.get("reasons") or []],
        "rules": [str(rule) for rule in triage.get("rules") or []],
    }


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:] + ("" if words.endswith(".") else ".")


routes = [
    Route("/", page, methods=["GET"]),
    Route("/chat/api/send", send, methods=["POST"]),
    Route("/chat/api/messages", messages, methods=["GET"]),
]
