"""How the case page reads a conversation's events (no server needed)."""

from __future__ import annotations

from bot.web.console import transcript
from bot.web.console.transcript import fact_value, lines, result

TRIAGE = {"route": "fever_clinic", "rules": ["R-F3"], "reasons": ["High fever for 4 days."],
          "protocol_version": "1.0.0", "facts": {"fever": True, "fever_days": 4}}
EVENTS = [
    {"event": "session_started", "timestamp": 1.0},
    {"event": "user", "timestamp": 2.0, "text": "blorp",
     "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.3}}},
    {"event": "bot", "timestamp": 3.0, "text": "Sorry, I didn't understand.",
     "data": {"buttons": [{"title": "Check my symptoms", "payload": "/check_symptoms"}]}},
    {"event": "user", "timestamp": 4.0, "text": "/check_symptoms",
     "metadata": {"button": "Check my symptoms"},
     "parse_data": {"intent": {"name": "check_symptoms", "confidence": 1.0}}},
    {"event": "slot", "timestamp": 4.1, "name": "fever", "value": True},
    {"event": "bot", "timestamp": 5.0, "text": "Please go to a fever clinic today."},
    {"event": "bot", "timestamp": 5.1, "text": "Why: High fever for 4 days."},
    {"event": "bot", "timestamp": 5.2, "data": {"custom": {"triage": TRIAGE}}},
    {"event": "user", "timestamp": 6.0, "text": "thanks",
     "parse_data": {"intent": {"name": "thanks", "confidence": 0.9}}},
    {"event": "bot", "timestamp": 7.0, "text": "I'm the nurse.", "metadata": {"staff": "nina"}},
]


def test_lines_tell_person_bot_staff_and_result_apart():
    shown = lines(EVENTS)
    assert [(line.who, line.text) for line in shown] == [
        ("divider", "New session"),
        ("person", "blorp"),
        ("bot", "Sorry, I didn't understand."),
        ("person", "Check my symptoms"),
        ("bot", "Please go to a fever clinic today."),
        ("bot", "Why: High fever for 4 days."),
        ("result", "Result given: fever_clinic (R-F3)"),
        ("person", "thanks"),
        ("staff", "I'm the nurse."),
    ]
    assert shown[1].unclear and not shown[7].unclear
    assert shown[2].choices == ["Check my symptoms"] and shown[3].button
    assert shown[8].author == "nina" and shown[8].at == 7.0


def test_the_result_comes_from_the_transcript_when_the_case_has_none():
    found = result(None, EVENTS)
    assert (found.route, found.rules, found.reasons) == ("fever_clinic", ["R-F3"],
                                                         ["High fever for 4 days."])
    assert found.facts == {"fever": True, "fever_days": 4}
    assert found.advice == ["Please go to a fever clinic today.", "Why: High fever for 4 days."]
    assert result(None, EVENTS[:4]) is None


def test_the_cases_assessment_wins_and_an_unfinished_one_keeps_the_result_given():
    own = result({"route": "emergency", "rules": ["R-E1"], "reasons": ["Breathing."],
                  "facts": {"breathing_difficulty": True}, "advice": "Call 120."}, EVENTS)
    assert (own.route, own.rules, own.advice, own.finished) == (
        "emergency", ["R-E1"], ["Call 120."], True)
    unfinished = result({"facts": {"fever": True, "age": 34}, "finished": False}, EVENTS)
    assert unfinished.route == "fever_clinic" and unfinished.rules == ["R-F3"]
    assert unfinished.facts == {"fever": True, "age": 34} and not unfinished.finished


def test_fact_values_read_plainly():
    assert [fact_value(v) for v in (True, False, None, 38.5, ["a", "b"], [])] == [
        "yes", "no", "unknown", "38.5", "a, b", "none"]


def test_the_language_staff_should_reply_in_is_the_last_one_the_bot_used():
    events = [{"event": "slot", "name": "language", "value": "en"},
              {"event": "user", "text": "我发烧了"},
              {"event": "slot", "name": "language", "value": "zh"}]
    assert transcript.language(events) == "Chinese (中文)"
    assert transcript.language(events[:1]) == "English"
    assert transcript.language([{"event": "user", "text": "38.5"}]) is None
