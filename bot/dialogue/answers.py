"""Read one message as an answer to the triage question that was asked.

Facts stated anywhere in the message count (the person may answer more than was asked,
or correct an earlier answer); yes/no/"none of these" are read against the question.
Rasa is not imported here: the form validation action is a thin adapter over this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from bot.nlu.numbers import parse_age_years, parse_duration_days, parse_temperature
from bot.triage.engine import Question, TriageEngine
from bot.triage.expressions import NOT_MEASURED

# Intents that are not answers: the dialogue handles them (help, stop, ...) and then asks again.
NOT_ANSWERS = frozenset({
    "greet", "goodbye", "thank", "bot_challenge", "help", "start_over", "stop",
    "out_of_scope", "other_language", "check_symptoms",
})

# How a bare answer to a number question is read.
NUMBER_PARSERS = {
    "temperature_c": parse_temperature,
    "fever_days": parse_duration_days,
    "age": parse_age_years,
}


@dataclass
class Answer:
    facts: dict[str, Any] = field(default_factory=dict)
    # When nothing usable was found: which hint to give before asking again.
    hint: str | None = None

    @property
    def understood(self) -> bool:
        return bool(self.facts)


def read_answer(
    engine: TriageEngine,
    *,
    text: str,
    intent: str | None,
    entities: Iterable[Mapping[str, Any]],
    question: Question | None,
    known: Mapping[str, Any],
) -> Answer:
    """Facts this message gives, given the question asked (None outside the form)."""
    stated = {e["entity"]: e.get("value") for e in entities if "entity" in e}
    facts = engine.normalise(stated)
    open_facts = engine.open_facts(question, known) if question else []

    if question is not None and question.type == "number":
        (name,) = question.facts
        if name not in facts:
            value = _number_answer(name, text, intent, stated)
            facts.update(engine.normalise({name: value}))
    elif question is not None and intent in {"affirm", "deny"}:
        unanswered = [f for f in open_facts if f not in facts]
        if intent == "deny":
            facts.update({f: False for f in unanswered})
        elif question.type == "bool":
            facts.update({f: True for f in unanswered})
        elif not any(facts.get(f) for f in question.facts):
            return Answer(facts, hint="hint_choice_which")  # "yes" to a list: which one?
    if question is None or question.type != "number":
        facts.update(_numbers_in_context(engine, stated, facts, known))

    if facts or intent in NOT_ANSWERS:
        return Answer(facts)
    return Answer(facts, hint=_hint(question, intent))


def _numbers_in_context(engine: TriageEngine, stated: Mapping[str, Any],
                        facts: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """Numbers said without a unit ("yes, 39.2 for 4 days", "actually it was 38.9"):
    a body temperature, and how long the fever has lasted if there is one."""
    found: dict[str, Any] = {}
    if "number" in stated and "temperature_c" not in facts:
        found["temperature_c"] = parse_temperature(str(stated["number"]))
    has_fever = {**known, **facts}.get("fever") or found.get("temperature_c")
    if "duration_days" in stated and "fever_days" not in facts and has_fever:
        found["fever_days"] = stated["duration_days"]
    return engine.normalise(found)


def _number_answer(name: str, text: str, intent: str | None, stated: Mapping[str, Any]) -> Any:
    if name == "temperature_c" and intent == "dont_know":
        return NOT_MEASURED
    if name == "fever_days" and "duration_days" in stated:
        return stated["duration_days"]
    if intent in {"affirm", "deny", "dont_know"} and not any(ch.isdigit() for ch in text):
        return None
    return NUMBER_PARSERS[name](text)


def _hint(question: Question | None, intent: str | None) -> str:
    if question is None:
        return "default"
    if intent == "dont_know" and question.type != "number":
        return "hint_dont_know_danger" if question.id == "danger_signs" else "hint_dont_know"
    if question.type == "number":
        return {"temperature_c": "hint_temperature", "fever_days": "hint_fever_days",
                "age": "hint_age"}[question.facts[0]]
    return f"hint_{question.type}"
