"""Tests of the triage engine against the clinical spec (shared/triage-protocol.md, v1).

Every test runs the real engine on the packaged protocol file (bot/triage/protocol.yml).
"""

from __future__ import annotations

import copy
import json
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.triage import load_engine
from bot.triage.engine import DEFAULT_PROTOCOL, ProtocolError, TriageEngine
from bot.triage.expressions import ExpressionError

ENGINE = load_engine()
STRICT = load_engine(strict_mode=True)

ROUTES = ("emergency", "fever_clinic", "online_specialist", "self_care")
DANGER_SIGNS = ("breathing_difficulty", "chest_pain", "confusion", "cyanosis")
EXPOSURES = ("contact_confirmed_case", "travel_high_risk_area", "cluster_exposure")
RISK_FLAGS = ("pregnant", "chronic_condition", "immunocompromised")
BOOL_FACTS = (*DANGER_SIGNS, "fever", "respiratory_symptoms", "symptoms_resolved",
              *EXPOSURES, "healthcare_worker", *RISK_FLAGS)
NO_DANGER = {name: False for name in DANGER_SIGNS}


def full(**overrides):
    """A complete fact set for a well adult of 30 with nothing to report; override what matters."""
    facts = {name: False for name in BOOL_FACTS}
    facts.update(temperature_c="unknown", fever_days=0, age=30)
    facts.update(overrides)
    return facts


def f_to_c(fahrenheit):
    return (fahrenheit - 32) * 5 / 9


def rank(engine, route):
    return engine.routes.index(route)


def has_fever(facts, fever_c=37.3):
    temperature = facts.get("temperature_c")
    if isinstance(temperature, (int, float)):
        return temperature >= fever_c
    return bool(facts.get("fever"))


def test_routes_are_the_specs_in_urgency_order():
    assert ENGINE.routes == ROUTES
    assert ENGINE.version == "1.2.0"


# ----- 1. every rule ------------------------------------------------------------------

RULE_CASES = [
    # (case id, facts, route, winning rule)
    ("R-E1", full(breathing_difficulty=True), "emergency", "R-E1"),
    ("R-E2", full(chest_pain=True), "emergency", "R-E2"),
    ("R-E3", full(confusion=True), "emergency", "R-E3"),
    ("R-E4", full(cyanosis=True), "emergency", "R-E4"),
    ("R-E4 with reassurance-free mild case", full(cyanosis=True, respiratory_symptoms=True),
     "emergency", "R-E4"),
    ("R-E1 wins over exposure and fever",
     full(breathing_difficulty=True, fever=True, temperature_c=39.0, contact_confirmed_case=True),
     "emergency", "R-E1"),
    ("R-F1 fever + contact", full(fever=True, temperature_c=38.2, contact_confirmed_case=True),
     "fever_clinic", "R-F1"),
    ("R-F1 fever + travel", full(fever=True, temperature_c=37.5, travel_high_risk_area=True),
     "fever_clinic", "R-F1"),
    ("R-F1 fever + cluster", full(fever=True, cluster_exposure=True), "fever_clinic", "R-F1"),
    ("R-F1 respiratory + contact", full(respiratory_symptoms=True, contact_confirmed_case=True),
     "fever_clinic", "R-F1"),
    ("R-F1 respiratory + healthcare worker", full(respiratory_symptoms=True, healthcare_worker=True),
     "fever_clinic", "R-F1"),
    ("R-F1 fever + healthcare worker", full(fever=True, healthcare_worker=True),
     "fever_clinic", "R-F1"),
    ("R-F1 even if resolved",
     full(fever=True, symptoms_resolved=True, contact_confirmed_case=True), "fever_clinic", "R-F1"),
    ("R-F1 resolved respiratory + travel",
     full(respiratory_symptoms=True, symptoms_resolved=True, travel_high_risk_area=True),
     "fever_clinic", "R-F1"),
    ("R-S2 resolved fever", full(fever=True, symptoms_resolved=True), "self_care", "R-S2"),
    ("R-S2 resolved, even high risk",
     full(fever=True, temperature_c=38.5, fever_days=5, age=80, symptoms_resolved=True),
     "self_care", "R-S2"),
    ("R-F2 age 65", full(fever=True, temperature_c=37.5, fever_days=1, age=65),
     "fever_clinic", "R-F2"),
    ("R-F2 pregnant", full(fever=True, temperature_c=37.5, fever_days=1, pregnant=True),
     "fever_clinic", "R-F2"),
    ("R-F2 chronic condition", full(fever=True, chronic_condition=True), "fever_clinic", "R-F2"),
    ("R-F2 immunocompromised", full(fever=True, temperature_c=37.3, immunocompromised=True),
     "fever_clinic", "R-F2"),
    ("R-F3", full(fever=True, temperature_c=38.5, fever_days=4), "fever_clinic", "R-F3"),
    ("R-F4 infant with fever", full(fever=True, temperature_c=37.8, fever_days=1, age=0.67),
     "fever_clinic", "R-F4"),
    ("R-F4 infant with respiratory symptoms", full(respiratory_symptoms=True, age=1.5),
     "fever_clinic", "R-F4"),
    ("R-O1 measured", full(fever=True, temperature_c=37.5, fever_days=2), "online_specialist", "R-O1"),
    ("R-O1 not measured", full(fever=True), "online_specialist", "R-O1"),
    ("R-O2 contact", full(contact_confirmed_case=True), "online_specialist", "R-O2"),
    ("R-O2 travel", full(travel_high_risk_area=True), "online_specialist", "R-O2"),
    ("R-O2 cluster", full(cluster_exposure=True), "online_specialist", "R-O2"),
    ("R-O3 age", full(respiratory_symptoms=True, age=70), "online_specialist", "R-O3"),
    ("R-O3 chronic", full(respiratory_symptoms=True, chronic_condition=True),
     "online_specialist", "R-O3"),
    ("R-S1 nothing", full(), "self_care", "R-S1"),
    ("R-S1 mild cold", full(respiratory_symptoms=True), "self_care", "R-S1"),
    ("R-S1 healthcare worker without symptoms", full(healthcare_worker=True), "self_care", "R-S1"),
    ("R-S1 high risk without symptoms", full(age=80, chronic_condition=True), "self_care", "R-S1"),
]


