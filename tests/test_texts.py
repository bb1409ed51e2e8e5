"""The bot's texts: every text the code asks for exists, and placeholders are filled."""

import re
from pathlib import Path

import pytest

from bot.texts import catalogue, message
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


def test_buttons_of_choice_questions_name_protocol_facts():
    for question in ENGINE.questions:
        buttons = message(f"question_{question.id}").get("buttons", [])
        for button in buttons:
            payload = button["payload"]
            named = re.findall(r'"([a-z_]+)":', payload)
            assert set(named) <= set(ENGINE.fact_types), payload


def test_an_unknown_language_falls_back_to_english():
    assert message("start_over", "xx")["text"] == message("start_over")["text"]
