"""The bot's texts: every text the code asks for exists, and placeholders are filled."""

import re
from pathlib import Path

import pytest

from bot.texts import catalogue, choice, message
from bot.triage import load_engine

ROOT = Path(__file__).resolve().parents[1]
ENGINE = load_engine()


def keys_used_in_code() -> set[str]:
    keys = set()
    for path in ROOT.glob("actions/*.py"):  # utter(dispatcher, tracker, "key")
        keys |= set(re.findall(r'utter\(dispatcher, tracker, "([a-z_]+)"', path.read_text()))
    answers = (ROOT / "bot/dialogue/answers.py").read_text()  # hints chosen by the reader
    keys |= set(re.findall(r'"(hint_[a-z_]+)"', answers))
    keys |= {f"question_{q.id}" for q in ENGINE.questions}
    keys |= {f"explain_{q.id}" for q in ENGINE.questions} | {"explain_result", "help_general"}
    keys |= {f"route_summary_{r}" for r in ENGINE.routes} | {"noted_still_need"}
    keys |= {f"route_{r}" for r in ENGINE.routes} | {f"precautions_{r}" for r in ENGINE.routes}
    keys |= {f"hint_{t}" for t in ("bool", "choice", "temperature", "fever_days", "age")}
    return keys


@pytest.mark.parametrize("key", sorted(keys_used_in_code()))
def test_every_text_the_code_uses_exists(key):
    assert key in catalogue("en"), key


def test_placeholders_are_filled_and_unknown_ones_kept():
    text = message("route_emergency", emergency_number="911")["text"]
    assert "911" in text and "{" not in text
    assert message("triage_reasons")["text"] == "Why: {reasons}"


def test_choice_questions_have_an_option_for_each_fact():
    for question in ENGINE.questions:
        if question.type == "choice":
            options = choice(f"question_{question.id}", list(question.facts))
            assert [fact for fact, _ in options["options"]] == list(question.facts)
            assert options["none"]


def test_a_choice_lists_only_the_facts_asked():
    options = choice("question_danger_signs", ["cyanosis"])
    assert options["text"].count("•") == 1 and options["options"][0][0] == "cyanosis"


def test_an_unknown_language_falls_back_to_english():
    assert message("start_over", "xx")["text"] == message("start_over")["text"]
