"""Number, temperature, duration and age parsing for the triage bot.

Pure Python (no spaCy, no Rasa). Every parser works on a list of lower-case word
tokens, so facts.py can hand it the text of a spaCy span and get the same answer.
The unit tables here are also used by facts.py to build its token patterns.
"""
from __future__ import annotations

import datetime
import math
import re

SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "ninty": 90,
}
NUMBER_WORDS = frozenset(SMALL) | frozenset(TENS) | {"hundred"}

# "one" is often a pronoun ("no one", "one of my colleagues"): not a number there.
_ONE_PRONOUN_BEFORE = {"no", "any", "every", "some", "the", "this", "that", "which", "each", "other", "little"}
_ONE_PRONOUN_AFTER = {"of", "else", "another", "who", "which"}

CELSIUS = frozenset({"c", "°c", "celsius", "celcius", "centigrade", "℃"})
FAHRENHEIT = frozenset({"f", "°f", "fahrenheit", "farenheit", "fahrenheight", "farenheit", "℉"})
DEGREE_WORDS = frozenset({"°", "degree", "degrees", "deg", "degs", "º"})
CELSIUS_RANGE = (34.0, 42.5)      # protocol: a bare 34..42.5 is Celsius
FAHRENHEIT_RANGE = (93.0, 108.0)  # protocol: a bare 93..108 is Fahrenheit

DAY_UNITS = {  # unit word -> days
    "day": 1, "days": 1, "d": 1, "night": 1, "nights": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14, "fortnights": 14,
    "month": 30, "months": 30, "mo": 30, "mos": 30, "mth": 30, "mths": 30,
    "year": 365, "years": 365, "yr": 365, "yrs": 365,
    "hour": 1 / 24, "hours": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "h": 1 / 24,
}
RELATIVE_DAYS = {  # how many days ago a named moment is
    "day before yesterday": 2, "yesterday": 1, "last night": 1, "last evening": 1,
    "this morning": 0, "this afternoon": 0, "this evening": 0, "today": 0, "tonight": 0,
}
MAX_DAYS = 730
WEEKDAYS = {  # weekday word -> datetime.date.weekday() (short forms that are other words left out)
    "monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "weds": 2, "thursday": 3, "thurs": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
# "more than 3 days" has lasted strictly longer: day 4; "less than 3 days": day 2.
MORE_THAN = (("more", "than"), ("longer", "than"), ("over",), ("above",))
LESS_THAN = (("less", "than"), ("fewer", "than"), ("under",), ("shorter", "than"), ("below",))

AGE_UNITS = {  # unit word -> years
    "year": 1, "years": 1, "yr": 1, "yrs": 1, "y": 1, "yo": 1,
    "month": 1 / 12, "months": 1 / 12, "mo": 1 / 12, "mos": 1 / 12, "mth": 1 / 12, "mths": 1 / 12, "m": 1 / 12,
    "week": 1 / 52, "weeks": 1 / 52, "wk": 1 / 52, "wks": 1 / 52,
    "day": 1 / 365, "days": 1 / 365,
}
NEWBORN_WORDS = frozenset({"newborn", "neonate"})
MAX_AGE = 120

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:度\d*)?|[^\W\d_]+|\S")
_DIGITS = re.compile(r"^(\d+)(?:[.,](\d+))?$")
_DU = re.compile(r"^(\d+)度(\d*)$")  # "38度5" = 38.5, "38度" = 38


def words_of(text: str) -> list[str]:
    """Lower-case word tokens: digits, letters and single symbols ("38.5c" -> 38.5, c)."""
    return _TOKEN.findall(text.lower())


# ---------------------------------------------------------------- numbers

def scan_numbers(words: list[str]) -> list[tuple[int, int, float]]:
    """Every number in a token list as (start, end, value), longest reading first."""
    found, i = [], 0
    while i < len(words):
        got = _read_number(words, i)
        if got and not _is_pronoun_one(words, i, got[1]):
            found.append((i, got[1], got[0]))
            i = got[1]
        else:
            i += 1
    return found


