"""Free-text fact extraction (bot/nlu/facts.py) on real-sounding messages.

Each case: the message, the facts it must yield (a subset of the result) and the keys that
must be absent. Floats are compared with pytest.approx.
"""

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from bot.nlu.facts import FACT_NAMES, OUTPUT_KEYS, READING_KEYS, extract_facts

C101 = (101 - 32) * 5 / 9  # 38.33 C
ALL_KEYS = (*FACT_NAMES, "duration_days", "number", *READING_KEYS)
NOT_ANSWERS = ["number", "temperature_c", "age", "duration_days"]  # a reading is none of these
SINCE_MONDAY = (date.today().weekday() - 0 - 1) % 7 + 1  # days back to the last Monday before today
SINCE_TUESDAY = (date.today().weekday() - 1 - 1) % 7 + 1


def only(*keys):
    """Every key except these must be absent."""
    return [k for k in ALL_KEYS if k not in keys]


def case(text, absent=(), **expected):
    return pytest.param(text, expected, tuple(absent), id=text[:60])


CASES = [
    # found by exploratory testing: "can't stop" and "won't go away" mean more, not less
    case("my 1 year old has a cough that won't go away", respiratory_symptoms=True, age=1.0,
         absent=["symptoms_resolved"]),
    case("I'm 70 and I can't stop coughing", respiratory_symptoms=True, age=70.0),
    case("can't shake this cough", respiratory_symptoms=True),
    case("the fever doesn't go away", fever=True, absent=["symptoms_resolved"]),
    case("my cough is not going away", respiratory_symptoms=True, absent=["symptoms_resolved"]),
    # --- the openers from the brief
    case("I've had a fever of 101F for 3 days and my coworker just tested positive",
         fever=True, temperature_c=C101, fever_days=3, contact_confirmed_case=True,
         absent=["number", "duration_days"]),
    case("my 8 month old is breathing really fast", age=0.67, breathing_difficulty=True,
         absent=["number", "duration_days"]),
    case("I feel fine, I just came back from an area with lots of cases",
         travel_high_risk_area=True, absent=["fever", "respiratory_symptoms", "symptoms_resolved"]),

    # --- temperatures: words, F and C, "38,5" and "38度5", the 37.3 C threshold
    case("my temperature is thirty eight point five", temperature_c=38.5, absent=["fever", "number"]),
    case("thirty eight point five", number=38.5, absent=["temperature_c"]),
    case("fever of a hundred and one", fever=True, temperature_c=C101),
    case("temp 38,5 this morning", temperature_c=38.5, absent=["number"]),
    case("38,5", number=38.5),
    case("孩子发烧 38度5", temperature_c=38.5),
    case("a 2-year-old with a 38度5 fever", age=2, fever=True, temperature_c=38.5),
    case("my temperature is 99.1F", temperature_c=37.2777778, absent=["fever"]),
    case("my temperature is 99.2F", temperature_c=37.3333333, absent=["fever"]),
    case("thermometer says 101.5", temperature_c=(101.5 - 32) * 5 / 9),
    case("it was 39 degrees celsius last night", temperature_c=39.0),
    case("I took my temperature, it was 38.9", temperature_c=38.9, absent=["number"]),
    case("I measured 38.2 after lunch", temperature_c=38.2),
    case("temperature was 102 degrees", temperature_c=(102 - 32) * 5 / 9),
    case("38.9", number=38.9, absent=["temperature_c"]),
    case("actually it was 3", number=3),
    case("fever for 3 days, 38.5 yesterday", fever=True, temperature_c=38.5, fever_days=3),

    # --- durations
    case("I've had a fever for three days", fever=True, fever_days=3, absent=["number"]),
    case("feverish for a week now", fever=True, fever_days=7),
    case("fever for 48 hours", fever_days=2),
    case("high temperature since yesterday", fever=True, fever_days=1),
    case("my fever started two days ago", fever=True, fever_days=2),
    case("had a fever since monday", fever=True, fever_days=SINCE_MONDAY, absent=["duration_days"]),
    case("I've had a cough for 5 days", respiratory_symptoms=True, duration_days=5,
         absent=["fever_days"]),
    case("I've had a cough for 5 days and a fever since yesterday",
         respiratory_symptoms=True, duration_days=5, fever=True, fever_days=1),
    case("fever and cough for 3 days", fever=True, respiratory_symptoms=True, fever_days=3,
         absent=["duration_days"]),
    case("fevr and coff for 2 days", fever=True, respiratory_symptoms=True, fever_days=2),

    # --- ages (self, third person, months, weeks)
    case("I'm 70 with diabetes, temp 38.5", age=70, chronic_condition=True, temperature_c=38.5),
    case("I am 34 years old", age=34, absent=["number"]),
    case("aged 67, no fever", age=67, fever=False),
    case("my 3 year old son has a fever", age=3, fever=True),
    case("my dad is 80 and confused", age=80, confusion=True),
    case("70 yo man with a cough", age=70, respiratory_symptoms=True),
    case("my baby is 6 weeks old and feverish", age=round(6 / 52, 2), fever=True),
    case("newborn with a temperature of 38", age=0.0, temperature_c=38.0),
    case("I'm 40 and my 3 year old has a fever", age=3, fever=True),  # the patient, not the parent
    case("I am 3 days into this fever", fever=True, fever_days=3, absent=["age"]),

    # --- danger signs, stated, in passing, and negated
    case("I can't breathe", breathing_difficulty=True),
    case("he's struggling to breathe and gasping", breathing_difficulty=True),
    case("I'm short of breath even at rest", breathing_difficulty=True),
    case("breathless while talking", breathing_difficulty=True),
    case("I get short of breath when I climb stairs", respiratory_symptoms=True,
         absent=["breathing_difficulty"]),
    case("having trouble brething", breathing_difficulty=True),
    case("oxygen 91%", breathing_difficulty=True, absent=["number"]),
    case("my spo2 is 92 and temp 38", breathing_difficulty=True, temperature_c=38.0),
    case("o2 sat 97%", absent=["breathing_difficulty", "number"]),
    case("his breathing rate is 32", breathing_difficulty=True),
    case("I can breathe fine", breathing_difficulty=False),
    case("breathing is fine but I have a cough", breathing_difficulty=False, respiratory_symptoms=True),
    case("I can't breathe through my nose", respiratory_symptoms=True, absent=["breathing_difficulty"]),
    case("my chest feels tight", chest_pain=True),
    case("I have chest pain but no fever", chest_pain=True, fever=False),
    case("no chest pain", chest_pain=False),
    case("no fever and chest pain", fever=False, chest_pain=True),  # "and" never clears a danger sign
    case("no fever, chest pain or cough", fever=False, chest_pain=False, respiratory_symptoms=False),
    case("she had a seizure this morning", confusion=True),
    case("can't wake him up", confusion=True),
    case("my son is very drowsy", confusion=True),
    case("I feel very drowsy", absent=["confusion"]),  # drowsy counts for a child only
    case("he's not confused", confusion=False),
    case("I'm confused about the form", absent=["confusion"]),
    case("lips look bluish lol, probably the cold", cyanosis=True),
    case("no worries, my lips are blue", cyanosis=True),
    case("I'm not sure if my lips are blue", cyanosis=True),  # an unsure danger sign still counts
    case("my lips are not blue", cyanosis=False),
    case("her face is grey", cyanosis=True),

    # --- fever and respiratory symptoms
    case("I don't have a fever", fever=False),
    case("fever? no", fever=False),
    case("cough: yes, fever: no", respiratory_symptoms=True, fever=False),
    case("caugh and feaver since yesterday", fever=True, respiratory_symptoms=True, fever_days=1),
    case("I have a sore throat and a runny nose", respiratory_symptoms=True),
    case("I lost my sense of smell", respiratory_symptoms=True),
    case("I don't have a cough", respiratory_symptoms=False),
    case("no fever, cough or sore throat", fever=False, respiratory_symptoms=False),
    case("not sure if I have a fever", absent=["fever"]),
    case("it's just hay fever", absent=["fever"]),
    case("Should I go to the fever clinic?", absent=["fever"]),

    # --- resolved
    case("my fever is gone", fever=True, symptoms_resolved=True),
    case("I'm better now, no more symptoms", symptoms_resolved=True),
    case("I've recovered", symptoms_resolved=True),
    case("I don't have a fever anymore", fever=True, symptoms_resolved=True),
    case("symptoms haven't gone away", symptoms_resolved=False),
    case("my fever went away but I still have a cough", fever=True, respiratory_symptoms=True,
         absent=["symptoms_resolved"]),
    case("I still have a cough but the fever is gone", fever=True, respiratory_symptoms=True,
         absent=["symptoms_resolved"]),
    case("I had a fever last week but it's gone now", fever=True, symptoms_resolved=True),
    case("I had a cough, now I'm better", respiratory_symptoms=True, symptoms_resolved=True),
    case("my fever is gone but I'm still sick", fever=True, symptoms_resolved=False),
    case("I haven't recovered yet", symptoms_resolved=False),

    # --- exposures
    case("close contact of a confirmed case", contact_confirmed_case=True),
    case("my roommate has covid-19", contact_confirmed_case=True, absent=["number"]),
    case("one of my coworkers tested positive", contact_confirmed_case=True, absent=["number"]),
    case("I haven't been in contact with anyone who tested positive", contact_confirmed_case=False),
    case("nobody I know has tested positive", contact_confirmed_case=False),
    case("I tested positive", absent=["contact_confirmed_case"]),
    case("I live in Wuhan", travel_high_risk_area=True),
    case("came back from Hubei last week", travel_high_risk_area=True),
    case("I haven't travelled anywhere", travel_high_risk_area=False),
    case("no recent travel", travel_high_risk_area=False),
    case("I traveled to Paris", absent=["travel_high_risk_area"]),
    case("my whole family is sick", cluster_exposure=True),
    case("two of my colleagues have a fever", cluster_exposure=True, absent=["fever", "number"]),
    case("everyone in my office has a cough", cluster_exposure=True, absent=["respiratory_symptoms"]),
    case("nobody around me is sick", cluster_exposure=False),
    case("I don't have a fever and nobody around me is sick", fever=False, cluster_exposure=False),
    case("I'm a nurse", healthcare_worker=True),
    case("I work in a hospital", healthcare_worker=True),
    case("I'm a paramedic", healthcare_worker=True),
    case("I'm not a healthcare worker", healthcare_worker=False),
    case("my doctor said it's fine", absent=["healthcare_worker"]),
    case("I'm hospital staff", healthcare_worker=True),
    case("I'm a care assistant in a nursing home", healthcare_worker=True),
    # asking for staff is not being staff
    case("connect me with hospital staff please", absent=["healthcare_worker"]),
    case("can I talk to the medical staff", absent=["healthcare_worker"]),
    case("is the fever clinic working tonight", absent=["healthcare_worker"]),
    case("my hospital job", healthcare_worker=True),

    # --- risk factors
    case("I'm 20 weeks pregnant", pregnant=True, absent=["age", "number", "duration_days"]),
    case("I'm pregnent and have diabetis", pregnant=True, chronic_condition=True),
    case("not pregnant", pregnant=False),
    case("I have asthma and high blood pressure", chronic_condition=True),
    case("I have type 2 diabetes", chronic_condition=True, absent=["number"]),
    case("I'm obese", chronic_condition=True),
    case("no underlying conditions", chronic_condition=False),
    case("I had a kidney transplant and take immunosuppressants", immunocompromised=True),
    case("I'm on chemo for breast cancer", immunocompromised=True, chronic_condition=True),
    case("I've been on long-term steroids", immunocompromised=True),
    case("I'm not immunocompromised", immunocompromised=False),

    # --- questions about a finding state nothing; a question about one's own state still does
    case("what do you mean by confusion", absent=ALL_KEYS),
    case("what counts as trouble breathing?", absent=ALL_KEYS),
    case("is chest pain a symptom of covid?", absent=ALL_KEYS),
    case("what does community spread mean?", absent=ALL_KEYS),
    case("what is cyanosis", absent=ALL_KEYS),
    case("define close contact", absent=ALL_KEYS),
    case("does a cough count?", absent=ALL_KEYS),
    case("what are the danger signs?", absent=ALL_KEYS),
    case("what's cyanosis?", absent=ALL_KEYS),
    case("so what counts as a fever", absent=ALL_KEYS),
    case("I was asking about chest pain", absent=ALL_KEYS),
    case("is it bad that my lips are blue?", cyanosis=True),
    case("I can't breathe, what should I do?", breathing_difficulty=True),
    case("my chest hurts, is that covid?", chest_pain=True),
    case("is it bad that he's confused?", confusion=True),
    case("what do you mean by confusion? he is confused", confusion=True),
    case("can't breathe?", breathing_difficulty=True),  # a negated "can" opens no question
    case("no he's not having trouble breathing, I was asking what counts as trouble breathing",
         breathing_difficulty=False),

    # --- danger signs in everyday words
    case("his lips are going a bit blue now", cyanosis=True),
    case("lips turning blue", cyanosis=True),
    case("her lips have gone blue", cyanosis=True, absent=["symptoms_resolved"]),
    case("he looks really pale and grey", cyanosis=True),
    case("she's gone grey", cyanosis=True, absent=["symptoms_resolved"]),
    case("my hair is going grey", absent=["cyanosis"]),
    case("she's a bit muddled and doesn't know what day it is", confusion=True),
    case("he doesn't know where he is", confusion=True),
    case("I don't know where he is", absent=["confusion"]),
    case("he's not making sense", confusion=True),
    case("she doesn't recognise me", confusion=True),
    case("he doesn't recognise us anymore", confusion=True, absent=["symptoms_resolved"]),
    case("she is very drowsy and floppy", confusion=True),
    case("I'm so dizzy and out of it I can barely stay awake", confusion=True),
    case("my chest has been killing me for 2 days", chest_pain=True, absent=["fever_days"]),
    case("my oxygen reading is 92%", breathing_difficulty=True, absent=["number", "temperature_c"]),
    case("my o2 reads 89", breathing_difficulty=True, absent=["number"]),
    case("my baby's ribs suck in when she breathes", breathing_difficulty=True),
    case("ribs pulling in when he breathes", breathing_difficulty=True),
    case("I can't talk in full sentences without stopping for breath", breathing_difficulty=True),
    case("can't say a full sentence without stopping", breathing_difficulty=True),
    case("I can't finish a sentence", breathing_difficulty=True),
    case("I can talk in full sentences", breathing_difficulty=False),
    case("I can't breathe anymore", breathing_difficulty=True, absent=["symptoms_resolved"]),

    # --- denials in everyday words (a danger sign stated anywhere still wins)
    case("lips are normal", cyanosis=False),
    case("her lips are fine, normal colour", cyanosis=False),
    case("breathing is normal", breathing_difficulty=False),
    case("she's alert", confusion=False),
    case("he's with it", confusion=False),
    case("he's not with it", confusion=True),
    case("she's confused but alert", confusion=True),
    case("lips are blue, she's alert", cyanosis=True, confusion=False),
    case("I got an alert on my phone", absent=["confusion"]),
    case("I have a cough with it", respiratory_symptoms=True, absent=["confusion"]),

    # --- other people's findings
    case("my sister had a fever last week, I'm ok", absent=["fever", "cluster_exposure"]),
    case("my sister had a fever of 39 for 3 days, I'm fine",
         absent=["fever", "temperature_c", "fever_days", "duration_days"]),
    case("my colleague has a cough and I'm fine", absent=["respiratory_symptoms"]),
    case("I'm not ok, my sister had a fever", fever=True),
    case("my sister and the neighbour had fever", cluster_exposure=True, absent=["fever"]),
    case("yes like I said my sister and the neighbour had fever", cluster_exposure=True,
         absent=["fever"]),
    case("my sister and I had fever", fever=True, absent=["cluster_exposure"]),
    case("my daughter has a fever", fever=True, absent=["cluster_exposure"]),
    case("my daughter has a fever, I'm fine", fever=True),  # a child is taken to be the patient
    case("my coworker tested positive and has a fever", contact_confirmed_case=True,
         absent=["fever"]),

    # --- breathing rates are not temperatures
    case("he's breathing really fast, like 35 a minute", breathing_difficulty=True,
         absent=["temperature_c", "number"]),
    case("35 breaths per minute", breathing_difficulty=True, absent=["temperature_c", "number"]),
    case("breathing rate 32", breathing_difficulty=True, absent=["temperature_c", "number"]),
    case("he's breathing 40 times a minute", breathing_difficulty=True, absent=["number"]),
    case("breathing 20 a minute", absent=["breathing_difficulty", "number", "temperature_c"]),
    case("his heart rate is 120 a minute", absent=["breathing_difficulty"]),

    # --- short answers about resolution
    case("they've gone", symptoms_resolved=True, absent=only("symptoms_resolved")),
    case("all gone now", symptoms_resolved=True, absent=only("symptoms_resolved")),
    case("gone now", symptoms_resolved=True, absent=only("symptoms_resolved")),
    case("they went away", symptoms_resolved=True, absent=only("symptoms_resolved")),
    case("still have it", symptoms_resolved=False, absent=only("symptoms_resolved")),
    case("not gone yet", symptoms_resolved=False, absent=only("symptoms_resolved")),
    case("still there", symptoms_resolved=False, absent=only("symptoms_resolved")),
    case("no it hasn't gone", symptoms_resolved=False),
    case("no they haven't gone away", symptoms_resolved=False),
    case("yes, they have gone away", symptoms_resolved=True),
    case("they have gone to bed", absent=["symptoms_resolved"]),

    # --- QA round: "still" means not gone, whatever yes/no comes before it (safety)
    *[case(text, symptoms_resolved=False) for text in [
        "no still there", "no still have it", "No still unwell", "no still sick",
        "no it's still there", "no i still have it", "yes, still hot", "yes still a bit warm",
        "yeah still coughing", "still hot", "still a bit warm", "no, still have a cough",
        "I still have a cough"]],
    case("yeah still coughing", respiratory_symptoms=True, symptoms_resolved=False),
    case("no fever. still coughing", fever=False, respiratory_symptoms=True, symptoms_resolved=False),

    # --- QA round: "more than N days" has lasted N+1 days (safety: R-F3 is "more than 3 days")
    case("fever 39 for more than 3 days", fever=True, temperature_c=39.0, fever_days=4,
         absent=["duration_days", "number"]),
    case("fever for over a week", fever=True, fever_days=8),
    case("temperature of 38 for more than 2 days", temperature_c=38.0, fever_days=3),
    case("fever for less than a day", fever=True, fever_days=0),
    case("fever for about 3 days", fever=True, fever_days=3),

    # --- QA round: readings that are not temperatures, ages or durations (safety)
    case("my oxygen is 97%", oxygen_saturation=97.0, absent=["breathing_difficulty", *NOT_ANSWERS]),
    case("my oxygen is 93%", oxygen_saturation=93.0, breathing_difficulty=True, absent=NOT_ANSWERS),
    case("sats 95", oxygen_saturation=95.0, absent=["breathing_difficulty", *NOT_ANSWERS]),
    case("pulse ox 97", oxygen_saturation=97.0, absent=["heart_rate", *NOT_ANSWERS]),
    case("his pulse is 100", heart_rate=100.0, absent=["breathing_difficulty", *NOT_ANSWERS]),
    case("heart rate 100", heart_rate=100.0, absent=["breathing_difficulty", *NOT_ANSWERS]),
    case("110 bpm", heart_rate=110.0, absent=NOT_ANSWERS),
    case("pulse 100 times a minute", heart_rate=100.0, absent=["breathing_rate", *NOT_ANSWERS]),
    case("35 times a minute", breathing_rate=35.0, breathing_difficulty=True, absent=NOT_ANSWERS),
    case("breathing 35 a minute", breathing_rate=35.0, breathing_difficulty=True, absent=NOT_ANSWERS),
    case("temp 38.5, heart rate 110, oxygen 94", temperature_c=38.5, heart_rate=110.0,
         oxygen_saturation=94.0, absent=["number", "breathing_difficulty"]),

    # --- QA round: "N days ago" about another event is not how long the fever has lasted (safety)
    case("I saw my friend 5 days ago and today I have a fever of 38.5", fever=True,
         temperature_c=38.5, absent=["fever_days", "duration_days", "number"]),
    case("had my vaccine 4 days ago, temp 38.2 today", temperature_c=38.2,
         absent=["fever_days", "duration_days", "number"]),
    case("flew back 5 days ago, fever 100.4", fever=True, temperature_c=38.0,
         absent=["fever_days", "duration_days", "number"]),
    case("fever started 2 days ago", fever=True, fever_days=2),
    case("I've had a fever for 3 days", fever=True, fever_days=3),
    case("feverish since 2 days ago", fever=True, fever_days=2),
    case("2 days ago my fever started", fever=True, fever_days=2),

    # --- QA round: facts given in passing
    case("has a temp", fever=True),
    case("with a temperature", fever=True),
    case("running a temperature", fever=True),
    case("no temp", fever=False),
    case("no temperature that I know of", fever=False),
    case("temperature is normal", fever=False),
    case("no symptoms at all", fever=False, respiratory_symptoms=False),
    case("I have no symptoms", fever=False, respiratory_symptoms=False),
    case("I feel fine", absent=ALL_KEYS),
    case("my sister has no symptoms", absent=["fever", "respiratory_symptoms"]),
    case("no more symptoms", symptoms_resolved=True, absent=["fever", "respiratory_symptoms"]),
    case("hasn't got a thermometer", temperature_c="unknown", absent=["fever"]),
    case("didn't take her temperature", temperature_c="unknown", absent=["fever"]),
    case("no thermometer", temperature_c="unknown", absent=["fever"]),
    case("no thermometer but she feels hot", temperature_c="unknown", fever=True),
    case("my temp was 38 but no thermometer now", temperature_c=38.0),

    # --- QA round: weekdays
    case("since tuesday I've had a fever", fever=True, fever_days=SINCE_TUESDAY),
    case("fever since tuesday", fever=True, fever_days=SINCE_TUESDAY),

    # --- QA round: button titles typed out
    case("Sick people around me", cluster_exposure=True),
    case("Contact with a confirmed case", contact_confirmed_case=True),
    case("Travel to an affected area", travel_high_risk_area=True),
    case("Long-term condition", chronic_condition=True),
    case("Weak immune system", immunocompromised=True),
    case("Bluish lips or face", cyanosis=True),
    case("Confusion or hard to wake", confusion=True),

    # --- one message, many facts
    case("My partner tested positive on Tuesday and I now have a temperature of 38.1",
         contact_confirmed_case=True, fever=True, temperature_c=38.1),
    case("my son is 5, he has a fever of 39 and a bad cough for 2 days",
         age=5, fever=True, temperature_c=39.0, respiratory_symptoms=True),
]