@pytest.mark.parametrize("facts, route, rule",
                         [case[1:] for case in RULE_CASES], ids=[case[0] for case in RULE_CASES])
def test_rule(facts, route, rule):
    result = ENGINE.assess(facts)
    assert result.route == route
    assert result.rules[0] == rule
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
    assert len(result.reasons) == len(result.rules)
    assert result.protocol_version == "1.2.0"


def test_every_rule_of_the_protocol_is_covered():
    covered = {case[3] for case in RULE_CASES}
    assert covered == {rule.id for rule in ENGINE.rules}


def test_other_rules_that_fired_for_the_same_route_follow_the_winner():
    result = ENGINE.assess(full(fever=True, temperature_c=38.5, fever_days=5, age=70,
                                contact_confirmed_case=True))
    assert result.route == "fever_clinic"
    assert result.rules[:3] == ("R-F1", "R-F2", "R-F3")


def test_catch_all_reason_is_not_added_to_another_rules_result():
    # regression: R-S1's reason ("no fever, no exposure ...") used to follow R-S2's and
    # contradict a person who reported a fever that has since gone
    result = ENGINE.assess(full(fever=True, temperature_c=38.5, symptoms_resolved=True))
    assert result.rules == ("R-S2",)
    assert ENGINE.assess(full()).rules == ("R-S1",)


# ----- 2. thresholds ------------------------------------------------------------------

BOUNDARY_CASES = [
    ("37.3 C is fever", full(fever=True, temperature_c=37.3), "online_specialist"),
    ("37.29 C is not fever", full(fever=True, temperature_c=37.29), "self_care"),
    ("99.1 F is not fever", full(fever=True, temperature_c=f_to_c(99.1)), "self_care"),
    ("99.2 F is fever", full(fever=True, temperature_c=f_to_c(99.2)), "online_specialist"),
    ("38.0 C for 4 days is persistent high fever",
     full(fever=True, temperature_c=38.0, fever_days=4), "fever_clinic"),
    ("37.99 C for 4 days is not high fever",
     full(fever=True, temperature_c=37.99, fever_days=4), "online_specialist"),
    ("high fever for 3 days is not more than 3",
     full(fever=True, temperature_c=38.5, fever_days=3), "online_specialist"),
    ("high fever for 4 days", full(fever=True, temperature_c=38.5, fever_days=4), "fever_clinic"),
    ("high fever, days unknown, is not persistent",
     full(fever=True, temperature_c="unknown", fever_days=10), "online_specialist"),
    ("age 65 is high risk", full(fever=True, temperature_c=37.5, age=65), "fever_clinic"),
    ("age 64.99 is not high risk", full(fever=True, temperature_c=37.5, age=64.99),
     "online_specialist"),
    ("age 2 is not an infant", full(respiratory_symptoms=True, age=2), "self_care"),
    ("age 1.99 is an infant", full(respiratory_symptoms=True, age=1.99), "fever_clinic"),
    ("measured 37.0 overrides reported fever", full(fever=True, temperature_c=37.0, age=70),
     "self_care"),
    ("measured 36.5 overrides reported fever, even with a long 'fever'",
     full(fever=True, temperature_c=36.5, fever_days=10), "self_care"),
    ("reported fever, temperature not measured, counts", full(fever=True, temperature_c="unknown"),
     "online_specialist"),
    ("measured fever counts even if fever was denied", full(fever=False, temperature_c=37.6),
     "online_specialist"),
]


