"""Worked example of adding an intent (docs/training.md): "is the fever clinic open at night?"."""


def test_the_fever_clinic_hours_are_given(chat):
    chat.say("is the fever clinic open at night?")
    assert "24 hours a day" in chat.text
    assert "120" in chat.text  # the deployment's emergency number, for the worst case


def test_asking_during_the_triage_answers_and_goes_on_with_the_check(chat):
    chat.say("I have a fever")
    question = chat.asked
    assert question
    chat.say("can I go to the fever clinic at 2am?")
    assert "24 hours a day" in chat.text
    assert chat.asked == question  # the same question again, nothing taken as an answer
