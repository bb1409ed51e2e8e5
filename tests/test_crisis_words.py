"""The crisis safety net (bot/nlu/crisis.py): words of self-harm or suicide are caught
whatever the model thinks; health worries and grief are not a crisis."""

import pytest

from bot.nlu.crisis import mentions_crisis


@pytest.mark.parametrize("text", [
    "I want to kill myself",
    "i keep thinking about suicide",
    "I feel suicidal tonight",
    "I just want to end it all",
    "thinking about ending my life",
    "I don't want to live anymore",
    "dont want to wake up tomorrow",
    "everyone would be better off dead without me, me included",
    "I've been cutting myself again",
    "I want to hurt myself",
    "self-harm",
    "I'm going to take an overdose",
    "there's no point in living",
    "I wish I was dead",
    "I wanna die",
    "我不想活了",
    "我想自杀",
    "I have a fever and I want to die",
    "I've been saving up my pills",
    "enough tablets to end it",
    "I've been thinking about taking my own life",
    "I want to hang myself",
    "I'm going to jump off a bridge",
    "thinking of jumping off the building",
    "everyone would be better off without me",
    "I'm going to take all my pills tonight",
    "I can't see the point of living anymore",
    "what's the point in living",
    "我想跳楼",
])
def test_crisis_words_are_caught(text):
    assert mentions_crisis(text)


@pytest.mark.parametrize("text", [
    "am I going to die of this virus?",
    "my grandfather died last week and I can't stop crying",
    "I'm so anxious I can't sleep",
    "I have a fever of 38.5",
    "does the virus kill people with asthma?",
    "I'm dying to know when the clinic opens",
    "how many deaths in Beijing",
    "I cut my finger",
    "can I take my blood pressure tablets with paracetamol?",
    "let's end it here, thanks",
    "my hands hang by my side, I'm so tired",
    "I take all my pills with breakfast",
    "can I jump in the pool with a cold",
    "the point of washing hands is to remove the virus",
    "we'd be better off without the lockdown",
])
def test_worries_grief_and_questions_are_not_a_crisis(text):
    assert not mentions_crisis(text)
