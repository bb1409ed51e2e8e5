"""Checks on the training data that `rasa data validate --fail-on-warnings` misses.

`make validate` runs Rasa's validator first, then `python -m bot.data_checks`, which prints
each problem as a sentence naming the file and exits 1 if there is any.

What Rasa 3.6's validator already fails on, and what these checks add:
- the same example under two intents: Rasa only when the texts are identical once entity
  annotations are removed; `duplicate_examples` also ignores case and spacing.
- intents with too few examples: Rasa never fails (an intent with none only warns);
  `intents_with_too_few_examples`.
- responses referenced but missing: Rasa fails for `utter_` actions in stories and rules,
  not for those listed under the domain's `actions`; `missing_responses` covers all three.
- stories and rules that conflict: Rasa compares stories with stories only; rules are
  checked by RulePolicy when `rasa train` ends. `rule_conflicts` runs that check now.
- a protocol fact without a slot: Rasa does not know the protocol; `facts_without_slots`.
- texts in every language: the project's languages are English plus each catalogue in
  bot/texts (zh.yml, zh/). `untranslated_texts` wants every text of bot/texts, every domain
  response (a variation with `condition: [{type: slot, name: language, value: zh}]` beside
  the unconditioned English one) and every protocol reason in each of them, with the same
  buttons (payloads) and {placeholders}; `examples_per_language` wants every intent (and
  answer of a retrieval intent) to have examples in each language.
- retrieval intents (faq, support: one answer `utter_faq/<key>` per example group
  `faq/<key>`, picked by a ResponseSelector): Rasa counts neither the examples per answer
  nor answers without examples; `intents_with_too_few_examples` counts each answer's
  examples, `unmatched_answers` pairs answers and example groups, `unsourced_answers` wants
  every prevention answer to end with its public source, and `numbers_in_answers` keeps
  phone numbers out of them (the emergency number is `{emergency_number}`, the counselling
  contacts come from the actions).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from bot.nlu.language import DEFAULT_LANGUAGE, HAN
from bot.settings import PROJECT_ROOT

# What docs/training.md asks trainers for. Rasa suggests 10 to start with; ours need more,
# as some are easily confused (affirm, acknowledge, thank; stop, goodbye). When this was
# set, the smallest intent (acknowledge) had 17.
MIN_EXAMPLES = 15
# Intents no person types, so they need no examples: nlu_fallback comes from the
# FallbackClassifier, the others are commands that channels send (/restart). Rasa's
# out_of_scope is not listed: here it is trained like any other intent. An intent that
# only a button sends would go here too; there is none (every payload is a trained intent).
EXEMPT_INTENTS = {"nlu_fallback", "restart", "back", "session_start"}
TRIAGE_FORM = "triage_form"
# Retrieval intents: each answer (`faq/<key>`, answered with `utter_faq/<key>`) needs this
# many examples of its own; the whole intent (`faq`) still needs MIN_EXAMPLES. The
# ResponseSelector tells about 60 answers apart with 6 to 9 examples each.
MIN_ANSWER_EXAMPLES = 6
RETRIEVAL_SEPARATOR = "/"
# The retrieval intents whose answers state where they come from, and how (exactly one tag,
# at the very end of every text).
SOURCED_INTENTS = ("faq",)
SOURCE_TAGS = (" (Source: WHO)", " (Source: China NHC)", " (Source: US CDC)",
               "（来源：世界卫生组织）", "（来源：国家卫生健康委员会）", "（来源：美国疾病预防控制中心）")
SOURCE_OPENINGS = ("(Source:", "（来源：")
LANGUAGE_SLOT = "language"
# Examples each intent (and each answer of a retrieval intent) needs in every language.
MIN_LANGUAGE_EXAMPLES = 3
# Intents that are no language of ours, or that no person types.
SINGLE_LANGUAGE_INTENTS = {"other_language"}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Three or more digits, maybe split by spaces or hyphens (120, 400-161-9995, 010 6552 2000),
# in a retrieval answer: a phone number, which answers must never write themselves. Years
# (1900-2099) are allowed.
PHONE_NUMBER = re.compile(r"(?<![\d.,])\d(?:[ -]?\d){2,}(?![\d.,]\d)")
YEAR = re.compile(r"(19|20)\d\d")

# Rasa's entity annotations: [text](entity), [text](entity:value) and [text]{"entity": ...}
ENTITY_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Project:
    """Where a Rasa project keeps its data, domain, config and triage protocol."""

    root: Path = PROJECT_ROOT

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def domain(self) -> Path:
        return self.root / "domain"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def protocol(self) -> Path:
        return self.root / "bot" / "triage" / "protocol.yml"

    def name(self, path: Path) -> str:
        """A path as the reader knows it: relative to the project."""
        return str(path.relative_to(self.root))


    @property
    def texts(self) -> Path:
        return self.root / "bot" / "texts"


@dataclass(frozen=True)
class Example:
    intent: str  # for a retrieval intent, the whole key: "faq/masks"
    text: str
    path: Path


@dataclass(frozen=True)
class Response:
    name: str  # "utter_faq/masks"
    texts: tuple[str, ...]  # one per variation
    path: Path


# Reading the project

def yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml"))


def load_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def domain(project: Project) -> dict:
    """The domain's files merged as Rasa merges them: lists joined, mappings combined."""
    merged: dict[str, Any] = {}
    for path in yaml_files(project.domain):
        for key, value in load_yaml(path).items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


