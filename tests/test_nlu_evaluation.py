"""The held-out NLU split (tests/nlu/) on the current model: the thresholds of `make test-nlu`.

The model is loaded once for this module (30-50 s) and every held-out message parsed once;
bot/nlu_evaluation.py does the scoring, `python -m bot.nlu_evaluation` writes the reports.
"""

import asyncio

import pytest
import yaml

from bot import nlu_evaluation as evaluation
from bot.settings import PROJECT_ROOT


def domain_intents() -> set[str]:
    intents = set()
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        for intent in yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


# ------------------------------------------------------------ the held-out data itself (fast)

def test_held_out_messages_are_not_in_the_training_data():
    assert evaluation.leaked_examples() == []


def test_every_domain_intent_has_held_out_examples():
    held_out = {e.intent for e in evaluation.load_examples()}
    assert held_out == domain_intents()


def test_annotations_are_protocol_facts_with_typed_values():
    from bot.nlu.facts import FACT_NAMES

    for example in evaluation.load_examples():
        for name, value in example.facts.items():
            assert name in FACT_NAMES, (example.text, name)
            numeric = name in ("temperature_c", "age", "fever_days")
            if numeric:
                assert isinstance(value, (int, float)) or value == "unknown", (example.text, name, value)
            else:
                assert isinstance(value, bool), (example.text, name, value)
    for case in evaluation.load_temperatures():
        assert set(case) == {"text", "temperature_c"}, case


def test_scoring_counts_a_wrong_value_as_a_false_positive_and_a_false_negative():
    examples = [evaluation.Example("fever of 38.5", "report_symptoms", {"fever": True, "temperature_c": 38.5}),
                evaluation.Example("hi", "greet", {})]
    parses = [{"intent": {"name": "report_symptoms", "confidence": 1.0},
               "entities": [{"entity": "fever", "value": True}, {"entity": "temperature_c", "value": 39.0},
                            {"entity": "number", "value": 3}]},
              {"intent": {"name": "nlu_fallback", "confidence": 0.5}, "entities": []}]
    facts = evaluation.score_facts(examples, parses)
    assert facts["per_fact"]["fever"]["f1"] == 1.0
    assert facts["per_fact"]["temperature_c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert "number" not in facts["per_fact"]  # not a protocol fact
    intents = evaluation.score_intents(examples, parses)
    assert intents["per_intent"]["greet"]["recall"] == 0.0 and intents["macro_f1"] == 0.5
    assert evaluation.same(38.33, (101 - 32) * 5 / 9) and not evaluation.same(True, 1)


# ------------------------------------------------------------ the model on it (one load)

@pytest.fixture(scope="module")
def results(model_path):
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset other tests' loop
    try:
        return loop.run_until_complete(evaluation.evaluate_model(model_path))
    finally:
        loop.close()


def _errors(results, intents=None) -> str:
    return "\n".join(f"  {e['text']!r}: {e['intent']} -> {e['predicted']}"
                     for e in results["intents"]["errors"] if intents is None or e["intent"] in intents)


def test_macro_intent_f1(results):
    macro = results["intents"]["macro_f1"]
    assert macro >= evaluation.MIN_MACRO_F1, \
        f"macro intent F1 {macro:.3f} < {evaluation.MIN_MACRO_F1}; misclassified:\n{_errors(results)}"


def test_every_intent_f1(results):
    low = {name: round(row["f1"], 3) for name, row in results["intents"]["per_intent"].items()
           if row["f1"] < evaluation.MIN_INTENT_F1}
    assert not low, f"intents under F1 {evaluation.MIN_INTENT_F1}: {low}\n{_errors(results, low)}"


def test_temperature_extraction(results):
    temperatures = results["temperatures"]
    misses = "\n".join(f"  {m['text']!r}: expected {m['expected']}, found {m['found']}"
                       for m in temperatures["misses"])
    assert temperatures["accuracy"] >= evaluation.MIN_TEMPERATURE_ACCURACY, \
        f"temperature extraction {temperatures['accuracy']:.3f}; misses:\n{misses}"