@pytest.mark.parametrize("facts, route", [c[1:] for c in BOUNDARY_CASES],
                         ids=[c[0] for c in BOUNDARY_CASES])
def test_threshold_boundary(facts, route):
    assert ENGINE.assess(facts).route == route


def test_fahrenheit_conversions_are_compared_unrounded():
    assert f_to_c(99.1) == pytest.approx(37.2778, abs=1e-4)
    assert f_to_c(99.2) == pytest.approx(37.3333, abs=1e-4)


def test_measured_temperature_below_threshold_means_not_symptomatic_for_exposure():
    # fever reported but the measured 37.0 overrides it: no R-F1, only R-O2 for the exposure
    result = ENGINE.assess(full(fever=True, temperature_c=37.0, contact_confirmed_case=True))
    assert (result.route, result.rules[0]) == ("online_specialist", "R-O2")


# ----- 3. strict mode and custom thresholds ---------------------------------------------

@pytest.mark.parametrize("facts, route, rule",
                         [case[1:] for case in RULE_CASES], ids=[case[0] for case in RULE_CASES])
def test_strict_mode_only_changes_r_o1(facts, route, rule):
    result = STRICT.assess(facts)
    if rule == "R-O1":
        assert (result.route, result.rules[0]) == ("fever_clinic", "R-O1")
    else:
        assert result.route == route
        assert result.rules[0] == rule


def test_strict_mode_is_off_by_default():
    assert ENGINE.strict_mode is False
    assert ENGINE.assess(full(fever=True, temperature_c=37.3)).route == "online_specialist"
    assert STRICT.assess(full(fever=True, temperature_c=37.3)).route == "fever_clinic"
    assert STRICT.assess(full(fever=True, temperature_c=37.29)).route == "self_care"


@pytest.mark.parametrize("thresholds, facts, route", [
    ({"fever_c": 38.0}, full(fever=True, temperature_c=37.9), "self_care"),
    ({"fever_c": 38.0}, full(fever=True, temperature_c=38.0), "online_specialist"),
    ({"fever_c": 38.0}, full(fever=True, temperature_c="unknown"), "online_specialist"),
    ({"high_fever_c": 39.0}, full(fever=True, temperature_c=38.5, fever_days=5), "online_specialist"),
    ({"high_fever_c": 39.0}, full(fever=True, temperature_c=39.0, fever_days=5), "fever_clinic"),
    ({"long_fever_days": 5}, full(fever=True, temperature_c=38.5, fever_days=5), "online_specialist"),
    ({"long_fever_days": 5}, full(fever=True, temperature_c=38.5, fever_days=6), "fever_clinic"),
    ({"high_risk_age": 60}, full(fever=True, temperature_c=37.5, age=60), "fever_clinic"),
    ({"high_risk_age": 60}, full(fever=True, temperature_c=37.5, age=59.9), "online_specialist"),
    ({"infant_age": 1}, full(respiratory_symptoms=True, age=1.5), "self_care"),
    ({"infant_age": 1}, full(respiratory_symptoms=True, age=0.9), "fever_clinic"),
])
def test_custom_thresholds_move_the_boundary(thresholds, facts, route):
    assert load_engine(thresholds=thresholds).assess(facts).route == route