def examples(project: Project) -> list[Example]:
    """Every intent example in data/nlu, as written (annotations kept)."""
    found = []
    for path in yaml_files(project.data / "nlu"):
        for item in load_yaml(path).get("nlu", []):
            if "intent" in item:
                found += [Example(item["intent"], text, path) for text in _texts(item.get("examples"))]
    return found


def _texts(block: Any) -> list[str]:
    # `examples: |` holds "- text" lines; the long form is a list of {text: ...}
    if isinstance(block, str):
        return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]
    return [item["text"] if isinstance(item, dict) else str(item) for item in block or []]


def responses(project: Project) -> list[Response]:
    """Every response in the domain, and in the data (Rasa allows retrieval answers there)."""
    found = []
    for path in yaml_files(project.domain) + yaml_files(project.data):
        for name, variations in (load_yaml(path).get("responses") or {}).items():
            texts = tuple(v.get("text") or "" for v in variations or [] if isinstance(v, dict))
            found.append(Response(name, texts, path))
    return found


def retrieval_intent(intent: str) -> str | None:
    """"faq" for the answer key "faq/masks"; None for an ordinary intent."""
    return intent.split(RETRIEVAL_SEPARATOR)[0] if RETRIEVAL_SEPARATOR in intent else None


def retrieval_answers(project: Project) -> list[Response]:
    """The answers of retrieval intents: responses named utter_<intent>/<key>."""
    return [r for r in responses(project) if RETRIEVAL_SEPARATOR in r.name]


def dialogue_steps(project: Project) -> Iterator[tuple[Path, dict]]:
    """Each step of every rule and story, with its file."""
    for folder in ("rules", "stories"):
        for path in yaml_files(project.data / folder):
            for block in load_yaml(path).get(folder, []):
                for step in block.get("steps", []):
                    yield path, step


def normalise(text: str) -> str:
    """An example as the classifier sees it: no annotations, case or extra spaces."""
    return " ".join(ENTITY_ANNOTATION.sub(r"\1", text).casefold().split())


