"""The people the load generator plays: complete triage conversations as the public has
them, each a first contact (privacy notice and consent), free-text openers and answers, and
button presses, ending at a known route.

A step is ("say", text) or ("press", button title). A press sends the payload of the
button with that title in the last replies; when there is no such button (the baseline,
`rasa init`'s assistant, has none), the title is sent as text, as a person would type it.
"""

from __future__ import annotations

SAY, PRESS = "say", "press"

PEOPLE: list[dict] = [
    {"name": "fever and a positive coworker", "route": "fever_clinic", "steps": [
        (SAY, "I've had a fever of 101F for 3 days and my coworker just tested positive"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
    ]},
    {"name": "baby breathing fast", "route": "emergency", "steps": [
        (SAY, "hi"),
        (SAY, "my 8 month old is breathing really fast"),
    ]},
    {"name": "fever, no risk", "route": "online_specialist", "steps": [
        (SAY, "hello"),
        (PRESS, "Check my symptoms"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
        (PRESS, "Yes"),
        (SAY, "38.2"),
        (SAY, "2 days"),
        (PRESS, "No, still unwell"),
        (SAY, "34"),
        (PRESS, "None of these"),
        (PRESS, "No"),
        (PRESS, "None of these"),
    ]},
    {"name": "back from a risk area, feels fine", "route": "online_specialist", "steps": [
        (SAY, "I feel fine, I just came back from an area with lots of cases"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
        (SAY, "no"),
        (SAY, "no"),
    ]},
    {"name": "no symptoms, worried", "route": "self_care", "steps": [
        (SAY, "can you check my symptoms?"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
        (PRESS, "No"),
        (PRESS, "No"),
        (PRESS, "None of these"),
        (SAY, "thanks"),
    ]},
    {"name": "long high fever", "route": "fever_clinic", "steps": [
        (SAY, "I have had a temperature of 38.6 for 5 days"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
        (PRESS, "No, still unwell"),
    ]},
    {"name": "question first, then a check", "route": "online_specialist", "steps": [
        (SAY, "how long is the incubation period?"),
        (SAY, "ok, I have a cough and I'm diabetic, can you check me"),
        (PRESS, "I agree"),
        (PRESS, "None of these"),
        (PRESS, "No"),
        (PRESS, "No, still unwell"),
        (SAY, "56"),
        (PRESS, "None of these"),
        (PRESS, "No"),
    ]},
]

# Every turn of every person, for a quick count in reports.
TURNS_PER_ROUND = sum(len(person["steps"]) for person in PEOPLE)
