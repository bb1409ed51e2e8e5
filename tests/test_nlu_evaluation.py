"""The held-out NLU split (tests/nlu/) on the current model: the thresholds of `make test-nlu`
(intents, answers of the retrieval intents faq and support, crisis recall, temperatures).

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


@pytest.mark.parametrize("language", sorted(evaluation.SPLITS))
def test_every_domain_intent_has_held_out_examples(language):
    held_out = {e.intent for e in evaluation.load_examples(evaluation.SPLITS[language][0])}
    assert held_out == domain_intents()


def domain_responses() -> set[str]:
    responses = set()
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        responses |= set(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return responses


@pytest.mark.parametrize("language", sorted(evaluation.SPLITS))
def test_held_out_answers_exist_and_every_retrieval_intent_has_some(language):
    examples = evaluation.load_examples(evaluation.SPLITS[language][0])
    answers = {e.answer for e in examples if e.answer}
    assert {f"utter_{answer}" for answer in answers} <= domain_responses()
    assert all(answer.split("/")[0] == e.intent for e in examples for answer in [e.answer] if answer)
    retrieval_intents = {name.split("/")[0].removeprefix("utter_")
                         for name in domain_responses() if "/" in name}
    assert retrieval_intents == {"faq", "support"}
    assert retrieval_intents <= {e.intent for e in examples if e.answer}
    assert sum(e.intent == evaluation.CRISIS_INTENT for e in examples) >= 10


@pytest.mark.parametrize("language", sorted(evaluation.SPLITS))
def test_annotations_are_protocol_facts_with_typed_values(language):
    from bot.nlu.facts import FACT_NAMES

    split, temperatures = evaluation.SPLITS[language]
    for example in evaluation.load_examples(split):
        for name, value in example.facts.items():
            assert name in FACT_NAMES, (example.text, name)
            numeric = name in ("temperature_c", "age", "fever_days")
            if numeric:
                assert isinstance(value, (int, float)) or value == "unknown", (example.text, name, value)
            else:
                assert isinstance(value, bool), (example.text, name, value)
    for case in evaluation.load_temperatures(temperatures):
        assert set(case) == {"text", "temperature_c"}, case


def test_the_chinese_split_is_chinese_and_the_english_one_english():
    from bot.nlu.language import han_characters

    chinese = [e for e in evaluation.load_examples(evaluation.SPLITS["zh"][0])
               if e.intent not in ("other_language", "switch_language")]
    english = [e for e in evaluation.load_examples(evaluation.SPLITS["en"][0])
               if e.intent != "other_language"]
    assert all(han_characters(e.text) for e in chinese)
    assert not any(han_characters(e.text) for e in english)


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


def _parse(intent, answer=None, family="faq", confidence=0.9):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if answer:
        parse["response_selector"] = {family: {"response": {"intent_response_key": answer,
                                                            "confidence": confidence}}}
    return parse


def test_an_answer_is_right_only_with_the_right_intent_and_the_right_key():
    examples = [evaluation.Example("do masks work", "faq", {}, "faq/masks"),
                evaluation.Example("how do I wash my hands", "faq", {}, "faq/hands"),
                evaluation.Example("is garlic good", "faq", {}, "faq/garlic"),
                evaluation.Example("I can't sleep", "support", {}, "support/sleep"),
                evaluation.Example("is soap enough", "faq", {}, "faq/hands"),
                evaluation.Example("hello", "greet", {})]
    parses = [_parse("faq", "faq/masks"),
              _parse("faq", "faq/masks"),                   # wrong answer
              _parse("out_of_scope", "faq/garlic"),         # right answer, never said
              _parse("support", "support/sleep", "support"),
              _parse("faq", "faq/hands", confidence=0.2),   # right, too unsure to be said
              _parse("greet")]
    answers = evaluation.score_answers(examples, parses, min_confidence=0.3)
    assert answers["per_intent"]["faq"] == {"accuracy": 0.25, "selector_accuracy": 0.75,
                                            "support": 4}
    assert answers["per_intent"]["support"]["accuracy"] == 1.0
    assert answers["accuracy"] == 0.4
    assert [e["answer"] for e in answers["errors"]] == ["faq/hands", "faq/garlic", "faq/hands"]
    assert evaluation.score_answers(examples, parses, min_confidence=0.1)["accuracy"] == 0.6
    assert 0 < evaluation.answer_confidence_bar() < 1  # the actions' own bar by default
    intents = evaluation.score_intents(examples, parses)
    assert intents["per_intent"]["faq"]["recall"] == 0.75  # scored as the family


def test_chinese_has_its_own_bars_for_intents_and_answers_only():
    english, chinese = evaluation.bars("en"), evaluation.bars("zh")
    assert english["macro_f1"] == evaluation.MIN_MACRO_F1
    assert chinese["crisis"] == 1.0 and chinese["temperatures"] == english["temperatures"]
    assert all(0.3 <= chinese[k] <= english[k] for k in ("macro_f1", "intent_f1", "answers"))


def test_a_missed_crisis_message_fails_however_good_the_rest_is():
    examples = [evaluation.Example(f"crisis {i}", "crisis", {}) for i in range(20)] \
        + [evaluation.Example("I can't sleep", "support", {}, "support/sleep")]
    parses = [_parse("crisis")] * 19 + [_parse("support", "support/sleep", "support")] * 2
    intents = evaluation.score_intents(examples, parses)
    results = {"intents": intents, "crisis": evaluation.score_crisis(intents),
               "answers": evaluation.score_answers(examples, parses, min_confidence=0.3),
               "temperatures": {"accuracy": 1.0}}
    assert results["crisis"]["recall"] == 0.95 and results["crisis"]["missed"][0]["text"] == "crisis 19"
    assert results["answers"]["accuracy"] == 1.0
    assert f"crisis recall 0.950 < {evaluation.MIN_CRISIS_RECALL} (1 crisis message(s) missed)" \
        in evaluation.failures(results)


# ------------------------------------------------------------ the model on it (one load)

@pytest.fixture(scope="module")
def all_results(model_path):
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset other tests' loop
    try:
        return loop.run_until_complete(evaluation.evaluate_model(model_path))
    finally:
        loop.close()


@pytest.fixture(params=sorted(evaluation.SPLITS))
def results(all_results, request):
    """One language's results: every threshold holds for each language on its own."""
    return all_results[request.param]