def line_of(path: Path, text: str) -> int | None:
    """The line of `path` that is `text` (else the first to start with it), for messages."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    for matches in (str.__eq__, str.startswith):
        for number, line in enumerate(lines, start=1):
            if matches(line, text):
                return number
    return None


def where(project: Project, path: Path, text: str) -> str:
    line = line_of(path, text)
    return f"{project.name(path)}:{line}" if line else project.name(path)


# The checks: each returns its problems as sentences

def duplicate_examples(project: Project) -> list[str]:
    """The same example (ignoring case, spacing and entity annotations) under two intents."""
    by_text: dict[str, list[Example]] = defaultdict(list)
    for example in examples(project):
        by_text[normalise(example.text)].append(example)
    problems = []
    for text, found in by_text.items():
        if len({e.intent for e in found}) > 1:
            places = [f"'{e.text}' as {e.intent} ({where(project, e.path, '- ' + e.text)})"
                      for e in found]
            problems.append(f"The example '{text}' is under more than one intent: {'; '.join(places)}.")
    return problems


def intents_with_too_few_examples(project: Project, minimum: int = MIN_EXAMPLES,
                                  answer_minimum: int = MIN_ANSWER_EXAMPLES) -> list[str]:
    """Intents in the domain or the NLU data with fewer than `minimum` distinct examples.

    A retrieval intent's examples are counted per answer (`faq/masks` needs `answer_minimum`)
    and, all answers together, for the intent (`faq` needs `minimum`).
    """
    distinct: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    for example in examples(project):
        for intent in filter(None, (example.intent, retrieval_intent(example.intent))):
            distinct[intent].add(normalise(example.text))
            files[intent].add(project.name(example.path))
    intents = set(distinct) | {_name(i) for i in domain(project).get("intents", [])}
    problems = []
    for intent in sorted(intents - EXEMPT_INTENTS):
        count = len(distinct[intent])
        family = retrieval_intent(intent)
        needed = answer_minimum if family else minimum
        if count == 0:
            problems.append(f"The intent '{intent}' is in the domain but has no examples in "
                            f"{project.name(project.data / 'nlu')}; it needs at least {needed}.")
        elif count < needed and family:
            problems.append(f"The answer '{intent}' of the retrieval intent '{family}' has {count} "
                            f"distinct examples in {', '.join(sorted(files[intent]))}; each answer "
                            f"needs at least {needed}.")
        elif count < needed:
            problems.append(f"The intent '{intent}' has {count} distinct examples in "
                            f"{', '.join(sorted(files[intent]))}; it needs at least {needed}.")
    return problems


def missing_responses(project: Project) -> list[str]:
    """`utter_` actions in rules, stories or the domain's actions with no response."""
    the_domain = domain(project)
    responses = {key.split("/")[0] for key in the_domain.get("responses", {})}
    # responses may also live in the data files (retrieval intents)
    for path in yaml_files(project.data):
        responses |= {key.split("/")[0] for key in load_yaml(path).get("responses", {})}
    problems = []
    for path, step in dialogue_steps(project):
        action = step.get("action", "")
        if action.startswith("utter_") and action not in responses:
            problems.append(f"{where(project, path, '- action: ' + action)} runs '{action}', "
                            f"which has no response in the domain.")
    for action in map(_name, the_domain.get("actions", [])):
        if action.startswith("utter_") and action not in responses:
            places = [p for p in yaml_files(project.domain) if line_of(p, "- " + action)]
            place = where(project, places[0], "- " + action) if places else project.name(project.domain)
            problems.append(f"{place} lists the action '{action}', which has no response.")
    return problems


def unmatched_answers(project: Project) -> list[str]:
    """Retrieval answers without examples (never chosen), and examples without an answer.

    The ResponseSelector learns `faq/masks` from its examples and answers with the response
    `utter_faq/masks`: each needs the other.
    """
    groups: dict[str, Path] = {}
    for example in examples(project):
        if retrieval_intent(example.intent):
            groups.setdefault(example.intent, example.path)
    answers = {r.name.removeprefix("utter_"): r for r in retrieval_answers(project)}
    problems = []
    for key, answer in sorted(answers.items()):
        if key not in groups:
            problems.append(f"{where(project, answer.path, answer.name + ':')} is an answer of the "
                            f"retrieval intent '{retrieval_intent(key)}', but no example in "
                            f"{project.name(project.data / 'nlu')} is labelled '{key}', so it is "
                            f"never chosen.")
    for key, path in sorted(groups.items()):
        if key not in answers:
            problems.append(f"{where(project, path, '- intent: ' + key)} has examples for '{key}', "
                            f"but the domain has no response 'utter_{key}' to answer them.")
    return problems


def unsourced_answers(project: Project, intents: tuple[str, ...] = SOURCED_INTENTS) -> list[str]:
    """Answers of `intents` (faq) whose text does not end with exactly one source tag."""
    tags = ", ".join(f"'{tag.strip()}'" for tag in SOURCE_TAGS)
    problems = []
    for answer in retrieval_answers(project):
        if retrieval_intent(answer.name.removeprefix("utter_")) not in intents:
            continue
        for text in answer.texts or ("",):
            if not text.rstrip().endswith(SOURCE_TAGS) or \
                    sum(text.count(opening) for opening in SOURCE_OPENINGS) != 1:
                problems.append(f"{where(project, answer.path, answer.name + ':')}: the answer "
                                f"'{answer.name}' must end with exactly one source tag ({tags}), "
                                f"not '{text[-40:]}'.")
    return problems


