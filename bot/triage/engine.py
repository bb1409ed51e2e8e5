"""The triage engine: evaluates the protocol file against a person's facts.

`assess(facts)` gives the route for what is known (facts never given count as absent).
`next_question(facts)` tells the dialogue what to ask next: the first question, in the
protocol's order, with an unknown fact whose answer could still change the route. It
returns None once the route is fixed, so the bot never asks a question that cannot matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.triage.expressions import NOT_MEASURED, Expression, names_in

DEFAULT_PROTOCOL = Path(__file__).with_name("protocol.yml")

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    id: str
    when: Expression
    route: str
    reason: Mapping[str, str]
    basis: str = ""
    strict_route: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # bool, number or choice
    facts: tuple[str, ...]
    ask_if: Expression | None = None
    default: Mapping[str, Any] = field(default_factory=dict)
    # Per-fact conditions inside a question (a choice that leaves out "pregnant" for a child).
    only_if: Mapping[str, Expression] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    route: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    protocol_version: str
    facts: Mapping[str, Any] = field(default_factory=dict)  # as given, cleaned

    def as_payload(self) -> dict[str, Any]:
        """The protocol's machine-readable `triage` message."""
        return {
            "triage": {
                "route": self.route,
                "rules": list(self.rules),
                "reasons": list(self.reasons),
                "protocol_version": self.protocol_version,
                "facts": dict(self.facts),
            }
        }


class ProtocolError(ValueError):
    """The protocol file is inconsistent."""