def _is_pronoun_one(words, start, end) -> bool:
    if words[start:end] != ["one"]:
        return False
    before = words[start - 1] if start else ""
    after = words[end] if end < len(words) else ""
    return before in _ONE_PRONOUN_BEFORE or after in _ONE_PRONOUN_AFTER


def _read_number(w, i):
    """(value, next index) for a number starting at w[i], else None."""
    got = _read_integer(w, i)
    if got is None:
        return None
    value, j = got
    # "thirty eight point five", "38 point 5": decimals spoken digit by digit
    if j < len(w) and w[j] == "point" and float(value).is_integer():
        digits, k = "", j + 1
        while k < len(w) and (w[k].isdigit() or SMALL.get(w[k], 10) < 10):
            digits += w[k] if w[k].isdigit() else str(SMALL[w[k]])
            k += 1
        if digits:
            value, j = float(f"{int(value)}.{digits}"), k
    if w[j:j + 3] == ["and", "a", "half"]:
        value, j = value + 0.5, j + 3
    return float(value), j


def _read_integer(w, i):
    m = _DIGITS.match(w[i])
    if m:
        return float(f"{m.group(1)}.{m.group(2) or 0}"), i + 1  # "38,5" is 38.5
    m = _DU.match(w[i])
    if m:
        return float(f"{m.group(1)}.{m.group(2) or 0}"), i + 1
    return _read_words(w, i)


def _below_100(w, i):
    """'seven', 'twenty', 'twenty one', 'twenty-one' -> (value, next index)."""
    if i < len(w) and w[i] in TENS:
        value, i = TENS[w[i]], i + 1
        k = i + 1 if i < len(w) and w[i] == "-" else i
        if k < len(w) and 0 < SMALL.get(w[k], 0) < 10:
            return value + SMALL[w[k]], k + 1
        return value, i
    if i < len(w) and w[i] in SMALL:
        return SMALL[w[i]], i + 1
    return None


def _read_words(w, i):
    """Spoken integers below a thousand: 'a hundred and one', 'thirty eight'."""
    if w[i] in ("a", "an") and w[i + 1:i + 2] == ["hundred"]:
        head, j = 1, i + 1  # "a" counts only as "a hundred"
    else:
        got = _below_100(w, i)
        if got is None:
            return None
        head, j = got
        if w[j:j + 1] != ["hundred"]:
            return head, j
    j += 1  # past "hundred"
    k = j + 1 if w[j:j + 1] == ["and"] else j
    rest = _below_100(w, k)
    return (head * 100 + rest[0], rest[1]) if rest else (head * 100, j)


def parse_number(text: str) -> float | None:
    """The first number in the text, digits or words ("38,5", "twenty one")."""
    found = scan_numbers(words_of(text))
    return found[0][2] if found else None


# ---------------------------------------------------------------- temperature

def _scale_after(words, j):
    """'c' or 'f' when a temperature unit follows position j, skipping ° and 'degrees'."""
    while j < len(words) and words[j] in DEGREE_WORDS:
        j += 1
    if j < len(words) and words[j] in CELSIUS:
        return "c"
    if j < len(words) and words[j] in FAHRENHEIT:
        return "f"
    return None


def to_celsius(value: float, scale: str | None) -> float | None:
    """Celsius for a reading on a known scale (or guessed from its range), else None."""
    lo_c, hi_c = CELSIUS_RANGE
    lo_f, hi_f = FAHRENHEIT_RANGE
    if scale in (None, "c") and lo_c <= value <= hi_c:
        return value
    if scale in (None, "f") and lo_f <= value <= hi_f:
        return (value - 32) * 5 / 9
    return None


def parse_temperature(text: str) -> float | None:
    """Celsius, unrounded. A number with an explicit unit wins over the first bare number."""
    words = words_of(text)
    found = scan_numbers(words)
    for start, end, value in found:
        scale = "c" if "度" in words[start] else _scale_after(words, end)
        if scale:
            return to_celsius(value, scale)
    return to_celsius(found[0][2], None) if found else None