def numbers_in_answers(project: Project) -> list[str]:
    """Retrieval answers that write a phone number (the emergency line or any other)."""
    problems = []
    for answer in retrieval_answers(project):
        for text in answer.texts:
            plain = re.sub(r"\{[^}]*\}", "", text)  # {emergency_number} is how to say it
            numbers = [m.group() for m in PHONE_NUMBER.finditer(plain)
                       if not YEAR.fullmatch(m.group())]
            if numbers:
                problems.append(f"{where(project, answer.path, answer.name + ':')}: the answer "
                                f"'{answer.name}' writes the number '{numbers[0]}'; write "
                                f"{{emergency_number}} for the emergency line, and leave other "
                                f"contacts to the action that gives them.")
    return problems


def rule_conflicts(project: Project) -> list[str]:
    """Rules that contradict stories or other rules, as RulePolicy finds them.

    `rasa train` runs this check only at the end of training; here RulePolicy memorises
    the rules alone (seconds, no model is written). It imports Rasa, hence the wait.
    """
    with warnings.catch_warnings():  # Rasa's import and domain warnings: not ours to fix here
        warnings.simplefilter("ignore")
        import sanic  # noqa: F401  (its import turns DeprecationWarnings on again: first, then off)
        warnings.simplefilter("ignore")
        import structlog
        from rasa.core.policies.rule_policy import InvalidRule, RulePolicy
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.shared.core.generator import TrainingDataGenerator
        from rasa.shared.importers.importer import TrainingDataImporter

        if not structlog.is_configured():  # unconfigured, it prints RulePolicy's debug lines
            structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        importer = TrainingDataImporter.load_from_config(
            str(project.config), str(project.domain), [str(project.data)])
        the_domain = importer.get_domain()
        trackers = TrainingDataGenerator(importer.get_stories(), the_domain,
                                         augmentation_factor=0).generate()
        config = {**RulePolicy.get_default_config(), **_rule_policy_config(project),
                  "check_for_contradictions": True}
        with tempfile.TemporaryDirectory() as storage:
            policy = RulePolicy.create(config, LocalModelStorage(Path(storage)),
                                       Resource("rule_policy"), ExecutionContext(GraphSchema({})))
            try:
                policy.train(trackers, the_domain)
            except InvalidRule as error:
                return _rule_problems(project, error.message)
    return []


def _rule_policy_config(project: Project) -> dict:
    policies = load_yaml(project.config).get("policies") or []
    found = next((p for p in policies if p.get("name") == "RulePolicy"), {})
    return {key: value for key, value in found.items() if key != "name"}


def _rule_problems(project: Project, message: str) -> list[str]:
    """RulePolicy's message, one sentence per contradiction, with the story or rule's file."""
    files = _block_files(project)
    lines = [line[2:] for line in message.splitlines() if line.startswith("- ")] or [message.strip()]
    problems = []
    for line in lines:
        named = re.search(r"in (rule|story) '(.*?)' is", line)
        path = files.get(named.group(2)) if named else None
        prefix = f"{where(project, path, '- %s: %s' % named.groups())}: " if path else ""
        problems.append(prefix + line[0].upper() + line[1:])
    return problems


def _block_files(project: Project) -> dict[str, Path]:
    """Story and rule names, and the file each is in."""
    files = {}
    for folder, key in (("rules", "rule"), ("stories", "story")):
        for path in yaml_files(project.data / folder):
            for block in load_yaml(path).get(folder, []):
                files[block.get(key)] = path
    return files


def facts_without_slots(project: Project, form: str = TRIAGE_FORM) -> list[str]:
    """Protocol facts with no slot, or missing from the triage form's required slots.

    validate_triage_form stores each answer in the slot named after its fact, and the
    form can only ask for slots it requires.
    """
    the_domain = domain(project)
    slots = set(the_domain.get("slots", {}))
    required = _required_slots(the_domain, form)
    if required is None:
        return [f"The domain ({project.name(project.domain)}) has no form '{form}' "
                f"to ask the protocol's facts."]
    problems = []
    for fact in protocol_facts(project):
        missing = []
        if fact not in slots:
            missing.append("has no slot in the domain")
        if fact not in required:
            missing.append(f"is not in {form}'s required_slots")
        if missing:
            place = where(project, project.protocol, fact + ":")
            problems.append(f"The protocol fact '{fact}' ({place}) {' and '.join(missing)}.")
    return problems