class TriageEngine:
    def __init__(self, protocol: Mapping[str, Any], *, strict_mode: bool | None = None,
                 thresholds: Mapping[str, float] | None = None) -> None:
        self.version = str(protocol["version"])
        self.routes: tuple[str, ...] = tuple(protocol["routes"])
        self.fact_types: dict[str, dict] = dict(protocol["facts"])
        self.thresholds = {**protocol.get("thresholds", {}), **(thresholds or {})}
        self.strict_mode = protocol.get("strict_mode", False) if strict_mode is None else strict_mode
        self.terms = {name: Expression(src) for name, src in protocol.get("terms", {}).items()}
        self.rules = tuple(
            Rule(id=r["id"], when=Expression(r["when"]), route=r["route"], reason=r["reason"],
                 basis=r.get("basis", ""), strict_route=r.get("strict_route"))
            for r in protocol["rules"]
        )
        self.questions = tuple(
            Question(id=q["id"], type=q["type"], facts=tuple(q["facts"]),
                     ask_if=Expression(q["ask_if"]) if "ask_if" in q else None,
                     default=q.get("default", {}),
                     only_if={f: Expression(c) for f, c in q.get("only_if", {}).items()})
            for q in protocol["questions"]
        )
        self._validate()
        self._rule_facts = {r.id: names_in(self.terms, r.when) for r in self.rules}
        self._cuts = self._threshold_cuts()
        self._sample_values = {name: self._samples(name) for name in self.fact_types}
        # facts that can matter at all: used by rules or by a question's ask_if
        used = set().union(*self._rule_facts.values()).union(
            *(names_in(self.terms, q.ask_if) for q in self.questions if q.ask_if),
            *(names_in(self.terms, c) for q in self.questions for c in q.only_if.values()))
        self._influencing = [n for n in self.fact_types if n in used]

    # ----- public API -------------------------------------------------------------

    def assess(self, facts: Facts, language: str = "en") -> Assessment:
        """Route for what is known; a fact never given counts as absent."""
        given = self.normalise(facts)
        known = self._closed_world(given)
        values = [(rule, self._rule_value(rule, known)) for rule in self.rules]
        winner = next(rule for rule, value in values if value is True)
        route = self._route_of(winner)
        # Later rules that hold and give the same route add their reasons; the catch-all
        # ("true") adds nothing but contradiction.
        fired = [winner] + [rule for rule, value in values
                            if value is True and rule is not winner and rule.when.names
                            and self._route_of(rule) == route]
        return Assessment(
            route=route,
            rules=tuple(r.id for r in fired),
            reasons=tuple(r.reason.get(language) or r.reason["en"] for r in fired),
            protocol_version=self.version,
            facts=given,
        )

    def possible_routes(self, facts: Facts) -> frozenset[str]:
        """Every route some answers to the open questions could still lead to."""
        return self._possible(self._freeze(self.normalise(facts)))

    def relevant_facts(self, facts: Facts) -> list[str]:
        """Unknown facts whose answer could change the route, in protocol order."""
        frozen = self._freeze(self._with_defaults(self.normalise(facts)))
        if len(self._possible(frozen)) == 1:
            return []
        known = dict(frozen)
        return [name for name in self.fact_types
                if known.get(name) is None and _decisive(self, name, frozen)]

    def next_question(self, facts: Facts) -> Question | None:
        """The next question to ask, or None when the route is fixed."""
        facts = self.normalise(facts)
        relevant = set(self.relevant_facts(facts))
        for question in self.questions:
            # A question whose condition is not known yet still applies (it may be needed).
            if self._applies(question, facts) is not False and relevant.intersection(question.facts):
                return question
        return None

    def open_facts(self, question: Question, facts: Facts) -> list[str]:
        """The facts of `question` not answered yet (what the bot asks about)."""
        facts = self._with_defaults(self.normalise(facts))
        return [name for name in question.facts if facts.get(name) is None]

    def safer_value(self, fact: str) -> Any:
        """The value to keep when a person's answer contradicts itself: the one that cannot
        make the route less urgent (True, unless the protocol says `safer: false`)."""
        return self.fact_types[fact].get("safer", True)

    def question_for_fact(self, fact: str) -> Question:
        return next(q for q in self.questions if fact in q.facts)

    def normalise(self, facts: Facts) -> dict[str, Any]:
        """Keep known protocol facts with valid values; drop anything else."""
        clean: dict[str, Any] = {}
        for name, value in facts.items():
            spec = self.fact_types.get(name)
            if spec is None or value is None:
                continue
            if spec["type"] == "bool":
                if isinstance(value, bool):
                    clean[name] = value
            elif value == NOT_MEASURED and spec.get("allow_unknown"):
                clean[name] = NOT_MEASURED
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                if spec.get("min", float("-inf")) <= value <= spec.get("max", float("inf")):
                    clean[name] = float(value)
        return clean

    # ----- evaluation -------------------------------------------------------------

    def _lookup(self, facts: Facts):
        cache: dict[str, Any] = {}

        def lookup(name: str) -> Any:
            if name in self.thresholds:
                return self.thresholds[name]
            if name in self.terms:
                if name not in cache:
                    cache[name] = self.terms[name].evaluate(lookup)
                return cache[name]
            if name in self.fact_types:
                return facts.get(name)
            raise ProtocolError(f"unknown name {name!r}")

        return lookup

    def _rule_value(self, rule: Rule, facts: Facts) -> bool | None:
        value = rule.when.evaluate(self._lookup(facts))
        return None if value is None else value is True

    def _route_of(self, rule: Rule) -> str:
        return rule.strict_route if self.strict_mode and rule.strict_route else rule.route

    def _applies(self, question: Question, facts: Facts) -> bool | None:
        if question.ask_if is None:
            return True
        value = question.ask_if.evaluate(self._lookup(facts))
        return None if value is None else bool(value) and value != NOT_MEASURED

    def _with_defaults(self, facts: Facts) -> dict[str, Any]:
        """Give the facts of questions (or of options) that do not apply their defaults."""
        facts = dict(facts)
        for question in self.questions:
            if question.default and self._applies(question, facts) is False:
                for name, value in question.default.items():
                    facts.setdefault(name, value)
            for name, condition in question.only_if.items():
                if facts.get(name) is None and condition.evaluate(self._lookup(facts)) is False:
                    facts[name] = question.default.get(name, False)
        return facts

    def _closed_world(self, facts: Facts) -> dict[str, Any]:
        facts = self._with_defaults(facts)
        for name, spec in self.fact_types.items():
            if facts.get(name) is None:
                if spec["type"] == "bool":
                    facts[name] = False
                elif spec.get("allow_unknown"):
                    facts[name] = NOT_MEASURED
        return facts

    @staticmethod
    def _freeze(facts: Facts) -> frozenset:
        return frozenset((k, v) for k, v in facts.items() if v is not None)

    def _possible(self, frozen: frozenset) -> frozenset[str]:
        return _possible_routes(self, frozen)

    def _search(self, frozen: frozenset) -> frozenset[str]:
        facts = self._with_defaults(dict(frozen))
        for rule in self.rules:
            value = self._rule_value(rule, facts)
            if value is False:
                continue
            if value is True:
                return frozenset({self._route_of(rule)})
            # Undecided: branch on one unknown fact this rule depends on.
            name = next(n for n in self.fact_types
                        if n in self._rule_facts[rule.id] and facts.get(n) is None)
            routes: set[str] = set()
            for sample in self._sample_values[name]:
                routes |= self._possible(self._freeze({**facts, name: sample}))
            return frozenset(routes)
        raise ProtocolError("no rule matched: the last rule must always hold")

    def _decides(self, name: str, frozen: frozenset) -> bool:
        """Is there some way the other open questions could be answered in which the
        answer about `name` changes the route? Searches those answers, one fact at a time."""
        facts = self._with_defaults(dict(frozen))
        if facts.get(name) is not None:
            return False  # its question no longer applies
        outcomes = {self._possible(self._freeze({**facts, name: v}))
                    for v in self._sample_values[name]}
        if len(outcomes) > 1:
            return True
        if len(next(iter(outcomes))) == 1:
            return False
        other = self._branch_fact(facts, exclude=name)
        return other is not None and any(
            _decisive(self, name, self._freeze({**facts, other: v}))
            for v in self._sample_values[other])

    def _branch_fact(self, facts: Facts, exclude: str) -> str | None:
        """An unknown fact to branch on: one the first undecided rule depends on."""
        for rule in self.rules:
            value = self._rule_value(rule, facts)
            if value is True:
                break
            if value is None:
                for name in self.fact_types:
                    if name != exclude and name in self._rule_facts[rule.id] and facts.get(name) is None:
                        return name
        return next((n for n in self._influencing if n != exclude and facts.get(n) is None), None)

    def _samples(self, name: str) -> tuple[Any, ...]:
        """One value in every region that the protocol's thresholds cut a fact into."""
        spec = self.fact_types[name]
        if spec["type"] == "bool":
            return (True, False)
        cuts = sorted(self._cuts.get(name, ()))
        if not cuts:
            points = [spec.get("min", 0.0)]
        else:
            points = [cuts[0] - 0.5, *cuts, cuts[-1] + 0.5]
            points += [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
        samples = tuple(sorted(points))
        return samples + ((NOT_MEASURED,) if spec.get("allow_unknown") else ())

    def _threshold_cuts(self) -> dict[str, set[float]]:
        """Which thresholds each numeric fact is compared with, anywhere in the protocol."""
        cuts: dict[str, set[float]] = {}
        expressions = [r.when for r in self.rules] + list(self.terms.values())
        for expression in expressions:
            for fact, other in expression.comparisons():
                if fact not in self.fact_types:
                    continue
                if isinstance(other, float):
                    cuts.setdefault(fact, set()).add(other)
                elif other in self.thresholds:
                    cuts.setdefault(fact, set()).add(float(self.thresholds[other]))
        return cuts

    def _validate(self) -> None:
        known = set(self.fact_types) | set(self.terms) | set(self.thresholds)
        expressions = [r.when for r in self.rules] + list(self.terms.values()) + [
            q.ask_if for q in self.questions if q.ask_if] + [
            c for q in self.questions for c in q.only_if.values()]
        for expression in expressions:
            missing = expression.names - known
            if missing:
                raise ProtocolError(f"{expression.source!r} uses unknown names {sorted(missing)}")
        for rule in self.rules:
            for route in filter(None, (rule.route, rule.strict_route)):
                if route not in self.routes:
                    raise ProtocolError(f"rule {rule.id} has unknown route {route!r}")
        for question in self.questions:
            stray = set(question.only_if) - set(question.facts)
            if stray:
                raise ProtocolError(f"question {question.id}: only_if names {sorted(stray)} it does not ask")
        asked = [f for q in self.questions for f in q.facts]
        if sorted(asked) != sorted(self.fact_types):
            raise ProtocolError("every fact must be asked by exactly one question")


@lru_cache(maxsize=65536)
def _decisive(engine: TriageEngine, name: str, frozen: frozenset) -> bool:
    return engine._decides(name, frozen)


@lru_cache(maxsize=65536)
def _possible_routes(engine: TriageEngine, frozen: frozenset) -> frozenset[str]:
    return engine._search(frozen)


def load_engine(path: str | Path | None = None, **overrides: Any) -> TriageEngine:
    """Load the protocol file (the packaged one by default)."""
    with open(path or DEFAULT_PROTOCOL, encoding="utf-8") as handle:
        return TriageEngine(yaml.safe_load(handle), **overrides)