def _errors(results, intents=None) -> str:
    return "\n".join(f"  {e['text']!r}: {e['intent']} -> {e['predicted']}"
                     for e in results["intents"]["errors"] if intents is None or e["intent"] in intents)


def test_macro_intent_f1(results):
    macro, bar = results["intents"]["macro_f1"], evaluation.bars(results["language"])["macro_f1"]
    assert macro >= bar, f"macro intent F1 {macro:.3f} < {bar}; misclassified:\n{_errors(results)}"


def test_every_intent_f1(results):
    low = {name: round(row["f1"], 3) for name, row in results["intents"]["per_intent"].items()
           if row["f1"] < evaluation.bars(results["language"])["intent_f1"]}
    assert not low, f"intents under their F1 bar: {low}\n{_errors(results, low)}"


def test_temperature_extraction(results):
    temperatures = results["temperatures"]
    misses = "\n".join(f"  {m['text']!r}: expected {m['expected']}, found {m['found']}"
                       for m in temperatures["misses"])
    assert temperatures["accuracy"] >= evaluation.MIN_TEMPERATURE_ACCURACY, \
        f"temperature extraction {temperatures['accuracy']:.3f}; misses:\n{misses}"


def test_answers_of_retrieval_intents(results):
    answers = results["answers"]
    low = {name: row["accuracy"] for name, row in answers["per_intent"].items()
           if row["accuracy"] < evaluation.bars(results["language"])["answers"]}
    wrong = "\n".join(f"  {e['text']!r}: {e['answer']} -> {e['selected']} ({e['confidence']}, "
                      f"intent {e['intent']})" for e in answers["errors"])
    assert set(answers["per_intent"]) == {"faq", "support"}
    assert not low, f"right answers under their bar: {low}\n{wrong}"


def test_every_crisis_message_is_recognised(results):
    crisis = results["crisis"]
    missed = "\n".join(f"  {e['text']!r} -> {e['predicted']}" for e in crisis["missed"])
    assert crisis["support"] and crisis["recall"] >= evaluation.MIN_CRISIS_RECALL, \
        f"crisis recall {crisis['recall']}; missed:\n{missed}"
