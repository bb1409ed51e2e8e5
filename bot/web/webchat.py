"""The public web chat: the page, and the JSON API its script talks to.

    GET  /                 the chat page; gives the visitor a random id in the signed
                           session cookie (never chosen by the client). In Chinese or
                           English: ?lang=zh|en, else the browser's Accept-Language, else
                           English (see page_language).
    POST /chat/api/send    {"message": "typed text"} or {"payload": "/...", "title": "..."},
                           optional "message_id" (a retry with the same id is processed once),
                           optional "language" ("en"/"zh": the page's; forwarded to Rasa as
                           metadata, and the language of error texts)
                           -> {"messages": [{"text", "buttons": [{"title", "payload"}]}],
                               "result": {"route", "title", "summary", "reasons", "rules"} | null}

    GET  /chat/api/messages?after=<id>
                           -> {"messages": [...], "last": <id>}: what was sent to this
                           visitor outside an answer (staff replies, the bot taking the
                           conversation back), from the outbox; the page polls it.

Errors are JSON {"error": "<text for the person>", "code": "..."}.

The page's own labels are the webchat_* texts (bot/texts/<language>/webchat.yml); chat.js
reads the ones it needs from the page's data- attributes, so it holds no text of its own.
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
from bot.channels.render import triage_result, visible_replies
from bot.directory import current_directory
from bot.directory.config import display
from bot.handoff.escalations import outbox_after
from bot.nlu.language import supported
from bot.settings import emergency_number
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
# The page's languages, with what <html lang> says for each.
LANGUAGES = {"en": "en", "zh": "zh-CN"}
DEFAULT_LANGUAGE = "en"

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

def has_text(key: str) -> bool:
    """A protocol may name a route the texts do not cover yet."""
    return key in catalogue("en")


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text in `language`, or in English while its translation is missing."""
    values.setdefault("emergency_number", emergency_number())
    return text_message(key, language, **values)["text"]


def error(status: int, code: str, key: str, language: str = DEFAULT_LANGUAGE,
          **values: Any) -> JSONResponse:
    return JSONResponse({"error": text(key, language, **values), "code": code}, status,
                        headers=NO_STORE)


def known_language(value: Any) -> str | None:
    """"zh", "zh-CN", "EN"... -> "zh"/"en"; None for anything else."""
    return supported(value)


def accepted_language(header: str) -> str:
    """The page language the browser prefers most (highest q, the first on a tie): any
    zh-* (zh, zh-CN, zh-Hans, ...) is Chinese, any en-* English; English if neither."""
    best, best_quality = DEFAULT_LANGUAGE, 0.0
    for part in header.split(",")[:32]:
        tag, *parameters = part.split(";")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        language = known_language(tag)
        if language and quality > best_quality:
            best, best_quality = language, quality
    return best


def page_language(request: Request) -> str:
    """?lang=zh|en when given, else the best of Accept-Language, else English."""
    return (known_language(request.query_params.get("lang"))
            or accepted_language(request.headers.get("accept-language", "")))


def session_language(request: Request) -> str:
    return known_language(request.session.get("language")) or DEFAULT_LANGUAGE


async def page(request: Request) -> Response:
    if "visitor" not in request.session:
        request.session["visitor"] = secrets.token_urlsafe(16)
    language = page_language(request)
    request.session["language"] = language  # for API answers that do not say (older pages)
    other = next(each for each in LANGUAGES if each != language)
    # The notice's emergency number becomes a link: the text around it, escaped by Jinja.
    before, _, after = text_message("webchat_notice", language)["text"].partition(
        "{emergency_number}")
    return templates.TemplateResponse(request, "chat.html", {
        "csrf_token": csrf_token(request), "emergency_number": emergency_number(),
        "hospital": display(current_directory().hospital.name, language), "max_text": MAX_TEXT,
        "language": language, "html_lang": LANGUAGES[language],
        "t": lambda key: text(f"webchat_{key}", language),
        "offline_text": text("web_unavailable", language),
        "notice_before": before, "notice_after": after,
        "switch": {"href": f"/?lang={other}", "lang": LANGUAGES[other],
                   "name": text("webchat_language_name", other),
                   "hint": text("webchat_switch_hint", other)},
    }, headers=NO_STORE)


