"""Worked example of adding an intent (docs/training.md): "is the fever clinic open at night?",
answered from the hospital directory (hospital.yml)."""


def test_the_fever_clinics_are_listed_with_their_hours(chat):
    chat.say("is the fever clinic open at night?")
    assert "Example City Hospital Fever Clinic" in chat.text
    assert "open 24 hours" in chat.text
    # the always-open clinic comes first whatever the time
    assert chat.text.index("Example City Hospital Fever Clinic") < chat.text.index("Chaoyang")


def test_a_district_named_lists_only_its_clinics(chat):
    chat.say("is there a fever clinic in haidian district?")
    assert "Fever clinics in Haidian" in chat.text
    assert "Haidian Community Fever Clinic" in chat.text
    assert "Chaoyang Branch" not in chat.text


def test_asking_during_the_triage_answers_and_goes_on_with_the_check(chat):
    chat.say("I have a fever")
    question = chat.asked
    assert question
    chat.say("can I go to the fever clinic at 2am?")
    assert "open 24 hours" in chat.text
    assert chat.asked == question  # the same question again, nothing taken as an answer
