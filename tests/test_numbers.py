"""Number, temperature, duration and age parsing (bot/nlu/numbers.py)."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from bot.nlu.numbers import parse_age_years, parse_duration_days, parse_number, parse_temperature


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("3.5", 3.5), ("38,5", 38.5), ("three", 3), ("twenty one", 21), ("twenty-one", 21),
    ("thirty eight point five", 38.5), ("thirty-eight point five", 38.5), ("38 point 5", 38.5),
    ("a hundred and one", 101), ("one hundred and five", 105), ("ninety nine", 99),
    ("seventy", 70), ("zero", 0), ("three and a half", 3.5), ("38度5", 38.5),
    ("it was 38.9 last night", 38.9), ("about 2 or 3", 2), ("Fever of Forty", 40),
])
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "a", "an", "a week", "no one", "one of them", "hi there"])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text, expected", [
    ("38.5C", 38.5), ("38.5 °C", 38.5), ("38.5°c", 38.5), ("38.5℃", 38.5), ("38.5 celsius", 38.5),
    ("39 degrees c", 39), ("101 F", 38.333333), ("101°F", 38.333333), ("101F", 38.333333),
    ("101 degrees fahrenheit", 38.333333), ("102.2 farenheit", 39.0), ("38度5", 38.5), ("38度", 38.0),
    ("thirty eight point five", 38.5), ("a hundred and one", 38.333333), ("38,5", 38.5),
    ("38.5", 38.5), ("37", 37), ("34", 34), ("42.5", 42.5), ("93", 33.888889), ("108", 42.222222),
    ("98.6", 37.0), ("101 degrees", 38.333333),
    ("for 3 days, then 101F", 38.333333),  # an explicit unit wins over an earlier bare number
])
def test_parse_temperature(text, expected):
    assert parse_temperature(text) == pytest.approx(expected, abs=1e-5)


def test_temperature_is_unrounded_around_the_fever_threshold():
    # 37.3 C is the fever threshold: 99.1 F is just under it, 99.2 F just over.
    assert parse_temperature("99.1F") == pytest.approx(37.2777778)
    assert parse_temperature("99.1F") < 37.3 < parse_temperature("99.2F")
    assert parse_temperature("99.2") == pytest.approx(37.3333333)


@pytest.mark.parametrize("text", [
    "33", "43", "42.6", "109", "92", "abc", "", "50 C", "38 F", "200 degrees fahrenheit", "7",
])
def test_parse_temperature_rejects(text):
    assert parse_temperature(text) is None


@pytest.mark.parametrize("text, expected", [
    ("3 days", 3), ("for three days", 3), ("a week", 7), ("2 weeks", 14), ("since yesterday", 1),
    ("two days ago", 2), ("since this morning", 0), ("today", 0), ("48 hours", 2), ("3", 3),
    ("3-day", 3), ("a couple of days", 2), ("a fortnight", 14), ("since the day before yesterday", 2),
    ("since last night", 1), ("about 5 days", 5), ("12 hours", 0), ("80 hours", 4), ("1 day", 1),
    ("for the past four days", 4), ("10 days", 10),
    # strictly more than N days has lasted N+1 (R-F3 asks for "more than 3 days")
    ("More than 3 days", 4), ("over 3 days", 4), ("longer than 3 days", 4),
    ("more than three days", 4), ("for more than a week", 8), ("over the past 3 days", 3),
    ("less than a day", 0), ("under a day", 0), ("less than 3 days", 2), ("about 3 days", 3),
])
def test_parse_duration_days(text, expected):
    assert parse_duration_days(text) == expected


FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize("text, expected", [
    ("since monday", 4), ("since Monday", 4), ("since thursday", 1), ("since friday", 7),
    ("since saturday", 6), ("since last tuesday", 3), ("wednesday", 2),
])
def test_parse_duration_days_weekdays(text, expected):
    assert FRIDAY.weekday() == 4
    assert parse_duration_days(text, today=FRIDAY) == expected


def test_weekdays_default_to_today():
    expected = (date.today().weekday() - 0 - 1) % 7 + 1
    assert parse_duration_days("since monday") == expected
    assert parse_duration_days("since yesterday") == 1


@pytest.mark.parametrize("text", ["a few days", "abc", "", "for ages", "1000"])
def test_parse_duration_days_rejects(text):
    assert parse_duration_days(text) is None


@pytest.mark.parametrize("text, expected", [
    ("45", 45), ("I'm 45", 45), ("45 years old", 45), ("8 months", 0.67), ("8 month old", 0.67),
    ("6 weeks old", round(6 / 52, 2)), ("18 months", 1.5), ("newborn", 0.0), ("new born", 0.0),
    ("a 2-year-old", 2), ("70yo", 70), ("70 y/o", 70), ("a year old", 1), ("0", 0), ("120", 120),
    ("seventy two", 72), ("I am 20 weeks pregnant and 30", 30), ("10 days old", 0.03),
])
def test_parse_age_years(text, expected):
    assert parse_age_years(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["121", "150", "abc", "", "20 weeks pregnant"])
def test_parse_age_years_rejects(text):
    assert parse_age_years(text) is None


@given(st.text(max_size=40))
def test_parsers_never_crash(text):
    for parse in (parse_number, parse_temperature, parse_duration_days, parse_age_years):
        parse(text)


@given(st.floats(min_value=0, max_value=200, allow_nan=False).map(lambda f: round(f, 1)))
def test_bare_temperature_ranges(value):
    celsius = parse_temperature(str(value))
    if 34 <= value <= 42.5:
        assert celsius == pytest.approx(value)
    elif 93 <= value <= 108:
        assert celsius == pytest.approx((value - 32) * 5 / 9)
    else:
        assert celsius is None