@pytest.mark.parametrize("text, expected, absent", CASES)
def test_extract_facts(text, expected, absent):
    facts = extract_facts(text)
    for key, value in expected.items():
        assert key in facts, f"{key} missing from {facts}"
        if isinstance(value, float):
            assert facts[key] == pytest.approx(value, abs=1e-6), facts
        else:
            assert facts[key] == value, facts
    for key in absent:
        assert key not in facts, facts


def test_greeting_yields_nothing():
    assert extract_facts("hi") == {}


def test_request_for_help_states_no_fact():
    facts = extract_facts("can you check my symptoms?")
    assert not set(facts) & set(FACT_NAMES)


def test_fact_names_follow_the_protocol():
    assert len(FACT_NAMES) == 17
    assert FACT_NAMES[0] == "breathing_difficulty" and FACT_NAMES[-1] == "immunocompromised"


def test_values_have_the_documented_types():
    facts = extract_facts("I'm 45, fever of 38.5 for 3 days, cough for 2 days, and 7")
    assert isinstance(facts["age"], float)
    assert isinstance(facts["temperature_c"], float)
    assert isinstance(facts["fever_days"], int) and isinstance(facts["duration_days"], int)
    assert facts["fever"] is True and facts["number"] == 7


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_and_returns_known_keys(text):
    assert set(extract_facts(text)) <= set(OUTPUT_KEYS)


DANGER = ["my lips look bluish", "I can't breathe", "I have chest pain", "he is confused"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DANGER),
       st.sampled_from(["", "no worries, ", "lol ", "I'm fine really. ", "what counts as an emergency? "]),
       st.sampled_from(["", ", probably nothing", " but it's fine", ", not worried", ". no fever",
                        ", what should I do?", ", is that bad?"]))
def test_reassurance_never_clears_a_danger_sign(sign, before, after):
    facts = extract_facts(before + sign + after)
    assert True in {facts.get(k) for k in ("cyanosis", "breathing_difficulty", "chest_pain", "confusion")}