# Asked by the triage form but not protocol facts: consent comes before any health question.
FORM_SLOTS_NOT_FACTS = {"privacy_consent"}


def form_slots_without_facts(project: Project, form: str = TRIAGE_FORM) -> list[str]:
    """Warnings only: slots the triage form asks for that the protocol does not know."""
    required = _required_slots(domain(project), form) or []
    facts = set(protocol_facts(project)) | FORM_SLOTS_NOT_FACTS
    return [f"The slot '{slot}' is in {form}'s required_slots but is not a fact in "
            f"{project.name(project.protocol)}; the protocol never asks for it."
            for slot in required if slot not in facts]


def protocol_facts(project: Project) -> list[str]:
    """The protocol's facts (what load_engine().fact_types holds)."""
    return list(load_yaml(project.protocol).get("facts", {}))


def _required_slots(the_domain: dict, form: str) -> list[str] | None:
    if form not in the_domain.get("forms", {}):
        return None
    return list((the_domain["forms"][form] or {}).get("required_slots") or [])


def _name(entry: Any) -> str:
    # domain lists hold names, or {name: {options}}
    return next(iter(entry)) if isinstance(entry, dict) else str(entry)


# Languages

def languages(project: Project) -> list[str]:
    """English, then every language with a catalogue in bot/texts (`zh.yml` or `zh/`)."""
    if not project.texts.is_dir():
        return [DEFAULT_LANGUAGE]
    found = {path.stem for path in project.texts.glob("*.yml")}
    found |= {path.name for path in project.texts.iterdir()
              if path.is_dir() and not path.name.startswith("_")}
    return [DEFAULT_LANGUAGE] + sorted(found - {DEFAULT_LANGUAGE})


def catalogue_files(project: Project, language: str) -> list[Path]:
    return [path for path in [project.texts / f"{language}.yml",
                              *sorted((project.texts / language).glob("*.yml"))] if path.exists()]


def _catalogue(project: Project, language: str) -> dict[str, tuple[Any, Path]]:
    entries: dict[str, tuple[Any, Path]] = {}
    for path in catalogue_files(project, language):
        for key, value in (load_yaml(path) or {}).items():
            entries.setdefault(key, (value, path))
    return entries


def _shape(value: Any) -> tuple:
    """What a translation must keep: button payloads, option keys and {placeholders}."""
    if isinstance(value, str):
        return ("text", tuple(sorted(set(PLACEHOLDER.findall(value)))))
    if isinstance(value, dict):
        return ("entry", tuple(sorted(value)),
                tuple(b.get("payload") for b in value.get("buttons") or []),
                tuple(sorted(value.get("options") or {})),
                *(_shape(value[k]) for k in sorted(value) if k not in ("buttons", "options")))
    if isinstance(value, list):
        return ("list", len(value))
    return ("value", type(value).__name__)


def untranslated_texts(project: Project) -> list[str]:
    """Texts of bot/texts, domain responses and protocol reasons missing in a language, or
    translated with other buttons or placeholders."""
    others = languages(project)[1:]
    problems = []
    english = _catalogue(project, DEFAULT_LANGUAGE)
    for language in others:
        translated = _catalogue(project, language)
        for key in sorted(english.keys() - translated.keys()):
            value, path = english[key]
            problems.append(f"{where(project, path, key + ':')}: the text '{key}' has no "
                            f"'{language}' version in {project.name(project.texts)}/{language}.")
        for key in sorted(translated.keys() - english.keys()):
            value, path = translated[key]
            problems.append(f"{where(project, path, key + ':')}: the text '{key}' exists in "
                            f"'{language}' but not in English.")
        for key in sorted(english.keys() & translated.keys()):
            if _shape(english[key][0]) != _shape(translated[key][0]):
                path = translated[key][1]
                problems.append(f"{where(project, path, key + ':')}: the '{language}' text "
                                f"'{key}' has other buttons, options or placeholders than the "
                                f"English one.")
    if others:
        problems += _untranslated_responses(project, others) + _untranslated_reasons(project, others)
    return problems


def _response_language(variation: dict) -> str:
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == LANGUAGE_SLOT:
            return str(condition.get("value"))
    return DEFAULT_LANGUAGE