def test_custom_threshold_also_moves_the_dialogue():
    engine = load_engine(thresholds={"high_fever_c": 39.0})
    facts = {**NO_DANGER, "fever": True, "temperature_c": 38.5}
    # 38.5 is a high fever by default, so its duration matters (R-F3); with a 39.0
    # high-fever threshold it is not, and the duration is never asked
    assert ENGINE.next_question(facts).id == "fever_days"
    assert "fever_days" not in engine.relevant_facts(facts)
    assert engine.next_question(facts).id != "fever_days"


# ----- 4. dialogue planning ---------------------------------------------------------------

def test_first_question_is_danger_signs():
    question = ENGINE.next_question({})
    assert question.id == "danger_signs"
    assert set(question.facts) == set(DANGER_SIGNS)
    assert ENGINE.possible_routes({}) == frozenset(ROUTES)


@pytest.mark.parametrize("sign", DANGER_SIGNS)
def test_one_danger_sign_ends_triage(sign):
    for facts in ({sign: True}, {**NO_DANGER, sign: True}, {sign: True, "fever": False}):
        assert ENGINE.next_question(facts) is None
        assert ENGINE.possible_routes(facts) == frozenset({"emergency"})
        assert ENGINE.relevant_facts(facts) == []
        assert ENGINE.assess(facts).route == "emergency"


def test_danger_signs_cleared_rules_out_emergency():
    assert "emergency" not in ENGINE.possible_routes(NO_DANGER)
    assert ENGINE.next_question(NO_DANGER).id == "fever"


def test_without_symptoms_only_exposure_remains():
    facts = {**NO_DANGER, "fever": False, "respiratory_symptoms": False}
    assert ENGINE.relevant_facts(facts) == list(EXPOSURES)
    assert ENGINE.next_question(facts).id == "exposure"
    assert ENGINE.possible_routes(facts) == frozenset({"online_specialist", "self_care"})
    for exposure in EXPOSURES:
        assert ENGINE.next_question({**facts, exposure: True}) is None
        assert ENGINE.possible_routes({**facts, exposure: True}) == frozenset({"online_specialist"})
    cleared = {**facts, **{e: False for e in EXPOSURES}}
    assert ENGINE.next_question(cleared) is None
    assert ENGINE.possible_routes(cleared) == frozenset({"self_care"})


@pytest.mark.parametrize("facts", [c[1] for c in RULE_CASES], ids=[c[0] for c in RULE_CASES])
def test_complete_facts_need_no_question(facts):
    assert ENGINE.next_question(facts) is None
    assert ENGINE.relevant_facts(facts) == []
    assert ENGINE.possible_routes(facts) == frozenset({ENGINE.assess(facts).route})


def test_opener_with_fever_and_positive_coworker_fixes_fever_clinic():
    # "fever of 101F for 3 days and coworker tested positive"
    opener = {"fever": True, "temperature_c": round(f_to_c(101), 2), "fever_days": 3,
              "contact_confirmed_case": True}
    assert ENGINE.next_question(opener).id == "danger_signs"
    assert ENGINE.possible_routes(opener) == frozenset({"emergency", "fever_clinic"})
    facts = {**opener, **NO_DANGER}
    assert ENGINE.next_question(facts) is None
    assert ENGINE.possible_routes(facts) == frozenset({"fever_clinic"})
    assert ENGINE.assess(facts).route == "fever_clinic"
    assert ENGINE.assess(facts).rules[0] == "R-F1"


def test_given_facts_are_not_asked_again():
    facts = {**NO_DANGER, "fever": True, "temperature_c": 38.3, "fever_days": 2}
    assert not set(ENGINE.relevant_facts(facts)) & set(facts)
    # with a fever, respiratory symptoms cannot change the route: next, are they still unwell?
    assert ENGINE.next_question(facts).id == "symptoms_resolved"


def test_children_are_not_asked_about_work_or_pregnancy():
    child = {**NO_DANGER, "fever": True, "temperature_c": 38.3, "fever_days": 2,
             "symptoms_resolved": False, "age": 6}
    assert "healthcare_worker" not in ENGINE.relevant_facts(child)
    assert "pregnant" not in ENGINE.relevant_facts(child)
    adult = {**child, "age": 30, "contact_confirmed_case": False, "travel_high_risk_area": False,
             "cluster_exposure": False, "healthcare_worker": False}
    question = ENGINE.next_question(adult)
    assert question.id == "risk_factors"
    assert ENGINE.open_facts(question, adult) == ["pregnant", "chronic_condition", "immunocompromised"]
    child_question = ENGINE.next_question({**adult, "age": 6})
    assert ENGINE.open_facts(child_question, {**adult, "age": 6}) == ["chronic_condition", "immunocompromised"]