async def send(request: Request) -> Response:
    visitor = request.session.get("visitor")
    language = session_language(request)
    if not visitor or not same_site_request(request):
        return error(403, "forbidden", "web_reload", language)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return error(415, "json_only", "web_not_understood", language)
    body = await _json_body(request, language)
    if isinstance(body, Response):
        return body
    if isinstance(body, dict):
        language = known_language(body.get("language")) or language
    problem = _problem(body, language)
    if problem:
        return problem
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        message_id = secrets.token_urlsafe(16)
    payload, title = body.get("payload"), body.get("title")
    # The page's language goes with every message, so the assistant can answer a first
    # "38" or button press in it (the webchat gateway channel passes metadata through).
    metadata: dict[str, Any] = {"language": language}
    if payload is not None and title:
        metadata["button"] = title
    try:
        replies = await asyncio.wait_for(request.app.state.rasa.send_with_retries(
            visitor, message=body.get("message"), payload=payload, message_id=message_id,
            metadata=metadata, delays=RETRY_DELAYS), ANSWER_SECONDS)
    except (RasaUnavailable, asyncio.TimeoutError) as failure:
        logger.warning("Rasa unavailable for the web chat: %r", failure)
        return error(503, "unavailable", "web_unavailable", language)
    except RasaRefused as failure:
        logger.warning("Rasa refused a web chat message: %s", failure)
        return error(400, "refused", "web_not_understood", language)
    return JSONResponse({"messages": _messages(replies), "result": _result(replies, language)},
                        headers=NO_STORE)


async def messages(request: Request) -> Response:
    """Messages for this visitor sent outside an answer, after outbox id `after`."""
    visitor = request.session.get("visitor")
    if not visitor:
        return error(403, "forbidden", "web_reload", session_language(request))
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


async def _json_body(request: Request, language: str) -> Any:
    """The parsed body, or an error response (too large, not JSON)."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return error(413, "too_long", "web_too_long", language, limit=MAX_TEXT)
    try:
        return json.loads(raw)
    except ValueError:
        return error(400, "bad_json", "web_not_understood", language)


def _problem(body: Any, language: str) -> Response | None:
    if not isinstance(body, dict) or ("message" in body) == ("payload" in body):
        return error(400, "bad_request", "web_not_understood", language)
    value = body.get("message", body.get("payload"))
    title = body.get("title")
    if not isinstance(value, str) or not value.strip() or not isinstance(title, (str, type(None))):
        return error(400, "bad_request", "web_not_understood", language)
    if len(value) > MAX_TEXT or (title and len(title) > MAX_TEXT):
        return error(413, "too_long", "web_too_long", language, limit=MAX_TEXT)
    return None


def _messages(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"text": reply.text,
             "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}
            for reply in visible_replies(replies)]


def _result(replies: list[dict[str, Any]], language: str = DEFAULT_LANGUAGE
            ) -> dict[str, Any] | None:
    """What the result card shows; not the facts (the page does not need them)."""
    triage = triage_result(replies)
    if triage is None:
        return None
    route = str(triage.get("route", ""))
    title, summary = f"route_title_{route}", f"route_summary_{route}"
    return {
        "route": route,
        "title": (text(title, language) if has_text(title)
                  else route.replace("_", " ").capitalize()),
        "summary": _sentence(text(summary, language)) if has_text(summary) else "",
        "reasons": [str(reason) for reason in triage.get("reasons") or []],
        "rules": [str(rule) for rule in triage.get("rules") or []],
    }


def _sentence(words: str) -> str:
    """Capitalised, with a full stop (a Chinese one after Chinese text) unless it has one."""
    words = words.strip()
    if not words or words[-1] in ".!?。！？":
        return words[:1].upper() + words[1:]
    return words[:1].upper() + words[1:] + ("。" if "\u4e00" <= words[-1] <= "\u9fff" else ".")


routes = [
    Route("/", page, methods=["GET"]),
    Route("/chat/api/send", send, methods=["POST"]),
    Route("/chat/api/messages", messages, methods=["GET"]),
]