def _untranslated_responses(project: Project, others: list[str]) -> list[str]:
    problems = []
    for path in yaml_files(project.domain) + yaml_files(project.data):
        for name, variations in (load_yaml(path).get("responses") or {}).items():
            by_language: dict[str, list[dict]] = defaultdict(list)
            for variation in variations or []:
                if isinstance(variation, dict):
                    by_language[_response_language(variation)].append(variation)
            english = by_language.get(DEFAULT_LANGUAGE)
            for language in [DEFAULT_LANGUAGE, *others]:
                if not by_language.get(language):
                    problems.append(f"{where(project, path, name + ':')}: the response '{name}' "
                                    f"has no '{language}' variation"
                                    + (" (one without a language condition)."
                                       if language == DEFAULT_LANGUAGE else
                                       f" (condition: slot {LANGUAGE_SLOT} = {language})."))
                elif english and language != DEFAULT_LANGUAGE and \
                        {_response_shape(v) for v in by_language[language]} != \
                        {_response_shape(v) for v in english}:
                    problems.append(f"{where(project, path, name + ':')}: the '{language}' "
                                    f"variation of '{name}' has other buttons or placeholders "
                                    f"than the English one.")
    return problems


def _response_shape(variation: dict) -> tuple:
    return (tuple(sorted(set(PLACEHOLDER.findall(variation.get("text") or "")))),
            tuple(b.get("payload") for b in variation.get("buttons") or []))


def _untranslated_reasons(project: Project, others: list[str]) -> list[str]:
    if not project.protocol.exists():
        return []
    problems = []
    for rule in load_yaml(project.protocol).get("rules") or []:
        reason = rule.get("reason") or {}
        for language in [DEFAULT_LANGUAGE, *others]:
            if isinstance(reason, dict) and not reason.get(language):
                rule_id = rule.get("id", "?")
                problems.append(f"{where(project, project.protocol, str(rule_id))}: the rule "
                                f"{rule_id} has no '{language}' reason.")
    return problems


def examples_per_language(project: Project, minimum: int = MIN_LANGUAGE_EXAMPLES) -> list[str]:
    """Intents (and answers of retrieval intents) with too few examples in a language: an
    example with Chinese characters is Chinese, any other is English."""
    others = languages(project)[1:]
    if not others:
        return []
    counts: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    paths: dict[str, Path] = {}
    for example in examples(project):
        if example.intent in SINGLE_LANGUAGE_INTENTS:
            continue
        language = "zh" if HAN.search(example.text) else DEFAULT_LANGUAGE
        counts[example.intent][language].add(normalise(example.text))
        paths.setdefault(example.intent, example.path)
    problems = []
    for intent in sorted(counts):
        for language in [DEFAULT_LANGUAGE, *others]:
            found = len(counts[intent][language])
            if found < minimum:
                problems.append(f"{where(project, paths[intent], '- intent: ' + intent)}: "
                                f"'{intent}' has {found} '{language}' example(s); it needs at "
                                f"least {minimum} in each language.")
    return problems


# Running them

def problems(project: Project, min_examples: int = MIN_EXAMPLES,
             min_answer_examples: int = MIN_ANSWER_EXAMPLES) -> list[str]:
    return (duplicate_examples(project)
            + intents_with_too_few_examples(project, min_examples, min_answer_examples)
            + unmatched_answers(project)
            + unsourced_answers(project)
            + numbers_in_answers(project)
            + missing_responses(project)
            + facts_without_slots(project)
            + rule_conflicts(project)
            + untranslated_texts(project)
            + examples_per_language(project))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.data_checks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT,
                        help="the project's directory (default: this one)")
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES,
                        help=f"examples every intent needs (default: {MIN_EXAMPLES})")
    parser.add_argument("--min-answer-examples", type=int, default=MIN_ANSWER_EXAMPLES,
                        help="examples each answer of a retrieval intent (faq/masks) needs "
                             f"(default: {MIN_ANSWER_EXAMPLES})")
    args = parser.parse_args(argv)
    # before Rasa is imported: no TensorFlow notices, no progress bars
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    project = Project(args.project.resolve())
    for warning in form_slots_without_facts(project):
        print(f"warning: {warning}")
    found = problems(project, args.min_examples, args.min_answer_examples)
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} problem(s) in the training data.", file=sys.stderr)
        return 1
    print("The training data passed the project's checks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