def test_temperature_is_not_asked_when_fever_is_denied():
    facts = {**NO_DANGER, "fever": False}
    assert "temperature_c" not in ENGINE.relevant_facts(facts)
    assert "fever_days" not in ENGINE.relevant_facts(facts)
    assert ENGINE.next_question(facts).id == "respiratory_symptoms"
    assert ENGINE.next_question({**NO_DANGER, "fever": True}).id == "temperature"


def test_fever_question_is_skipped_when_temperature_was_given():
    facts = {**NO_DANGER, "temperature_c": 38.5}
    assert "fever" not in ENGINE.relevant_facts(facts)
    assert ENGINE.next_question(facts).id == "fever_days"


def test_symptoms_resolved_is_not_asked_when_not_symptomatic():
    facts = {**NO_DANGER, "fever": False, "respiratory_symptoms": False}
    for extra in ({}, {e: True for e in EXPOSURES}, {"healthcare_worker": True},
                  {"contact_confirmed_case": False, "travel_high_risk_area": False,
                   "cluster_exposure": False, "healthcare_worker": False}):
        assert "symptoms_resolved" not in ENGINE.relevant_facts({**facts, **extra})
    # measured temperature below the threshold: not symptomatic either
    facts = {**NO_DANGER, "fever": True, "temperature_c": 37.0, "respiratory_symptoms": False}
    assert "symptoms_resolved" not in ENGINE.relevant_facts(facts)
    # but it is asked of a symptomatic person with no exposure
    facts = {**NO_DANGER, "fever": True, "temperature_c": 37.6, "fever_days": 1,
             "respiratory_symptoms": False, **{e: False for e in EXPOSURES},
             "healthcare_worker": False}
    assert ENGINE.next_question(facts).id == "symptoms_resolved"


# The dialogue walk: a simulated person answers every question truthfully.

def consistent(truth, fever_c=37.3):
    """Make a random truth one a person could give: a temperature at or above the
    threshold means the person had a fever (the temperature question is only asked after
    fever = yes), and only a symptomatic person can say the symptoms resolved (the
    protocol defaults symptoms_resolved to False for everyone else); children under 16
    do not work in health care and under-10s are not pregnant (neither is asked)."""
    truth = dict(truth)
    temperature = truth["temperature_c"]
    if not truth["fever"] and temperature != "unknown" and temperature >= fever_c:
        truth["temperature_c"] = "unknown"
    if not (has_fever(truth, fever_c) or truth["respiratory_symptoms"]):
        truth["symptoms_resolved"] = False
    if truth["age"] < 16:
        truth["healthcare_worker"] = False
    if truth["age"] < 10:
        truth["pregnant"] = False
    return truth


temperatures = st.one_of(st.just("unknown"),
                         st.floats(35.0, 41.5, allow_nan=False, allow_infinity=False),
                         st.sampled_from([37.29, 37.3, 37.99, 38.0]))
ages = st.one_of(st.floats(0.0, 100.0, allow_nan=False, allow_infinity=False),
                 st.sampled_from([1.99, 2.0, 64.99, 65.0]))
complete_facts = st.fixed_dictionaries({
    **{name: st.booleans() for name in BOOL_FACTS},
    "temperature_c": temperatures,
    "fever_days": st.integers(0, 14),
    "age": ages,
})
truths = complete_facts.map(consistent)


def walk(engine, truth, start=None):
    """Ask the engine's questions, answering from `truth`, until it has no more."""
    known = dict(start or {})
    asked = []
    while (question := engine.next_question(known)) is not None:
        assert question.id not in asked, f"asked {question.id} twice"
        assert len(asked) < 10, f"too many questions: {asked}"
        open_facts = engine.open_facts(question, known)
        assert open_facts, f"{question.id} asks nothing new"
        # whatever is still open, the true route must be among the possible ones
        assert engine.assess(truth).route in engine.possible_routes(known)
        if question.id == "temperature":
            assert known.get("fever") is True
        if question.id == "fever_days":
            assert has_fever(known, engine.thresholds["fever_c"])
        if question.id == "symptoms_resolved":
            assert (has_fever(known, engine.thresholds["fever_c"])
                    or known.get("respiratory_symptoms") is True)
        asked.append(question.id)
        known.update({name: truth[name] for name in open_facts})
    return known, asked