# ---------------------------------------------------------------- duration

def _unit_after(words, j, units):
    """The unit word right after position j (a hyphen may sit between: '3-day')."""
    if j < len(words) and words[j] == "-":
        j += 1
    return words[j] if j < len(words) and words[j] in units else None


def _whole_days(days: float) -> int | None:
    # Under a day is day 0 ("since this morning"); otherwise round up, because
    # "80 hours" has lasted more than 3 days, which is what the rules ask.
    days = 0 if days < 1 else math.ceil(round(days, 6))
    return days if 0 <= days <= MAX_DAYS else None


def _find(words, phrase):
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def _comparison(words, i) -> int:
    """+1 after "more than"/"over", -1 after "less than"/"under", else 0 (words before i)."""
    for phrases, sign in ((MORE_THAN, 1), (LESS_THAN, -1)):
        if any(tuple(words[max(i - len(p), 0):i]) == p for p in phrases):
            return sign
    return 0


def _compared(days: int | None, sign: int) -> int | None:
    if days is None or not sign:
        return days
    return max(days - 1, 0) if sign < 0 else min(days + 1, MAX_DAYS)


def days_since_weekday(weekday: int, today: datetime.date | None = None) -> int:
    """Days since the most recent such weekday before today (1..7)."""
    today = today or datetime.date.today()
    return (today.weekday() - weekday - 1) % 7 + 1


def parse_duration_days(text: str, today: datetime.date | None = None) -> int | None:
    """Whole days: '3 days', 'a week', '48 hours', 'since yesterday', 'since monday', bare '3'.

    "more than 3 days" / "over 3 days" -> 4 (strictly more); "less than a day" -> 0.
    Weekdays count back from `today` (default: the real date) to the last such day before it.
    """
    words = words_of(text)
    found = scan_numbers(words)
    for start, end, value in found:
        unit = _unit_after(words, end, DAY_UNITS)
        if unit:
            return _compared(_whole_days(value * DAY_UNITS[unit]), _comparison(words, start))
    for i, word in enumerate(words):
        count = {"a": 1, "an": 1, "couple": 2}.get(word)
        j = i + 2 if words[i + 1:i + 2] == ["of"] else i + 1
        if count and j < len(words) and words[j] in DAY_UNITS:
            sign = _comparison(words, i - (word == "couple" and words[i - 1:i] == ["a"]))
            return _compared(_whole_days(count * DAY_UNITS[words[j]]), sign)
    for phrase, days in RELATIVE_DAYS.items():  # longest phrases first
        if _find(words, phrase.split()):
            return days
    for word in words:
        if word in WEEKDAYS:
            return days_since_weekday(WEEKDAYS[word], today)
    if found and len(found) == 1 and found[0][2] <= 365:
        return _compared(_whole_days(found[0][2]), _comparison(words, found[0][0]))
    return None


# ---------------------------------------------------------------- age

def parse_age_years(text: str) -> float | None:
    """Years: '45', 'I'm 45', '8 months' -> 0.67, '6 weeks old' -> 0.12, 'newborn' -> 0.0."""
    words = words_of(text)
    if NEWBORN_WORDS.intersection(words) or _find(words, ["new", "born"]):
        return 0.0
    found = []
    for _, end, value in scan_numbers(words):
        unit = _unit_after(words, end, AGE_UNITS)
        after_unit = end + 1 + (words[end:end + 1] == ["-"])
        if unit and _unit_after(words, after_unit, {"pregnant"}):
            continue  # "20 weeks pregnant" is not an age
        if unit:
            return _years(value, AGE_UNITS[unit])
        found.append(value)
    for i, word in enumerate(words[:-1]):
        if word in ("a", "an") and words[i + 1] in AGE_UNITS:
            return _years(1, AGE_UNITS[words[i + 1]])
    return _years(found[0], 1) if found else None


def _years(value: float, per_unit: float) -> float | None:
    years = float(value) if per_unit == 1 else round(value * per_unit, 2)
    return years if 0 <= years <= MAX_AGE else None
