"""Rule-based extraction of triage facts from free text (pure Python + spaCy, no Rasa).

    >>> extract_facts("I've had a fever of 101F for 3 days and my coworker just tested positive")
    {'fever': True, 'temperature_c': 38.33.., 'fever_days': 3, 'contact_confirmed_case': True}

The phrase lists live in lexicon.yml; this module only knows how to match them
(spaCy PhraseMatcher/Matcher on NORM), decide whether each match is negated,
resolved or uncertain (NegEx-style cues in the same clause), drop matches that are only
asked about ("what counts as trouble breathing?") or belong to someone else ("my sister had
a fever, I'm ok"), and read the numbers.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import spacy
import yaml
from spacy.matcher import Matcher, PhraseMatcher
from spacy.util import compile_infix_regex, filter_spans

from . import numbers
from .language import HAN

FACT_NAMES: tuple[str, ...] = (
    "breathing_difficulty", "chest_pain", "confusion", "cyanosis", "fever", "temperature_c",
    "fever_days", "respiratory_symptoms", "symptoms_resolved", "contact_confirmed_case",
    "travel_high_risk_area", "cluster_exposure", "healthcare_worker", "age", "pregnant",
    "chronic_condition", "immunocompromised",
)
# Readings that are not protocol facts: the dialogue must not take them as a number answer
# ("my oxygen is 97%" answers no temperature question).
READING_KEYS: tuple[str, ...] = ("oxygen_saturation", "heart_rate", "breathing_rate")
OUTPUT_KEYS: tuple[str, ...] = (*FACT_NAMES, "duration_days", "number", *READING_KEYS)
_LATIN_LETTER = re.compile(r"[a-zA-Z]")
_READING_IN_DU = re.compile(r"\d+(?:[.,]\d+)?度\d*")  # "38度5"
UNKNOWN = "unknown"  # temperature_c when the person says it was not measured
LEXICON_PATH = Path(__file__).with_name("lexicon.yml")
NUM = "#num"  # the NORM of every number token, so patterns can say "any number"
CUE_LABELS = ("neg", "pseudo", "uncertain", "res_before", "res_after", "ongoing")
# Quantity kinds in the order they may claim a number ("20 weeks pregnant" is not an age).
QUANTITY_ORDER = ("spo2", "pulse", "rate", "pregnancy", "temp_unit", "age_other", "age_self",
                  "duration", "temp_word")


@dataclass
class Mention:
    fact: str
    category: str  # is_true | is_false | only_if_negated | if_child (see lexicon.yml)
    start: int
    end: int
    pair: bool  # from a `near` item: negation cues inside it count
    state: str = "stated"  # stated | negated | uncertain | resolved
    cued: bool = False  # the state came from its own cue, not from a list
    ongoing: bool = False  # "still", "currently" before it


def extract_facts(text: str) -> dict[str, object]:
    """The facts the text states; an absent key means "not mentioned".

    Text with a Chinese character goes to the Chinese extractor (facts_zh.py), except
    English whose only Chinese is the 度 of a reading ("a 38度5 fever": this path reads it).
    """
    if HAN.search(text) and (not _LATIN_LETTER.search(text)
                             or HAN.search(_READING_IN_DU.sub("", text))):
        from .facts_zh import extract_facts_zh  # here: facts_zh imports this module
        return extract_facts_zh(text)
    return _extractor().extract(text)


@functools.lru_cache(maxsize=1)
def _extractor() -> "_Extractor":
    with open(LEXICON_PATH, encoding="utf-8") as f:
        return _Extractor(yaml.safe_load(f))


def _blank_english():
    nlp = spacy.blank("en")
    # Split "38.5C", "101F", "70yo", "3days" (but not "1st") and "fever?no", "temp:38".
    infixes = list(nlp.Defaults.infixes) + [
        r"(?<=[0-9])(?=(?!(?:st|nd|rd|th)\b)[a-zA-Z°℃℉])", r"[?!:;]"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


class _Extractor:
    def __init__(self, lexicon: dict):
        self.lex = lexicon
        self.nlp = _blank_english()
        self.spelling = lexicon["spelling"]
        self.kinds = {fact: spec["kind"] for fact, spec in lexicon["facts"].items()}
        self.about_others = {fact for fact, spec in lexicon["facts"].items() if spec.get("about_others")}
        self.first_person = set(self._words(["@first_person"]))
        self.clause_breaks = set(self._words(lexicon["clause_breaks"]))
        self.sentence_breaks = set(self._words(lexicon["sentence_breaks"]))
        self.joiners = set(self._words(lexicon["list_joiners"]))
        self.list_fillers = set(self._words(lexicon["list_fillers"]))
        self.safe_joiners = set(self._words(lexicon["safe_list_joiners"]))
        neg = lexicon["negation"]
        self.neg_window = neg["window"]
        self.res_window = lexicon["resolution"]["window"]
        self.neg_after = [tuple(self._norms(p)) for p in neg["after"]]
        q = lexicon["quantities"]
        self.fever_words = set(self._words(q["fever_words"]))
        self.spo2_max, self.rate_min = q["spo2_max"], q["breathing_rate_min"]
        self.onset_words = set(self._words(q["onset_words"]))
        ask = lexicon["questions"]
        self.question_leads = set(self._words(ask["lead_words"]))
        self.question_personal = set(self._words(ask["personal"]))
        self.negation_words = set(self._words(neg["before"]))
        tp = lexicon["third_party"]
        self.tp_kinds, self.tp_quantities = set(tp["kinds"]), set(tp["quantities"])
        self.tp_contact_facts = set(tp["contact_facts"])
        self._build_matchers()

    # ------------------------------------------------------------ text and patterns

    def _normalise(self, doc):
        """Typos -> lexicon spelling; every number (digits or words) -> one NUM token."""
        for token in doc:
            if token.lower_ in self.spelling:
                token.norm_ = self.spelling[token.lower_]
        found = numbers.scan_numbers([t.lower_ for t in doc])
        with doc.retokenize() as retokenizer:
            for start, end, _ in found:
                retokenizer.merge(doc[start:end], attrs={"NORM": NUM})
        return doc

    def _norms(self, phrase: str) -> list[str]:
        return [t.norm_ for t in self._normalise(self.nlp.make_doc(str(phrase)))]

    def _expand(self, terms) -> list[str]:
        """Resolve "@name" references to lists in the lexicon."""
        out = []
        for term in terms:
            term = str(term)
            out += self._expand(self.lex["lists"][term[1:]]) if term.startswith("@") else [term]
        return out

    def _words(self, terms) -> list[str]:
        """Single-token norms of a term list (for IN sets)."""
        return [n for t in self._expand(terms) for n in self._norms(t)]

    def _terms(self, terms) -> list[list[dict]]:
        """Token patterns for a term list; one-word terms share a single IN pattern."""
        norms = [self._norms(t) for t in self._expand(terms)]
        single = sorted({n[0] for n in norms if len(n) == 1})
        patterns = [[{"NORM": {"IN": single}}]] if single else []
        return patterns + [[{"NORM": w} for w in n] for n in norms if len(n) > 1]

    def _near_patterns(self, item: dict) -> list[list[dict]]:
        """Token patterns for a `near` item: term lists in a row, a gap between each two.

        With more than two lists the order is fixed; `gap` and `gap_words` may then be
        lists, one entry per step ("my sister and the neighbour had fever").
        """
        lists = [self._terms(t) for t in item["near"]]
        steps = len(lists) - 1
        sizes, words = item.get("gap", 3), item.get("gap_words", "@filler")
        sizes = sizes if isinstance(sizes, list) else [sizes] * steps
        words = words if isinstance(words, list) and steps > 1 else [words] * steps
        if len(sizes) != steps or len(words) != steps:
            raise ValueError(f"lexicon.yml: near item {item['near']}: one gap per step")
        gaps = []
        for size, gap_words in zip(sizes, words):
            token = ({"NORM": {"NOT_IN": sorted(self.clause_breaks)}} if gap_words == "any"
                     else {"NORM": {"IN": sorted(set(self._words(
                         gap_words if isinstance(gap_words, list) else [gap_words])))}})
            gaps.append([{**token, "OP": "?"}] * size)
        orders = [lists] + ([] if item.get("ordered") or steps > 1 else [lists[::-1]])
        patterns = []
        for order in orders:
            partial = [[]]
            for k, terms in enumerate(order):
                partial = [p + (gaps[k - 1] if k else []) + t for p in partial for t in terms]
            patterns += partial
        return patterns

    def _item_patterns(self, items, where: str):
        """Phrase docs and `near` token patterns of a list of lexicon items."""
        bad = [i for i in items if not isinstance(i, (str, dict))]
        if bad:  # YAML turns a bare no/yes/on into a boolean
            raise ValueError(f"lexicon.yml {where}: quote {bad}")
        docs = [self._normalise(self.nlp.make_doc(i)) for i in items if isinstance(i, str)]
        pairs = [p for i in items if isinstance(i, dict) for p in self._near_patterns(i)]
        return docs, pairs

    def _build_matchers(self):
        vocab = self.nlp.vocab
        self.phrases = PhraseMatcher(vocab, attr="NORM")  # fact phrases
        self.near = Matcher(vocab)  # fact `near` items
        for fact, spec in self.lex["facts"].items():
            for category in ("is_true", "is_false", "only_if_negated", "if_child", "except"):
                key = f"{fact}|{category}"
                docs, pairs = self._item_patterns(spec.get(category) or [], f"{fact}.{category}")
                if docs:
                    self.phrases.add(key, docs)
                if pairs:
                    self.near.add(key, pairs)
        self.cues = PhraseMatcher(vocab, attr="NORM")
        neg, res, q = self.lex["negation"], self.lex["resolution"], self.lex["quantities"]
        for label, phrases in [("neg", neg["before"]), ("pseudo", neg["pseudo"]),
                               ("uncertain", neg["uncertain"]), ("res_before", res["before"]),
                               ("res_after", res["after"]), ("ongoing", res["ongoing"]),
                               ("child", self.lex["lists"]["child_words"]),
                               ("not_number", q["not_numbers"])]:
            docs = [self._normalise(self.nlp.make_doc(p)) for p in phrases]
            if label != "not_number" and any(t.norm_ == NUM for d in docs for t in d):
                raise ValueError(f"lexicon.yml: a {label} cue is a number, it would match every number")
            self.cues.add(label, docs)
        # Context: question openers and cues, people other than the patient, "I'm fine".
        self.context = PhraseMatcher(vocab, attr="NORM")
        self.context_near = Matcher(vocab)
        ask, tp = self.lex["questions"], self.lex["third_party"]
        for label, items in [("q_open", ask["openers"]), ("q_aux", ask["aux_openers"]),
                             ("q_cue", ask["cues"]), ("tp_other", tp["others"]),
                             ("tp_patient", tp["patients"]), ("tp_well", tp["writer_well"]),
                             ("not_measured", self.lex["quantities"]["not_measured"])]:
            items = [i for i in items if isinstance(i, dict)] + self._expand(
                i for i in items if not isinstance(i, dict))
            docs, pairs = self._item_patterns(items, label)
            if docs:
                self.context.add(label, docs)
            if pairs:
                self.context_near.add(label, pairs)
        self.quantities = Matcher(vocab)
        for label, patterns in self._quantity_patterns().items():
            self.quantities.add(label, patterns)

    def _quantity_patterns(self) -> dict[str, list[list[dict]]]:
        q = self.lex["quantities"]
        num = {"NORM": NUM}

        def one_of(*word_sets, op=None):
            token = {"NORM": {"IN": sorted(set().union(*word_sets))}}
            return {**token, "OP": op} if op else token

        def gap(n, also_not=()):  # up to n words in one sentence, not numbers
            token = {"NORM": {"NOT_IN": sorted({NUM, *self.sentence_breaks, *also_not})}}
            return [{**token, "OP": "?"}] * n

        hyphen = {"ORTH": "-", "OP": "?"}
        days, ages = set(numbers.DAY_UNITS), set(numbers.AGE_UNITS)
        years = {u for u, v in numbers.AGE_UNITS.items() if v == 1}
        oxygen, temp_words = set(self._words(q["oxygen_words"])), set(self._words(q["temperature_words"]))
        adverbs = {"just", "only", "almost", "nearly", "about", "around", "turning", "now", "over"}
        age_tail = [hyphen, one_of(ages, op="?"), hyphen, one_of({"old"}, op="?")]
        self_tail = [one_of(years, op="?"), one_of({"old"}, op="?")]
        be = {"is", "'s", "was", "turned", "turns", "are"}
        relative = [self._norms(r) for r in numbers.RELATIVE_DAYS]
        # "oxygen reading is 92": a reading word may stand between oxygen and its number
        not_oxygen = temp_words - set(self._words(q["reading_words"]))
        # "breathing really fast, like 35 a minute" (but not "breathing ok, pulse 110 a minute")
        rate_blockers = set(self._words(q["rate_blockers"])) | temp_words | oxygen
        per_minute = self._terms(q["per_minute"])
        pulse_gap = gap(3, temp_words | oxygen | set(self._words(q["rate_context"])))
        comparators = [[one_of({"more", "longer", "less", "fewer", "shorter"}), one_of({"than"})],
                       [one_of({"over", "under", "above", "below"})]]
        weekdays = set(numbers.WEEKDAYS)
        durations = [[num, hyphen, one_of(days), one_of({"ago"}, op="?")],
                     [one_of({"a", "an", "couple"}), one_of({"of"}, op="?"), one_of(days),
                      one_of({"ago"}, op="?")]]
        return {
            "spo2": [[one_of(oxygen), *gap(4, not_oxygen), num],
                     [num, {"ORTH": "%"}, *gap(1), one_of(oxygen)]],
            "pulse": [t + pulse_gap + [num] for t in self._terms(q["pulse_words"])]
                     + [[num] + u for u in self._terms(q["pulse_units"])],
            "rate": [t + gap(3) + [num] for t in self._terms(q["rate_words"])]
                    + [[num] + t for t in self._terms(q["rate_times"])]
                    + [[num, one_of(set(self._words(q["rate_units"])))],
                       [one_of({"breathing", "breathes", "breathe"}), num, one_of({"times"})]]
                    + [t + gap(6, rate_blockers) + [num] + m
                       for t in self._terms(q["rate_context"]) for m in per_minute],
            "pregnancy": [[num, hyphen, one_of({"week", "weeks", "wk", "wks", "month", "months"}),
                           hyphen, one_of({"pregnant"})]],
            "temp_unit": [[num, one_of(numbers.DEGREE_WORDS, op="?"), one_of(numbers.DEGREE_WORDS, op="?"),
                           one_of(numbers.CELSIUS, numbers.FAHRENHEIT)],
                          [num, one_of(numbers.DEGREE_WORDS)],
                          [{"NORM": NUM, "TEXT": {"REGEX": "度"}}]],
            "age_self": [t + [one_of(adverbs, op="?"), num, *self_tail] for t in self._terms(q["self_words"])]
                        + [t + [num, hyphen, one_of(ages), hyphen, one_of({"old"})]
                           for t in self._terms(q["self_words"])],
            "age_other": [[num, hyphen, one_of(ages), hyphen, one_of({"old"})],
                          [num, one_of({"yo", "y.o", "y/o"})],
                          [num, one_of({"y"}), {"ORTH": "/"}, one_of({"o"})],
                          [num, one_of(years), one_of({"of"}), one_of({"age"})],
                          [one_of(set(self._words(q["age_words"]))), one_of({":", "is", "of"}, op="?"),
                           num, *age_tail],
                          [one_of(numbers.NEWBORN_WORDS)], [one_of({"new"}), hyphen, one_of({"born"})]]
                         + [t + [one_of(be), one_of(adverbs, op="?"), num, *age_tail]
                            for t in self._terms(q["age_persons"])]
                         + [t + [{"ORTH": "("}, num, *age_tail, {"ORTH": ")"}]  # "my daughter (4)"
                            for t in self._terms(q["age_persons"])],
            # "more than 3 days" is kept in the span: parse_duration_days reads it as 4
            "duration": durations + [c + d for c in comparators for d in durations]
                        + [[one_of(set(self._words(q["since_words"]))),
                            one_of({"last", "on", "this", "past"}, op="?"), one_of(weekdays)]]
                        + [[one_of({"the"}, op="?"), one_of({"day"}), one_of({"before"}), one_of({"yesterday"})]]
                        + [[one_of(set(self._words(q["since_words"]))), one_of({"the"}, op="?"),
                            *[{"NORM": w} for w in r]] for r in relative],
            "temp_word": [[one_of(temp_words), *[{"NORM": {"NOT_IN": sorted(self.sentence_breaks)},
                                                  "OP": "?"}] * 5, num],
                          [num, *gap(1), one_of(temp_words)]],
        }

    # ------------------------------------------------------------ extraction

    def extract(self, text: str) -> dict[str, object]:
        doc = self._normalise(self.nlp.make_doc(text))
        clause, sentence = self._segments(doc)
        cue_spans = self.cues(doc, as_spans=True)
        quantities, consumed = self._read_quantities(doc)
        context = list(self.context(doc, as_spans=True)) + list(self.context_near(doc, as_spans=True))
        mentions = self._mentions(doc)
        # a question about a finding ("what counts as trouble breathing?") does not state it
        asked = self._question_scopes(doc, clause, sentence, context)
        mentions = [m for m in mentions if not any(s <= m.start < e for s, e in asked)]
        # the longest cue wins: "no more" is resolution, not the negation "no"
        cues = [(c.label_, c.start, c.end) for c in filter_spans(
            [c for c in cue_spans if c.label_ in CUE_LABELS])]
        for m in mentions:
            self._judge(doc, m, mentions, cues, clause)
        # "my sister had a fever last week, I'm ok": her fever is not the patient's
        theirs = self._third_party(doc, mentions, clause, context)
        # "my sister has no symptoms" does not deny the patient's symptoms either
        anyone = self._third_party(doc, mentions, clause, context, everyone=True)
        mentions = [m for m in mentions if not (
            self.kinds[m.fact] in self.tp_kinds and any(s <= m.start < e for s, e in theirs))
            and not (self.kinds[m.fact] in self.tp_kinds and self._value(m, True) is False
                     and any(s <= m.start < e for s, e in anyone))]
        for label in self.tp_quantities:
            quantities[label] = [(v, sp) for v, sp in quantities[label]
                                 if not any(s <= sp.start < e for s, e in theirs)]
        chains = self._propagate(doc, mentions)

        ages = quantities["age_other"] or quantities["age_self"]
        age = ages[0][0] if ages else None
        child = (age is not None and age < 18) or any(c.label_ == "child" for c in cue_spans)
        facts = self._bool_facts(mentions, child)
        if any(v <= self.spo2_max for v, _ in quantities["spo2"]) or \
                any(v >= self.rate_min for v, _ in quantities["rate"]):
            facts["breathing_difficulty"] = True
        # readings are exposed under their own keys, never as a number, temperature or age
        for key, label, pick in (("oxygen_saturation", "spo2", min), ("heart_rate", "pulse", max),
                                 ("breathing_rate", "rate", max)):
            if quantities[label]:
                facts[key] = pick(v for v, _ in quantities[label])
        temps = [v for v, _ in quantities["temp_unit"] + quantities["temp_word"] if v is not None]
        if temps:
            facts["temperature_c"] = max(temps)
        elif any(sp.label_ == "not_measured" for sp in context):
            facts["temperature_c"] = UNKNOWN  # "no thermometer", "didn't take her temperature"
        facts.update(self._durations(doc, quantities, mentions, chains, sentence, clause))
        if age is not None:
            facts["age"] = age
        number = self._leftover_number(doc, consumed, mentions, cue_spans)
        if number is not None:
            facts["number"] = number
        return {k: facts[k] for k in OUTPUT_KEYS if k in facts}

    def _segments(self, doc):
        """Clause and sentence number of every token (breaks start a new one)."""
        clause, sentence, c, s = [], [], 0, 0
        for token in doc:
            if token.is_space or token.norm_ in self.clause_breaks:
                c += 1
            if token.is_space or token.norm_ in self.sentence_breaks:
                s += 1
            clause.append(c)
            sentence.append(s)
        return clause, sentence

    def _mentions(self, doc) -> list[Mention]:
        found = [(sp, False) for sp in self.phrases(doc, as_spans=True)]
        found += [(sp, True) for sp in self.near(doc, as_spans=True)]
        by_key: dict[tuple, list] = {}
        for span, pair in found:
            fact, category = span.label_.split("|")
            by_key.setdefault((fact, category), []).append((span.start, span.end, pair))
        mentions = []
        for (fact, category), spans in by_key.items():
            if category == "except":
                continue
            blocked = by_key.get((fact, "except"), [])
            for s, e, pair in spans:
                # keep the longest of overlapping matches; drop ones an `except` phrase covers
                longer = any((s2 <= s and e <= e2) and (e2 - s2 > e - s) for s2, e2, _ in spans)
                if not longer and not any(s < e2 and s2 < e for s2, e2, _ in blocked):
                    mentions.append(Mention(fact, category, s, e, pair))
        unique = {(m.fact, m.category, m.start, m.end): m for m in mentions}
        others = [(m.start, m.end) for m in unique.values() if m.fact in self.about_others
                  and not any(t.norm_ in self.first_person for t in doc[m.start:m.end])]
        return sorted((m for m in unique.values() if m.fact in self.about_others
                       or not any(s <= m.start and m.end <= e for s, e in others)),
                      key=lambda m: (m.start, m.end))

    # ------------------------------------------------------------ questions and other people

    def _question_scopes(self, doc, clause, sentence, context) -> list[tuple[int, int]]:
        """Token ranges that ask about a finding rather than state it.

        A question runs from its opener (at the start of a clause: "what is cyanosis",
        "does a cough count?") or cue ("I was asking what counts as ...") to the end of the
        clause. A question naming the person ("is it bad that my lips are blue?") is kept.
        """
        asked_sentences = {sentence[t.i - 1] for t in doc if t.norm_ == "?" and t.i}
        first, end = {}, {}  # clause -> its first content token, its end
        for t in doc:
            c = clause[t.i]
            end[c] = t.i + 1
            if c not in first and not t.is_space and t.norm_ not in self.clause_breaks \
                    and t.norm_ not in self.question_leads:
                first[c] = t.i
        scopes = []
        for span in context:
            start, c = span.start, clause[span.start]
            after = doc[span.end].norm_ if span.end < len(doc) else ""
            if span.label_ == "q_cue" or (
                    span.label_ == "q_open" and first.get(c) == start) or (
                    span.label_ == "q_aux" and first.get(c) == start and after not in self.negation_words
                    and sentence[start] in asked_sentences):
                if not any(t.norm_ in self.question_personal for t in doc[start:end[c]]):
                    scopes.append((start, end[c]))
        return scopes

    def _third_party(self, doc, mentions, clause, context, everyone=False) -> list[tuple[int, int]]:
        """Token ranges about another named adult, when the findings there are not the patient's.

        That is when the message says the writer is well ("I'm ok") or the person is a
        contact ("my coworker tested positive and has a fever"). A range runs from the person
        to the next person named in the clause (the writer, a child) or the clause end.
        """
        people = filter_spans([sp for sp in context if sp.label_ in ("tp_other", "tp_patient")])
        well = any(sp.label_ == "tp_well" for sp in context)
        contacts = [(m.start, m.end) for m in mentions if m.fact in self.tp_contact_facts
                    and m.pair and m.state != "negated"]
        ranges = []
        for k, person in enumerate(people):
            if person.label_ != "tp_other" or not (everyone or well or any(
                    s <= person.start and person.end <= e for s, e in contacts)):
                continue
            c = clause[person.start]
            end = person.end
            while end < len(doc) and clause[end] == c and not any(p.start == end for p in people[k + 1:]):
                end += 1
            ranges.append((person.start, end))
        return ranges

    # ------------------------------------------------------------ negation and resolution

    def _judge(self, doc, m: Mention, mentions, cues, clause):
        """Set m.state from the cues around it (NegEx: the nearest cue before, same clause)."""
        def free(s, e):  # no other mention lies wholly between s and e
            return not any(s <= o.start and o.end <= e and o is not m for o in mentions)

        def inside_mention(s, e):
            return any(o.start < e and s < o.end for o in mentions)

        before = [label for label, s, e in cues
                  if e <= m.start and m.start - e <= self.neg_window and clause[s] == clause[m.start]
                  and not inside_mention(s, e) and free(e, m.start)]
        labels = set(before[-1:])  # only the nearest cue before the phrase
        # a phrase with its own negation ("not making sense", "can't breathe", "not gone") is not
        # negated again by a cue before it ("no he's not making sense") nor resolved by "anymore"
        own_negation = not m.pair and any(t.norm_ in self.negation_words for t in doc[m.start:m.end])
        # "no still there", "no I still have it": a yes/no before a "still" phrase never flips it
        own_ongoing = any(label == "ongoing" and m.start <= s and e <= m.end for label, s, e in cues)
        if own_negation or own_ongoing:
            labels.discard("neg")
        if m.pair:  # "lips are not blue", "nobody ... tested positive" (but "lips have gone blue")
            labels |= {label for label, s, e in cues if m.start <= s and e <= m.end
                       and label not in ("res_before", "res_after")}
        if not own_negation:  # "my cough is gone"
            labels |= {label for label, s, e in cues
                       if label == "res_after" and m.end <= s and s - m.end < self.res_window
                       and clause[s] == clause[m.end - 1] and free(m.end, s)}
        if self._negated_after(doc, m.end):
            labels.add("neg")
        resolvable = self.kinds[m.fact] in ("symptom", "danger") and m.category == "is_true"
        if resolvable and labels & {"res_before", "res_after"}:
            m.state = "resolved"
        elif "neg" in labels:
            m.state = "negated"
        elif "uncertain" in labels:
            m.state = "uncertain"
        m.cued = bool(labels - {"ongoing"})
        m.ongoing = "ongoing" in labels

    def _negated_after(self, doc, end: int) -> bool:
        """'fever? no', 'cough: none' -- a lone no-word after the phrase."""
        while end < len(doc) and doc[end].norm_ in {"?", ":", "-", "=", "–"}:
            end += 1
        norms = [t.norm_ for t in doc[end:end + 3]]
        for cue in self.neg_after:
            after = end + len(cue)
            if tuple(norms[:len(cue)]) == cue and (
                    after >= len(doc) or doc[after].norm_ in self.clause_breaks or doc[after].is_space):
                return True
        return False

    def _propagate(self, doc, mentions) -> list[int]:
        """Carry a negation along a list ("no fever, cough or sore throat"); return chain ids.

        Overlapping mentions form one group; groups with only list words between them form a
        chain. Danger signs are negated through a list only when it uses "or"/"nor".
        """
        groups: list[list] = []  # [start, end, mention indexes]
        for i, m in enumerate(mentions):
            if groups and m.start < groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], m.end)
                groups[-1][2].append(i)
            else:
                groups.append([m.start, m.end, [i]])
        links = []  # the words between consecutive groups, or None when they are not a list
        for prev, group in zip(groups, groups[1:]):
            gap = {t.norm_ for t in doc[prev[1]:group[0]]}
            links.append(gap if gap and gap <= self.joiners | self.list_fillers else None)
        chain_ids = [0]
        for link in links:
            chain_ids.append(chain_ids[-1] + (link is None))
        safe = {c for c, link in zip(chain_ids[1:], links) if link and link & self.safe_joiners}
        for k, link in enumerate(links, start=1):
            if link is None or not any(mentions[i].state == "negated" for i in groups[k - 1][2]):
                continue
            for i in groups[k][2]:
                m = mentions[i]
                danger = self.kinds[m.fact] == "danger"
                if not m.cued and (chain_ids[k] in safe or (link & self.joiners and not danger)):
                    m.state = "negated"
        chain_of = [0] * len(mentions)
        for k, group in enumerate(groups):
            for i in group[2]:
                chain_of[i] = chain_ids[k]
        return chain_of

    # ------------------------------------------------------------ values

    def _value(self, m: Mention, child: bool):
        if m.category == "if_child" and not child:
            return None
        if m.state == "uncertain":  # an unsure danger sign still counts
            return True if self.kinds[m.fact] == "danger" else None
        if m.category == "only_if_negated":
            return False if m.state == "negated" else None
        return (m.category != "is_false") != (m.state == "negated")

    def _bool_facts(self, mentions, child) -> dict[str, bool]:
        values: dict[str, set] = {}
        for m in mentions:
            value = self._value(m, child)
            if value is not None:
                values.setdefault(m.fact, set()).add(value)
        # A fact stated anywhere wins over its denial: reassurance never lowers the route.
        facts = {fact: True in vals for fact, vals in values.items()}
        if False in values.get("symptoms_resolved", ()):  # "still sick" is plain
            facts["symptoms_resolved"] = False
            return facts
        gone = [m.end for m in mentions if m.state == "resolved"
                or (m.fact == "symptoms_resolved" and self._value(m, child))]
        if not gone and any(m.ongoing and m.state == "stated" and self._value(m, child)
                            and self.kinds[m.fact] in ("symptom", "danger") for m in mentions):
            facts["symptoms_resolved"] = False  # "yeah still coughing"
        if gone:
            # A symptom told after "it's gone" (or with "still") is current: then it is unclear
            # whether everything has gone, so leave it to the question.
            current = any(m.state == "stated" and self.kinds[m.fact] in ("symptom", "danger")
                          and self._value(m, child) and (m.ongoing or m.start >= max(gone))
                          for m in mentions)
            facts.pop("symptoms_resolved", None)
            if not current:
                facts["symptoms_resolved"] = True
        return facts

    def _read_quantities(self, doc):
        """Numbers with a meaning, claimed in QUANTITY_ORDER; returns values and claimed tokens."""
        found: dict[str, list] = {label: [] for label in QUANTITY_ORDER}
        for span in self.quantities(doc, as_spans=True):
            found[span.label_].append(span)
        values = {label: [] for label in QUANTITY_ORDER}
        consumed, used_words = set(), set()
        for label in QUANTITY_ORDER:
            spans = found[label] if label == "temp_word" else filter_spans(found[label])
            for span in sorted(spans, key=lambda sp: (sp.start, sp.end)):
                nums = [t.i for t in span if t.norm_ == NUM]
                if label == "temp_word":  # "temperature ... N" or "N ... temperature"
                    word = span.start if span[0].norm_ != NUM else span.end - 1
                    nums = nums[-1:] if word == span.start else nums[:1]
                    if word in used_words:
                        continue  # one reading per temperature word
                if consumed & set(nums) or self._bad_follower(doc, span, label):
                    continue
                value = self._quantity_value(label, span, nums and doc[nums[0]])
                if value is None and label not in ("temp_unit", "pregnancy"):
                    continue
                consumed |= set(nums)
                if label == "temp_word":
                    used_words.add(word)
                values[label].append((value, span))
        return values, consumed

    def _bad_follower(self, doc, span, label) -> bool:
        """Reject an age or duration when the next word shows it is something else."""
        follower = doc[span.end].norm_ if span.end < len(doc) else ""
        if label in ("age_self", "age_other"):
            return follower in numbers.DAY_UNITS or follower in numbers.DEGREE_WORDS or \
                follower in numbers.CELSIUS | numbers.FAHRENHEIT | {"%", "pregnant"}
        return label == "duration" and follower == "old"

    def _quantity_value(self, label, span, num_token):
        if label in ("spo2", "rate", "pulse"):
            value = numbers.parse_number(num_token.text)
            low, high = {"spo2": (50, 100), "rate": (5, 150), "pulse": (20, 250)}[label]
            return value if low <= value <= high else None
        if label == "temp_unit":
            return numbers.parse_temperature(span.text)
        if label == "temp_word":
            return numbers.parse_temperature(num_token.text)
        if label in ("age_self", "age_other"):
            return numbers.parse_age_years(span.text)
        if label == "duration":
            return numbers.parse_duration_days(span.text)
        return True  # pregnancy weeks: the number is only claimed

    def _durations(self, doc, quantities, mentions, chains, sentence, clause):
        """Each duration goes to fever_days when its nearest finding is a fever, else duration_days.

        A finding joined to a fever by a list ("fever and cough for 3 days") counts as fever.
        "N days ago" dates the finding only when it follows the finding in its clause ("fever
        started 2 days ago") or an onset word is next to the finding ("2 days ago my fever
        started"); else it dates something else ("I saw my friend 5 days ago and today I have
        a fever") and is dropped.
        """
        said = [i for i, m in enumerate(mentions) if self._value(m, True) and self.kinds[m.fact] != "status"]
        fever_chains = {chains[i] for i in said if mentions[i].fact == "fever"}
        anchors = [(mentions[i].start, mentions[i].end, chains[i] in fever_chains) for i in said]
        anchors += [(sp.start, sp.end, True) for _, sp in quantities["temp_unit"] + quantities["temp_word"]]
        denied = [(m.start, m.end) for m in mentions if m.state == "negated"]
        anchors += [(t.i, t.i + 1, True) for t in doc if t.norm_ in self.fever_words
                    and not any(s <= t.i < e for s, e in denied)]

        def onset_next_to(s, e):
            return any(t.norm_ in self.onset_words for t in doc[max(s - 1, 0):min(e + 2, len(doc))])

        out: dict[str, int] = {}
        for days, span in quantities["duration"]:
            ago = any(t.norm_ == "ago" for t in span)
            usable = [(s, e, fever) for s, e, fever in anchors if sentence[s] == sentence[span.start]
                      and (not ago or (clause[s] == clause[span.start]
                                       and (e <= span.start or onset_next_to(s, e))))]
            if ago and not usable:
                continue  # the date of something else
            # nearest first; on a tie the one before the duration, then a fever
            near = [(max(span.start - e, s - span.end, 0), s >= span.end, not fever)
                    for s, e, fever in usable]
            key = "fever_days" if near and not min(near)[2] else "duration_days"
            out[key] = max(out.get(key, days), days)
        return out

    def _leftover_number(self, doc, consumed, mentions, cue_spans):
        """The first number no quantity, fact phrase or name ("covid 19") has claimed."""
        taken = [(m.start, m.end) for m in mentions]
        taken += [(c.start, c.end) for c in cue_spans if c.label_ == "not_number"]
        for token in doc:
            if token.norm_ == NUM and token.i not in consumed and \
                    not any(s <= token.i < e for s, e in taken):
                return numbers.parse_number(token.text)
        return None