@pytest.mark.parametrize("engine", [ENGINE, STRICT], ids=["default", "strict"])
@settings(deadline=None, max_examples=300)
@given(truth=truths)
def test_dialogue_walk_reaches_the_true_route(engine, truth):
    known, asked = walk(engine, truth)
    assert len(asked) <= 10
    assert engine.assess(known).route == engine.assess(truth).route
    assert engine.possible_routes(known) == frozenset({engine.assess(truth).route})
    if any(truth[s] for s in DANGER_SIGNS):
        assert asked == ["danger_signs"]
    if not truth["fever"]:
        assert "temperature" not in asked


@settings(deadline=None, max_examples=150)
@given(truth=truths, data=st.data())
def test_dialogue_walk_from_volunteered_facts(truth, data):
    volunteered = data.draw(st.sets(st.sampled_from(sorted(truth))), label="volunteered")
    start = {name: truth[name] for name in volunteered}
    known, asked = walk(ENGINE, truth, start)
    assert ENGINE.assess(known).route == ENGINE.assess(truth).route
    by_id = {q.id: q for q in ENGINE.questions}
    for question_id in asked:
        assert not set(by_id[question_id].facts) <= volunteered, f"re-asked {question_id}"


CUSTOM = load_engine(thresholds={"fever_c": 38.0, "high_risk_age": 60})


@settings(deadline=None, max_examples=100)
@given(truth=complete_facts.map(lambda t: consistent(t, fever_c=38.0)))
def test_dialogue_walk_with_custom_threshold(truth):
    engine = CUSTOM
    known, asked = walk(engine, truth)
    assert engine.assess(known).route == engine.assess(truth).route


# ----- 5. monotonicity -------------------------------------------------------------------

def escalations(facts):
    """Every single piece of new information the spec says can never lower the route."""
    for name in (*DANGER_SIGNS, *EXPOSURES, "healthcare_worker", *RISK_FLAGS):
        yield name, {**facts, name: True}


@pytest.mark.parametrize("engine", [ENGINE, STRICT], ids=["default", "strict"])
@settings(deadline=None, max_examples=500)
@given(facts=complete_facts, older=st.floats(65.0, 120.0, allow_nan=False))
def test_new_information_never_lowers_the_route(engine, facts, older):
    before = rank(engine, engine.assess(facts).route)
    changes = list(escalations(facts))
    if 2 <= facts["age"] < 65:
        changes.append(("age >= 65", {**facts, "age": older}))
    for change, raised in changes:
        after = rank(engine, engine.assess(raised).route)
        assert after <= before, f"{change} lowered the route"


@settings(deadline=None, max_examples=200)
@given(facts=complete_facts)
def test_danger_sign_always_gives_emergency(facts):
    for sign in DANGER_SIGNS:
        assert ENGINE.assess({**facts, sign: True}).route == "emergency"
        assert STRICT.assess({**facts, sign: True}).route == "emergency"


# ----- 6. normalise and payload ----------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("favourite_colour", "blue"),      # not a protocol fact
    ("temperature_c", 50),             # out of range
    ("temperature_c", 33.9),
    ("temperature_c", "38.5"),         # text is the NLU's job, not the engine's
    ("temperature_c", True),
    ("temperature_c", math.nan),
    ("age", -1),
    ("age", 121),
    ("age", "unknown"),                # only temperature may be "unknown"
    ("age", True),
    ("fever_days", -1),
    ("fever_days", math.inf),
    ("fever", "yes"),
    ("fever", 1),
    ("chest_pain", None),
])
def test_normalise_drops_invalid(name, value):
    assert ENGINE.normalise({"chronic_condition": True, name: value}) == {"chronic_condition": True}


def test_normalise_keeps_valid_values():
    facts = {"fever": True, "temperature_c": 38, "age": 0.67, "fever_days": 3, "cyanosis": False}
    assert ENGINE.normalise(facts) == {"fever": True, "temperature_c": 38.0, "age": 0.67,
                                       "fever_days": 3.0, "cyanosis": False}
    assert ENGINE.normalise({"temperature_c": "unknown"}) == {"temperature_c": "unknown"}
    assert ENGINE.normalise({"temperature_c": 34.0, "age": 120}) == {"temperature_c": 34.0,
                                                                      "age": 120.0}


