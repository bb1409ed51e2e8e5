"""The language guard's script test (the components themselves run in the conversation tests)."""

import pytest

from bot.nlu.components import latin_words, non_latin_share


@pytest.mark.parametrize("text, foreign", [
    ("I have a fever", False), ("38度5", False), ("38.5", False), ("😷", False),
    ("我发烧了", True), ("У меня температура", True), ("عندي حمى", True), ("熱があります", True),
    ("我 have fever", False),
])
def test_non_latin_share(text, foreign):
    assert (non_latin_share(text) >= 0.5) is foreign


def test_latin_words_lowercases_and_ignores_digits():
    assert latin_words("Fever 38.5, COUGH!") == {"fever", "cough"}
