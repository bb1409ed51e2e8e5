"""Masking personal data in a message before trainers see it or it is exported.

    mask("I'm Anna, call 138 1234 5678")  ->  "I'm [NAME], call [PHONE]"

Replaced: e-mail addresses ([EMAIL]); Chinese resident ID numbers, passport-like IDs
and numbers of 16 digits or more ([ID]); phone numbers: international (+ or 00),
Chinese mobile and landline, North American, or 8 to 15 digits in a row ([PHONE]);
names that a phrase introduces ([NAME]): "my name is X" and "name: X" whatever the
case, "I'm X", "I am X", "this is X", "call me X" only for a capitalised name ("I'm
fine", "I'm 35", "call me back" stay), and Chinese 我叫X, 我的名字是X.

Never masked: temperatures, ages, durations, doses, dates and times ("38.5", "101 F",
"35 years", "3-4 days", "2024-03-15", "20240315", "10:30"): the triage needs them,
and none has the shape of a phone number or an ID.

Pure Python, no Rasa. Masking is a safety net, not a guarantee: a name nobody
introduces ("anna has a fever") is not recognised.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

NAME, PHONE, ID, EMAIL = "[NAME]", "[PHONE]", "[ID]", "[EMAIL]"

# Numbers are masked whole or not at all: no Latin letter, digit or "+" right before or
# after. (Not \b: Chinese text runs characters and digits together, 电话13812345678.)
_START, _END = r"(?<![0-9A-Za-z+])", r"(?![0-9A-Za-z])"

EMAILS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
RESIDENT_ID = re.compile(_START + r"(?:\d{17}[\dXx]|\d{15})" + _END)  # 18, or 15 (old cards)
PASSPORT = re.compile(_START + r"[A-Za-z]{1,2}\d{7,9}" + _END)  # E12345678, AB1234567
LONG_NUMBER = re.compile(_START + r"\d{16,}" + _END)  # bank cards, insurance numbers
PHONES = [
    # international: +44 20 7946 0958, +1 (555) 123-4567, 0086 138...
    re.compile(_START + r"(?:\+|00)\d{1,3}(?:[ -]?\(?\d{1,5}\)?){1,5}" + _END),
    re.compile(_START + r"1[3-9]\d(?:[ -]?\d){8}" + _END),  # Chinese mobile: 138 1234 5678
    # landline with its area code: 010-12345678, (020) 7946 0958, 07700 900123
    re.compile(_START + r"(?:\(0\d{2,4}\)|0\d{2,4})[ -]?\d{3,4}[ -]?\d{3,4}" + _END),
    re.compile(_START + r"(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}" + _END),  # (555) 123-4567
]
DIGITS = re.compile(_START + r"\d{8,15}" + _END)
PHONE_DIGITS = range(7, 16)

# A name's word: letters of any script, maybe O'Brien or Mary-Jane (not Anna's: the
# "'s" stays outside the mask), after an optional title.
_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*(?:['’](?!s\b)[^\W\d_]+)?"
_NAME = rf"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,3}})"
_AM = r"[Ii](?:['’]m|\s+am)"
# Introduces a name whatever its case ("my name is anna").
NAME_IS = re.compile(rf"\b(?:my\s+name\s+is\s+|my\s+name['’]s\s+|name\s*:\s*){_NAME}",
                     re.IGNORECASE)
# Introduces a name only when capitalised ("I'm Anna", not "I'm fine").
CAPITALISED_NAME = re.compile(
    rf"\b(?:{_AM}\s+called|{_AM}|[Tt]his\s+is|[Cc]all\s+me)\s+{_NAME}")
CHINESE_NAME = re.compile(
    r"(?:我叫|我名叫|我的名字是|我的名字叫|我名字叫)\s*(?P<name>[\u4e00-\u9fff·]{2,4})")

# Words that follow those phrases without being names ("I'm Chinese", "this is Monday",
# "my name is not important"); compared in lower case.
NOT_NAMES = frozenset("""
    a an the i it its my me you he she we they this that here there not no yes so very
    just still also really on in at of for to with from and or but is was as by
    sorry ok okay fine good great well better worse bad sick ill unwell tired hot cold
    sure afraid scared worried pregnant back home hungry thirsty alone new old young
    feeling calling writing asking wondering going trying looking getting having coming
    dizzy confused done ready male female positive negative covid unknown irrelevant
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april may june july august september october november december
    english chinese american british canadian australian indian japanese korean french
    german spanish italian russian arabic african european asian mexican brazilian
    vietnamese thai filipino muslim christian catholic jewish hindu buddhist
    mom mum mother dad father son daughter wife husband brother sister doctor nurse
    please thanks thank hello hi hey help urgent emergency
    have has had am got need want fever cough
    """.split())


def mask(text: str) -> str:
    """The text with personal data replaced by [NAME], [PHONE], [ID] and [EMAIL]."""
    text = EMAILS.sub(EMAIL, text)
    for pattern in (RESIDENT_ID, PASSPORT, LONG_NUMBER):
        text = pattern.sub(ID, text)
    for pattern in PHONES:
        text = pattern.sub(_phone, text)
    text = DIGITS.sub(lambda found: found.group() if _is_compact_date(found.group())
                      else PHONE, text)
    text = NAME_IS.sub(_name(capitalised_only=False), text)
    text = CAPITALISED_NAME.sub(_name(capitalised_only=True), text)
    return CHINESE_NAME.sub(lambda found: _masked(found, found.end("name"), NAME), text)


def _phone(found: re.Match) -> str:
    number = found.group()
    digits = sum(character.isdigit() for character in number)
    return PHONE if digits in PHONE_DIGITS and not _is_date(number) else number


def _is_date(number: str) -> bool:
    """2024-03-15 or 2024 03 15: a year, a month and a day."""
    parts = re.split(r"[ .-]", number)
    return len(parts) == 3 and _real_date(*parts)


def _is_compact_date(number: str) -> bool:
    """20240315 (YYYYMMDD) or 15032024 (DDMMYYYY)."""
    return len(number) == 8 and (_real_date(number[:4], number[4:6], number[6:])
                                 or _real_date(number[4:], number[2:4], number[:2]))


def _real_date(year: str, month: str, day: str) -> bool:
    if len(year) != 4 or not all(part.isdigit() for part in (year, month, day)):
        return False
    try:
        return 1900 <= date(int(year), int(month), int(day)).year <= 2100
    except ValueError:
        return False


def _name(capitalised_only: bool) -> Callable[[re.Match], str]:
    """Masks the introduced name: its words up to the first that cannot be part of it.
    A name goes on with capitalised words ("Anna Lee"); one written in lower case ("my
    name is anna lee") is taken as two words at most."""
    def replace(found: re.Match) -> str:
        end, words = None, [word for word in re.finditer(r"\S+", found.group("name"))]
        lower_case = not _capitalised(words[0].group())
        for index, word in enumerate(words):
            text = word.group()
            part_of_it = _capitalised(text) or (
                not capitalised_only and (index == 0 or index == 1 and lower_case))
            if text.lower() in NOT_NAMES or not part_of_it:
                break
            end = found.start("name") + word.end()
        return found.group() if end is None else _masked(found, end, NAME)
    return replace


def _capitalised(word: str) -> bool:
    """Anna, O'Brien, J (an initial); not anna, not COVID."""
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _masked(found: re.Match, end: int, placeholder: str) -> str:
    """The match with its name, from the start of the `name` group to `end`, replaced."""
    whole, offset = found.group(), found.start()
    return whole[:found.start("name") - offset] + placeholder + whole[end - offset:]