def test_invalid_values_count_as_absent_in_assessment():
    assert ENGINE.assess({"fever": True, "temperature_c": 50, "age": -1}).route == "online_specialist"
    assert ENGINE.assess({"breathing_difficulty": "yes"}).route == "self_care"


def test_payload_shape():
    facts = full(fever=True, temperature_c=38.33, fever_days=3, contact_confirmed_case=True)
    payload = ENGINE.assess(facts).as_payload()
    assert set(payload) == {"triage"}
    triage = payload["triage"]
    assert set(triage) == {"route", "rules", "reasons", "protocol_version", "facts"}
    assert triage["route"] == "fever_clinic"
    assert triage["rules"][0] == "R-F1" and isinstance(triage["rules"], list)
    assert isinstance(triage["reasons"], list) and triage["reasons"]
    assert triage["protocol_version"] == "1.2.0"
    assert triage["facts"] == facts
    assert json.loads(json.dumps(payload)) == payload


def test_payload_leaves_out_unanswered_facts():
    facts = {"fever": True, "age": None}
    assert ENGINE.assess(facts).as_payload()["triage"]["facts"] == {"fever": True}


# ----- 7. malformed protocols ------------------------------------------------------------

def protocol():
    with open(DEFAULT_PROTOCOL, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def rule(data, rule_id):
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_packaged_protocol_loads_from_a_dict():
    engine = TriageEngine(protocol())
    assert engine.assess(full(fever=True)).route == "online_specialist"


def _set_when(rule_id, source):
    def edit(data):
        rule(data, rule_id)["when"] = source
    return edit


def _set_term(term, source):
    def edit(data):
        data["terms"][term] = source
    return edit


def _set(path, value):
    def edit(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def _drop_question(question_id):
    def edit(data):
        data["questions"] = [q for q in data["questions"] if q["id"] != question_id]
    return edit


MALFORMED = [
    ("unknown name in a rule", _set_when("R-F1", "symptomatic and (exposd or healthcare_worker)"),
     ProtocolError),
    ("unknown name in a term", _set_term("high_risk", "age >= old_age or pregnant"), ProtocolError),
    ("unknown name in ask_if", lambda d: d["questions"][2].update(ask_if="has_fver"), ProtocolError),
    ("unknown route", lambda d: rule(d, "R-O2").update(route="quarantine_hotel"), ProtocolError),
    ("unknown strict route", lambda d: rule(d, "R-O1").update(strict_route="ct_scan"), ProtocolError),
    ("fact never asked", _drop_question("healthcare_worker"), ProtocolError),
    ("function call", _set_when("R-O1", "len(fever) > 0"), ExpressionError),
    ("__import__ call", _set_when("R-O1", "__import__('os')"), ExpressionError),
    ("__import__ attribute", _set_when("R-O1", "__import__('os').system('true')"), ExpressionError),
    ("attribute access", _set_when("R-O1", "fever.__class__"), ExpressionError),
    ("measured with two arguments", _set_term("high_fever", "measured(temperature_c, age)"),
     ExpressionError),
    ("measured of a string", _set_term("high_fever", "measured('temperature_c')"), ExpressionError),
    ("subscript", _set_when("R-O1", "fever[0]"), ExpressionError),
    ("arithmetic", _set_when("R-F3", "fever_days * 2 > long_fever_days"), ExpressionError),
    ("lambda", _set_when("R-O1", "(lambda: True)()"), ExpressionError),
    ("syntax error", _set_when("R-O1", "fever and"), ExpressionError),
]


@pytest.mark.parametrize("edit, error", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_protocol_is_rejected_at_load(edit, error):
    data = protocol()
    edit(data)
    with pytest.raises(error):
        TriageEngine(copy.deepcopy(data))


def test_bare_measured_is_rejected_at_load():
    # regression: a bare `measured` (not called) used to pass validation and fail in assess()
    data = protocol()
    data["terms"]["high_fever"] = "measured and temperature_c >= high_fever_c"
    with pytest.raises(ProtocolError):
        TriageEngine(data)


def test_literal_threshold_is_either_rejected_or_planned_for():
    data = protocol()
    data["terms"]["infant"] = "age < 2"
    try:
        engine = TriageEngine(data)
    except (ProtocolError, ExpressionError):
        return
    facts = full(respiratory_symptoms=True, chronic_condition=True)
    del facts["age"]
    assert engine.assess({**facts, "age": 1}).route == "fever_clinic"
    assert engine.next_question(facts) is not None
