"""Read one message as an answer to the triage question that was asked.

Facts stated anywhere in the message count (the person may answer more than was asked,
or correct an earlier answer); yes/no/"none of these" are read against the question.
Rasa is not imported here: the form validation action is a thin adapter over this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from bot.nlu.facts import READING_KEYS
from bot.nlu.language import han_characters
from bot.nlu.numbers_zh import age_answer
from bot.nlu.numbers import parse_age_years, parse_duration_days, parse_temperature
from bot.triage.engine import Question, TriageEngine
from bot.triage.expressions import NOT_MEASURED

# Intents that are not answers: the dialogue handles them (help, stop, ...) and then asks again.
NOT_ANSWERS = frozenset({
    "greet", "goodbye", "thank", "bot_challenge", "help", "start_over", "stop", "wait",
    "out_of_scope", "other_language", "ask_emergency_number", "request_human",
    "ask_clinic_hours", "faq", "support", "ask_statistics", "crisis", "forget_me",
    "stop_checkins", "switch_language",
})
# Below this, a "not an answer" intent is too unsure to stop or divert the check for.
MIN_CONFIDENCE = 0.8

# How a bare answer to a number question is read.
NUMBER_PARSERS = {
    "temperature_c": parse_temperature,
    "fever_days": parse_duration_days,
    "age": parse_age_years,
}
# Readings the extractor recognised as something else: never an answer to a number question
# ("my oxygen is 97%" is not 97 °F).
MEASUREMENTS = frozenset(READING_KEYS)
# A reply that opens with yes or no answers a yes/no question, whatever else it says
# ("no, still coughing").
_LEADING_YES_NO = re.compile(
    r"^\s*(?:(yes|yeah|yep|yup|no|nope|nah)\b"
    # Chinese: 是 / 有点 (a little: yes) / 没有 / 不是, as a word of its own ("是的，还在烧")
    r"|(是的|是啊|是|对的|对|有的|有点儿?|有一点|有|没有|没|不是|不|无|否)(?=[\s，,。.!！~]|$))",
    re.IGNORECASE)
_NO_WORDS = {"no", "nope", "nah", "没有", "没", "不是", "不", "无", "否"}


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
    confidence: float = 1.0,
) -> Answer:
    """Facts this message gives, given the question asked (None outside the form)."""
    stated = {e["entity"]: e.get("value") for e in entities if "entity" in e}
    facts = engine.normalise(stated)
    if not any(ch.isalnum() for ch in text):
        intent = None  # "?", "...", emoji: never a yes or a no
    intent = _yes_no_from_words(text, intent)

    not_an_answer = intent in NOT_ANSWERS and confidence >= MIN_CONFIDENCE
    if question is not None and question.type == "number":
        (name,) = question.facts
        # "one sec" is not an age of 1
        if name not in facts and not not_an_answer and not MEASUREMENTS & set(stated):
            facts.update(engine.normalise({name: _number_answer(name, text, intent, stated)}))
    elif question is not None and intent in {"affirm", "deny"}:
        open_facts = engine.open_facts(question, known)
        if intent == "deny":
            _answer_open_facts(engine, facts, open_facts, False)
        elif question.type == "bool":
            _answer_open_facts(engine, facts, open_facts, True)
        elif not any(facts.get(f) for f in question.facts):
            return Answer(facts, hint="hint_choice_which")  # "yes" to a list: which one?
    if question is None or question.type != "number":
        facts.update(_numbers_in_context(engine, stated, facts, known))

    if facts or not_an_answer:
        return Answer(facts)
    return Answer(facts, hint=_hint(question, intent))


def _answer_open_facts(engine: TriageEngine, facts: dict[str, Any], open_facts: list[str],
                       value: bool) -> None:
    """Yes/no answers the question's open facts. Where the words said the opposite
    ("yes, still hot" to "have the symptoms gone?"), the safer value wins."""
    for name in open_facts:
        if name not in facts:
            facts[name] = value
        elif facts[name] != value:
            facts[name] = engine.safer_value(name)


def _yes_no_from_words(text: str, intent: str | None) -> str | None:
    match = _LEADING_YES_NO.match(text)
    if match and intent not in {"affirm", "deny"}:
        word = (match.group(1) or match.group(2)).lower()
        return "deny" if word in _NO_WORDS else "affirm"
    return intent


def _numbers_in_context(engine: TriageEngine, stated: Mapping[str, Any],
                        facts: Mapping[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """Numbers said without a unit ("yes, 39.2 for 4 days", "actually it was 38.9"):
    a body temperature or the fever's duration, but only once a fever is in question."""
    everything = {**known, **facts}
    if not (everything.get("fever") or isinstance(everything.get("temperature_c"), float)):
        return {}
    found: dict[str, Any] = {}
    if "number" in stated and "temperature_c" not in facts:
        found["temperature_c"] = parse_temperature(str(stated["number"]))
    if "duration_days" in stated and "fever_days" not in facts:
        found["fever_days"] = stated["duration_days"]
    return engine.normalise(found)


def _number_answer(name: str, text: str, intent: str | None, stated: Mapping[str, Any]) -> Any:
    if name == "temperature_c" and intent in {"dont_know", "deny"}:
        return NOT_MEASURED  # "no" to "what was the highest you measured?": not measured
    if name == "fever_days" and "duration_days" in stated:
        return stated["duration_days"]
    if name == "age" and han_characters(text):  # "10个月", "七十二"
        return age_answer(text)
    if "number" in stated and han_characters(text):  # the extractor read "七十二"
        return NUMBER_PARSERS[name](str(stated["number"]))
    if intent in {"affirm", "deny", "dont_know"} and not any(ch.isdigit() for ch in text):
        return None
    return NUMBER_PARSERS[name](text)


def _hint(question: Question | None, intent: str | None) -> str | None:
    if question is None:
        return None  # outside the form, the dialogue's rules answer
    if intent == "dont_know" and question.type != "number":
        return "hint_dont_know_danger" if question.id == "danger_signs" else "hint_dont_know"
    if question.type == "number":
        return {"temperature_c": "hint_temperature", "fever_days": "hint_fever_days",
                "age": "hint_age"}[question.facts[0]]
    return f"hint_{question.type}"
