"""Rasa NLU components wrapping our rule-based language tools (the only Rasa glue in bot/nlu)."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.crisis import mentions_crisis
from bot.nlu.facts import FACT_NAMES, OUTPUT_KEYS, extract_facts
from bot.nlu.language import HAN, HAN_RUN, message_language

# Extractor keys that are not protocol facts (numbers and readings read in context).
NON_FACT_KEYS = set(OUTPUT_KEYS) - set(FACT_NAMES)
# Facts about who the person is, not what happened to them: "I'm a nurse and I'm burnt
# out" or "I'm pregnant, is the vaccine safe?" asks for support or an answer, not a triage.
PERSON_FACTS = {"healthcare_worker", "age", "pregnant", "chronic_condition", "immunocompromised"}


class _StatelessComponent(GraphComponent):
    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> GraphComponent:
        return cls(config)

    def process_training_data(self, training_data):
        return training_data


def _set_intent(message: Message, name: str) -> None:
    intent = {"name": name, "confidence": 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageGuard(_StatelessComponent):
    """Marks messages written mostly in a script other than Latin or Chinese as
    `other_language`.

    DIET only knows the characters it was trained on, so an Arabic or Russian message
    could get any intent; this makes "I understand English and Chinese" dependable.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "other_language", "min_share": 0.5}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if non_latin_share(message.get(TEXT) or "") >= self.config["min_share"]:
                _set_intent(message, self.config["intent"])
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(_StatelessComponent):
    """Marks messages with words of self-harm or suicide as `crisis` (bot/nlu/crisis.py),
    whatever intent DIET gave them. Without such words, DIET's `crisis` must be sure
    (`min_model_confidence`): the crisis path hands the chat to staff and stops the
    symptom check, so "I'd like to find out if I have the virus" must not take it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "crisis", "min_model_confidence": 0.9}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if mentions_crisis(message.get(TEXT) or ""):
                _set_intent(message, self.config["intent"])
                continue
            intent = message.get(INTENT) or {}
            if intent.get("name") == self.config["intent"] and \
                    (intent.get("confidence") or 0) < self.config["min_model_confidence"]:
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get("name") != self.config["intent"]]
                if ranking:
                    message.set(INTENT, ranking[0], add_to_output=True)
                    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


DANGER_SIGNS = {"breathing_difficulty", "chest_pain", "confusion", "cyanosis"}
_QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|how|is|are|am|can|could|should|shall|do|does|did|will|would|"
    r"when|where|why|which|who|whom|may|might|must|has|have|any|tell\s+me)\b", re.IGNORECASE)


# Chinese asks with a final particle or a question word anywhere, often without a "？".
_CHINESE_QUESTION = re.compile(
    r"(?:吗|嘛|呢|么)[\s。！!~…]*$|什么|怎么|怎样|如何|多久|多少|多长|几天|几次|哪|是否|为什么|为啥|"
    r"能不能|可不可以|会不会|要不要|是不是|有没有|需不需要|用不用|能否|行不行|咋")


def is_question(text: str) -> bool:
    """Asks rather than states: a question mark, or a question word first (English) or
    anywhere (Chinese)."""
    return ("?" in text or "？" in text or bool(_QUESTION_START.match(text))
            or bool(_CHINESE_QUESTION.search(text)))


# "38度5" is a temperature, not Chinese.
_TEMPERATURE_WITH_DU = re.compile(r"\d+\s*度\s*\d*")


def non_latin_share(text: str) -> float:
    """Share of letters that are neither Latin nor Chinese (0.0 for digits and emoji only)."""
    letters = [ch for ch in _TEMPERATURE_WITH_DU.sub(" ", text) if ch.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for ch in letters if not unicodedata.name(ch, "").startswith("LATIN")
                  and not HAN.match(ch))
    return foreign / len(letters)


_WORD = re.compile(r"[a-z]+")


def latin_words(text: str) -> set[str]:
    """Latin words and Chinese characters: what the vocabulary guard compares."""
    return set(_WORD.findall(text.lower())) | set(HAN.findall(text))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class VocabularyGuard(GraphComponent):
    """Marks a message with no word from the training data as not understood.

    DIET is confidently wrong on keyboard mashing ("asdkjh" as out_of_scope at 1.00);
    a message sharing no word with what the bot was trained on is `nlu_fallback`.
    """

    FILE = "vocabulary.json"

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, vocabulary: set[str] | None = None) -> None:
        self.config = config
        self._model_storage, self._resource = model_storage, resource
        self.vocabulary = vocabulary or set()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "nlu_fallback"}

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "VocabularyGuard":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "VocabularyGuard":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / cls.FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            words = []
        return cls(config, model_storage, resource, set(words))

    def train(self, training_data: TrainingData) -> Resource:
        words: set[str] = set()
        for example in training_data.training_examples:
            words |= latin_words(example.get(TEXT) or "")
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps(sorted(words)), encoding="utf-8")
        self.vocabulary = words
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            words = latin_words(message.get(TEXT) or "")
            if words and not words & self.vocabulary:
                _set_intent(message, self.config["intent"])
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(_StatelessComponent, EntityExtractorMixin):
    """Adds a `language` entity ("en" or "zh") when a message shows its language or asks
    for one by name (bot/nlu/language.py); the `language` slot follows it."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            language = message_language(text)
            if language:
                entity = {"entity": "language", "value": language, "start": 0, "end": len(text),
                          "confidence_entity": 1.0, "extractor": self.__class__.__name__}
                message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class ChineseAwareTokenizer(WhitespaceTokenizer):
    """Rasa's whitespace tokenizer for everything but Chinese, which has no spaces between
    words: each Chinese character is a token, as in spaCy's Chinese default (Rasa's own
    tokenizer drops Chinese characters as emoji). With word pairs counted
    (CountVectorsFeaturizer max_ngram 2) the model sees character pairs: on the held-out
    Chinese split that beat words cut by jieba (macro F1 0.86 against 0.81)."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        runs = list(HAN_RUN.finditer(text))
        if not runs:
            return super().tokenize(message, attribute)
        # the rest, with each Chinese character as a space: offsets stay those of the text
        rest = HAN_RUN.sub(lambda run: " " * len(run.group()), text)
        tokens = super().tokenize(Message({attribute: rest}), attribute) if rest.strip() else []
        tokens += [Token(char, run.start() + k) for run in runs for k, char in enumerate(run.group())]
        return sorted(tokens, key=lambda token: token.start)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FactExtractor(_StatelessComponent, EntityExtractorMixin):
    """Adds the protocol facts found by spaCy rule patterns as entities.

    A message that states facts is a symptom report whatever DIET thought of its
    wording ("hi, I have a fever"), so intents in `report_instead_of` become
    `report_intent` when facts are found. Questions and feelings (`report_if_stated`)
    become a report when they state facts rather than ask ("my flatmate tested positive
    and now I've got a sore throat"), and always when a danger sign is among them: a
    baby whose ribs pull in needs the triage, not a prevention answer. So does a "stop"
    that states a symptom ("我妈七十岁了，咳个不停": 不停 is "without stopping").
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "report_intent": "report_symptoms",
            "report_instead_of": ["greet", "thank", "goodbye", "bot_challenge",
                                  "out_of_scope", "nlu_fallback", "check_symptoms"],
            "report_if_stated": ["faq", "support", "ask_statistics", "stop"],
        }

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            facts = extract_facts(text)
            if not facts:
                continue
            entities = message.get(ENTITIES, []) + [
                {"entity": name, "value": value, "start": 0, "end": len(text),
                 "confidence_entity": 1.0, "extractor": self.__class__.__name__}
                for name, value in facts.items()
            ]
            message.set(ENTITIES, entities, add_to_output=True)
            intent = (message.get(INTENT) or {}).get("name")
            stated = set(facts) - NON_FACT_KEYS
            if not stated:
                continue
            complaints = stated - PERSON_FACTS
            if intent in self.config["report_instead_of"] or (
                    intent in self.config["report_if_stated"] and complaints
                    and (complaints & DANGER_SIGNS or not is_question(text))):
                _set_intent(message, self.config["report_intent"])
        return messages
