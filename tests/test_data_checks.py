"""`make validate`'s own checks (bot/data_checks.py), on tiny projects with one mistake each
(tests/fixtures/projects/README.md), on a clean one and on the real project; and Rasa's
validator on the mistake we leave to it (stories that contradict each other)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import data_checks
from bot.data_checks import Project

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
FIXTURE_MIN_EXAMPLES = 3  # the fixtures' intents, and answers of faq, have 3 examples each


def too_few(project: Project) -> list[str]:
    return data_checks.intents_with_too_few_examples(project, FIXTURE_MIN_EXAMPLES,
                                                     FIXTURE_MIN_EXAMPLES)


CHECKS = {
    "duplicate_examples": data_checks.duplicate_examples,
    "too_few_examples": too_few,
    "unmatched_answers": data_checks.unmatched_answers,
    "unsourced_answers": data_checks.unsourced_answers,
    "numbers_in_answers": data_checks.numbers_in_answers,
    "missing_responses": data_checks.missing_responses,
    "facts_without_slots": data_checks.facts_without_slots,
    "rule_conflicts": data_checks.rule_conflicts,
}

# fixture project -> the one check that must fail, and what its message must name
EXPECTED = {
    "duplicate_example": ("duplicate_examples",
                          ["'i have a fever'", "goodbye", "inform", "data/nlu/nlu.yml:13",
                           "'I have a [fever](fever)'"]),
    "too_few_examples": ("too_few_examples", ["'goodbye'", "2 distinct examples", "data/nlu/nlu.yml"]),
    "missing_response": ("missing_responses", ["data/stories/stories.yml:8", "'utter_bye'"]),
    "missing_response_in_domain": ("missing_responses", ["domain/core.yml:7", "'utter_welcome'"]),
    "rule_conflict": ("rule_conflicts", ["data/stories/stories.yml:3", "'greet, then goodbye'",
                                         "rule(s) 'greet'", "'utter_greet'"]),
    "fact_without_slot": ("facts_without_slots", ["'cough'", "bot/triage/protocol.yml:3",
                                                  "no slot", "triage_form's required_slots"]),
    # retrieval intents (faq/<answer>): examples counted per answer, answers and examples paired
    "too_few_answer_examples": ("too_few_examples", ["answer 'faq/hands'", "retrieval intent 'faq'",
                                                     "2 distinct examples", "data/nlu/faq.yml"]),
    "answer_without_examples": ("unmatched_answers", ["domain/faq.yml:6", "'faq/pets'",
                                                      "never chosen"]),
    "examples_without_answer": ("unmatched_answers", ["data/nlu/faq.yml:13", "'faq/pets'",
                                                      "'utter_faq/pets'"]),
    "unsourced_answer": ("unsourced_answers", ["domain/faq.yml:5", "'utter_faq/hands'",
                                               "'(Source: China NHC)'", "20 seconds."]),
    "number_in_answer": ("numbers_in_answers", ["domain/faq.yml:4", "'utter_faq/masks'", "'120'",
                                                "{emergency_number}"]),
}


def failing_checks(project: Project) -> dict[str, list[str]]:
    found = {name: check(project) for name, check in CHECKS.items()}
    return {name: problems for name, problems in found.items() if problems}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_caught_by_its_own_check_only(name):
    check, words = EXPECTED[name]
    failing = failing_checks(Project(PROJECTS / name))
    assert list(failing) == [check]
    assert len(failing[check]) == 1
    for word in words:
        assert word in failing[check][0]


@pytest.mark.parametrize("name", ["clean", "story_conflict"])
def test_projects_without_our_kind_of_mistake_pass(name):
    # story_conflict's mistake is Rasa's validator's business (see below)
    assert failing_checks(Project(PROJECTS / name)) == {}


def test_the_real_project_passes():
    project = Project()
    assert data_checks.problems(project) == []
    assert data_checks.form_slots_without_facts(project) == []


def test_retrieval_intents_count_each_answer_and_the_whole_intent():
    project = Project(PROJECTS / "clean")
    # 3 examples per answer and per ordinary intent, 6 for faq
    assert data_checks.intents_with_too_few_examples(project, 3, 3) == []
    problems = data_checks.intents_with_too_few_examples(project, 7, 4)
    assert [p.split(" has ")[0] for p in problems] == [
        "The intent 'faq'", "The answer 'faq/hands' of the retrieval intent 'faq'",
        "The answer 'faq/masks' of the retrieval intent 'faq'",
        "The intent 'goodbye'", "The intent 'greet'", "The intent 'inform'"]


def test_source_tags_and_phone_numbers(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "clean", root)
    faq = root / "domain" / "faq.yml"
    texts = {"a (Source: WHO) (Source: WHO)": 1, "a (Source: CDC)": 1, "a (Source: China NHC)": 0,
             "a (Source: US CDC) ": 0, "(source: who)": 1}
    for text, problems in texts.items():
        faq.write_text(faq.read_text().split("responses:")[0]
                       + f'responses:\n  utter_faq/masks: [{{text: "{text}"}}]\n'
                       + '  utter_faq/hands: [{text: "b (Source: WHO)"}]\n')
        assert len(data_checks.unsourced_answers(Project(root))) == problems, text
    numbers = {"call {emergency_number} now": 0, "call 120 now": 1, "ring 400-161-9995": 1,
               "at least 20 seconds, 60% alcohol, 36.5 to 37 °C, 100.4 F": 0,
               "first seen in 2019": 0, "dial 010 6552 2000": 1}
    for text, problems in numbers.items():
        faq.write_text(faq.read_text().split("responses:")[0]
                       + f'responses:\n  utter_faq/masks: [{{text: "{text} (Source: WHO)"}}]\n')
        assert len(data_checks.numbers_in_answers(Project(root))) == problems, text


def _bilingual_project(tmp_path) -> Path:
    """The clean project with a Chinese catalogue beside the English one, every response
    and example in both languages: passes every check."""
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "clean", root)
    (root / "bot" / "texts" / "zh").mkdir(parents=True)
    (root / "bot" / "texts" / "en.yml").write_text(
        'hello: "Hello, call {emergency_number}"\n'
        'ask:\n  text: "Fever?"\n  buttons:\n  - {title: "Yes", payload: /affirm}\n')
    (root / "bot" / "texts" / "zh" / "triage.yml").write_text(
        'hello: "您好，请拨打 {emergency_number}"\n'
        'ask:\n  text: "发烧吗？"\n  buttons:\n  - {title: "是", payload: /affirm}\n')
    zh = {"utter_greet": "您好！", "utter_goodbye": "再见。",
          "utter_faq/masks": "戴口罩。（来源：世界卫生组织）",
          "utter_faq/hands": "洗手。（来源：美国疾病预防控制中心）"}
    for path in (root / "domain").glob("*.yml"):
        text = path.read_text()
        for name, words in zh.items():
            text = text.replace(f"  {name}: [", f"  {name}: [{{text: \"{words}\", condition: "
                                f"[{{type: slot, name: language, value: zh}}]}}, ")
        path.write_text(text)
    for path in (root / "data" / "nlu").glob("*.yml"):
        path.write_text(re.sub(r"(- intent: (\S+)\n  examples: \|\n)",
                               lambda m: m.group(1) + "".join(
                                   f"    - 中文{m.group(2)}例句{k}\n" for k in range(3)),
                               path.read_text()))
    return root


def test_a_project_in_two_languages_passes(tmp_path):
    project = Project(_bilingual_project(tmp_path))
    assert data_checks.languages(project) == ["en", "zh"]
    assert failing_checks(project) == {}
    assert data_checks.untranslated_texts(project) == []
    assert data_checks.examples_per_language(project) == []


def test_a_text_missing_in_one_language_fails(tmp_path):
    root = _bilingual_project(tmp_path)
    zh = root / "bot" / "texts" / "zh" / "triage.yml"
    zh.write_text(zh.read_text().replace("hello:", "# hello:"))
    problems = data_checks.untranslated_texts(Project(root))
    assert len(problems) == 1 and "'hello' has no 'zh' version" in problems[0]
    zh.write_text(zh.read_text().replace("# hello:", "hello:").replace("{emergency_number}", "120")
                  + 'bye: "再见"\n')
    problems = data_checks.untranslated_texts(Project(root))
    assert len(problems) == 2
    assert any("'bye' exists in 'zh' but not in English" in p for p in problems)
    assert any("'hello' has other buttons, options or placeholders" in p for p in problems)
    zh.write_text(zh.read_text().replace("120", "{emergency_number}").replace("/affirm", "/deny"))
    problems = data_checks.untranslated_texts(Project(root))
    assert len(problems) == 2 and any("'ask' has other buttons" in p for p in problems)


def test_a_response_or_reason_missing_in_one_language_fails(tmp_path):
    root = _bilingual_project(tmp_path)
    core = root / "domain" / "core.yml"
    core.write_text(core.read_text().replace('{text: "再见。", condition: '
                                             '[{type: slot, name: language, value: zh}]}, ', ""))
    problems = data_checks.untranslated_texts(Project(root))
    assert len(problems) == 1
    assert "domain/core.yml" in problems[0] and "'utter_goodbye' has no 'zh' variation" in problems[0]
    protocol = root / "bot" / "triage" / "protocol.yml"
    protocol.write_text(protocol.read_text() + "rules:\n  - id: R-1\n    when: fever\n"
                        "    route: self_care\n    reason: {en: You have a fever.}\n")
    problems = data_checks.untranslated_texts(Project(root))
    assert len(problems) == 2 and "the rule R-1 has no 'zh' reason" in problems[1]


def test_too_few_examples_in_one_language_fail(tmp_path):
    root = _bilingual_project(tmp_path)
    nlu = root / "data" / "nlu" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("    - 中文goodbye例句2\n", ""))
    problems = data_checks.examples_per_language(Project(root))
    assert len(problems) == 1
    assert "'goodbye' has 2 'zh' example(s)" in problems[0] and "data/nlu/nlu.yml" in problems[0]


def test_the_real_catalogues_match_key_for_key():
    from bot.texts import catalogue

    assert set(catalogue("en")) == set(catalogue("zh"))


def test_examples_compare_without_case_spacing_or_annotations():
    assert data_checks.normalise("  I have a  [FEVER](fever) ") == "i have a fever"
    assert data_checks.normalise('[38.5]{"entity": "temperature_c"} degrees') == "38.5 degrees"
    assert data_checks.normalise("[hot](fever:true) today") == "hot today"


def test_a_form_slot_that_is_no_fact_is_a_warning_not_a_problem(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "clean", root)
    triage = root / "domain" / "triage.yml"
    triage.write_text(triage.read_text()
                      .replace("required_slots: [fever]", "required_slots: [fever, mood]")
                      .replace("slots:\n", "slots:\n  mood: {type: any, mappings: [{type: custom}]}\n"))
    project = Project(root)
    warnings = data_checks.form_slots_without_facts(project)
    assert len(warnings) == 1 and "'mood'" in warnings[0]
    assert failing_checks(project) == {}


def test_main_prints_the_problems_and_exits_1(capsys):
    minimums = ["--min-examples", "3", "--min-answer-examples", "3"]
    project = str(PROJECTS / "too_few_examples")
    assert data_checks.main(["--project", project, *minimums]) == 1
    assert "The intent 'goodbye' has 2 distinct examples" in capsys.readouterr().out
    assert data_checks.main(["--project", str(PROJECTS / "clean"), *minimums]) == 0


def test_main_uses_the_real_minimum_by_default(capsys):
    # the clean project's 3 examples per intent are too few for the real project's bar
    assert data_checks.main(["--project", str(PROJECTS / "clean")]) == 1
    out = capsys.readouterr().out
    assert f"it needs at least {data_checks.MIN_EXAMPLES}" in out
    assert f"each answer needs at least {data_checks.MIN_ANSWER_EXAMPLES}" in out


# Rasa's validator, as `make validate` runs it, on both projects at once (a Rasa start
# takes ~10 s of CPU). The clean project shows the other one fails for its mistake alone.

RASA_PROJECTS = {"clean": 0, "story_conflict": 1}


@pytest.fixture(scope="module")
def rasa_validate() -> dict[str, tuple[int, str]]:
    rasa = Path(sys.executable).parent / "rasa"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [str(rasa), "data", "validate", "--domain", "domain", "--data", "data",
               "--config", "config.yml", "--fail-on-warnings"]
    running = {name: subprocess.Popen(command, cwd=PROJECTS / name, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for name in RASA_PROJECTS}
    output = {name: process.communicate(timeout=300)[0] for name, process in running.items()}
    return {name: (process.returncode, output[name]) for name, process in running.items()}


@pytest.mark.parametrize("name", sorted(RASA_PROJECTS))
def test_rasa_validator(rasa_validate, name):
    returncode, output = rasa_validate[name]
    assert (returncode != 0) == bool(RASA_PROJECTS[name]), output
    if name == "story_conflict":
        assert "Story structure conflict after intent 'goodbye'" in output
