"""A conversation's events (from Rasa's tracker, through its HTTP API) as staff read
them, and the triage result the person was given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Line:
    who: str  # person | bot | staff | result | divider
    text: str
    at: float | None = None
    author: str = ""  # the staff member, for who == "staff"
    choices: list[str] = field(default_factory=list)  # the buttons the bot offered
    button: bool = False  # the person pressed a button rather than typing
    unclear: bool = False  # the bot did not understand this message


@dataclass
class Result:
    """What the person was told: from the escalation's assessment or the transcript."""
    route: str | None
    facts: dict[str, Any]
    rules: list[str]
    reasons: list[str]
    advice: list[str]
    finished: bool = True  # False: staff were called before the check was over


LANGUAGE_NAMES = {"en": "English", "zh": "Chinese (中文)"}


def language(events: list[dict[str, Any]]) -> str | None:
    """The language the bot last answered the person in, by name, so staff reply in it."""
    chosen = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "language":
            chosen = event.get("value")
    return LANGUAGE_NAMES.get(chosen) if chosen else None


def lines(events: list[dict[str, Any]]) -> list[Line]:
    shown: list[Line] = []
    for event in events:
        kind, at = event.get("event"), event.get("timestamp")
        if kind == "user":
            shown.append(_person(event, at))
        elif kind == "bot":
            shown.extend(_bot(event, at))
        elif kind == "session_started":
            shown.append(Line("divider", "New session", at))
        elif kind == "restart":
            shown.append(Line("divider", "The person started over", at))
    return shown


def _person(event: dict[str, Any], at: float | None) -> Line:
    text = str(event.get("text") or "")
    title = (event.get("metadata") or {}).get("button")
    intent = (event.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    unclear = intent.get("name") == "nlu_fallback" or (
        isinstance(confidence, (int, float)) and confidence < 0.5)
    if text.startswith("/") and isinstance(title, str) and title:
        return Line("person", title, at, button=True)  # the web chat says which button
    return Line("person", text, at, button=text.startswith("/"), unclear=unclear)


def _bot(event: dict[str, Any], at: float | None) -> list[Line]:
    data = event.get("data") or {}
    staff = (event.get("metadata") or {}).get("staff")
    text = str(event.get("text") or "")
    found: list[Line] = []
    if text:
        found.append(Line("staff", text, at, author=str(staff)) if staff else Line(
            "bot", text, at, choices=[str(b.get("title", "")) for b in data.get("buttons") or []
                                      if isinstance(b, dict)]))
    triage = _triage(event)
    if triage is not None:
        route = str(triage.get("route") or "")
        rules = ", ".join(str(rule) for rule in triage.get("rules") or [])
        found.append(Line("result", f"Result given: {route}" + (f" ({rules})" if rules else ""), at))
    return found


def _triage(event: dict[str, Any]) -> dict[str, Any] | None:
    custom = (event.get("data") or {}).get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
        return custom["triage"]
    return None


def result(assessment: dict[str, Any] | None, events: list[dict[str, Any]]) -> Result | None:
    """The escalation's own assessment when it has one, else the last `triage` payload in
    the transcript; the advice is the bot's words in the turn that gave the result. An
    unfinished assessment (no route yet) keeps the result the person was given earlier."""
    given = _last_result(events)
    if not assessment:
        return given
    advice = assessment.get("advice")
    advice = [advice] if isinstance(advice, str) else _strings(advice)
    return Result(
        assessment.get("route") or (given.route if given else None),
        dict(assessment.get("facts") or {}) or (given.facts if given else {}),
        _strings(assessment.get("rules")) or (given.rules if given else []),
        _strings(assessment.get("reasons")) or (given.reasons if given else []),
        advice or (given.advice if given else []),
        finished=assessment.get("finished") is not False)


def _last_result(events: list[dict[str, Any]]) -> Result | None:
    turn: list[str] = []
    found: Result | None = None
    for event in events:
        if event.get("event") == "user":
            turn = []
        elif event.get("event") == "bot":
            triage = _triage(event)
            if triage is not None:
                found = Result(triage.get("route"), dict(triage.get("facts") or {}),
                               _strings(triage.get("rules")), _strings(triage.get("reasons")),
                               list(turn))
            elif event.get("text") and not (event.get("metadata") or {}).get("staff"):
                turn.append(str(event["text"]))
    return found


def _strings(values: Any) -> list[str]:
    return [str(value) for value in values or []] if isinstance(values, (list, tuple)) else []


def fact_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(fact_value(item) for item in value) or "none"
    if value is None:
        return "unknown"
    return str(value)
