"""Which region a person's message asks about: one we have figures for, a place we have
none for ("how many cases in Atlantis"), or none named ("latest numbers")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from bot.statistics.figures import normal_region

MAX_PLACE = 60  # what is repeated back of a place we do not know
_PLACE_WORDS = 4
# A place is named after one of these: "cases in X", "numbers for X", "what about X"...
_BEFORE_PLACE = re.compile(r"\b(?:in|for|at|around|near|within|about|from)\s+", re.IGNORECASE)
# ... or first, before what is asked: "hubei deaths", "wuhan covid cases?".
_PLACE_FIRST = re.compile(
    r"\s*((?:[^\W\d_][\w'’.-]*\s+){1,3}?)(?:covid\s+)?"
    r"(?:cases?|deaths?|numbers?|figures?|stats|statistics|infections?|situation|count|toll)\b",
    re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# Words that do not name a place: "in total", "for today", "in the last week", "in
# hospital", "for covid", "any new cases". The first one ends a place's name.
NOT_PLACES = frozenset("""
    a an the this that these those my our your his her their me us you him them it here there
    total all general whole overall country world nation nationwide area region city town
    today now tonight yesterday currently recently lately so far please thanks thank right
    just still again too also as well only ever yet already anymore
    last past latest recent next current previous week weeks month months year years day days
    hour hours morning evening daily weekly
    cases case numbers number figures figure statistics stats data count counts situation
    deaths death infections infected people patients recovered confirmed update updates
    covid covid-19 covid19 coronavirus virus fever flu influenza pandemic epidemic outbreak
    hospital hospitals icu children kids adults home work school moment present least most
    first once free detail details short fact general particular health official
    officials government ministry commission website news report
    any some more fewer less active suspected imported local severe mild serious
    critical positive negative asymptomatic cured discharged reported cumulative real true
    give show tell get find send see know
    is are was were be been and or but with what how many much where when who which why
    what's how's where's there's
    """.split())
# Places whose usual short name is a word above: "in the US".
_AFTER_THE = {"us": "US"}
# Words that start places' names but are none alone: "New York", but "new cases".
_NOT_ALONE = frozenset({"new", "north", "south", "east", "west", "upper", "lower", "inner"})


@dataclass(frozen=True)
class RegionAsked:
    region: str | None = None  # a region we have figures for, spelt as stored
    unknown: str | None = None  # a place named that we have no figures for


def region_asked(text: str, known: Iterable[str]) -> RegionAsked:
    """The region `text` asks about. Known names match whatever their case, as whole words
    (the longest wins: "Inner Mongolia" over "Mongolia"); otherwise the place after "in",
    "for", ... if that looks like a place's name; otherwise neither."""
    text = text or ""
    found = _known_region(text, known)
    if found:
        return RegionAsked(region=found)
    place = _named_place(text)
    return RegionAsked(unknown=place) if place else RegionAsked()


def _known_region(text: str, known: Iterable[str]) -> str | None:
    best: tuple[int, str] | None = None
    for name in known:
        match = _pattern(name).search(text)
        if match and (best is None or len(match.group()) > best[0]):
            best = (len(match.group()), name)
    return best[1] if best else None


def _pattern(name: str) -> re.Pattern[str]:
    """`name` as whole words, any case, any spacing. Scripts written without spaces
    (Chinese: 北京) have no word boundaries to require."""
    words = normal_region(name).split(" ")
    body = r"\s+".join(re.escape(word) for word in words)
    start = "" if _unspaced(body[0]) else r"(?<!\w)"
    end = "" if _unspaced(name.strip()[-1]) else r"(?!\w)"
    return re.compile(start + body + end, re.IGNORECASE)


def _unspaced(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or \
        "\uf900" <= char <= "\ufaff"


def _named_place(text: str) -> str | None:
    for match in _BEFORE_PLACE.finditer(text):
        place = _place_words(text[match.end():])
        if place:
            return place
    first = _PLACE_FIRST.match(text)
    if first and not any(word.rstrip(".'’-").lower() in NOT_PLACES
                         for word in first.group(1).split()):
        return _place_words(first.group(1))
    return None


def _place_words(after: str) -> str | None:
    """The words right after the preposition up to punctuation or a word that is not part
    of a place's name; None if the first one already is not ("in the last week")."""
    words: list[str] = []
    position = 0
    for match in _WORD.finditer(after):
        between = after[position:match.start()]
        if words and between.strip():
            break  # a comma, question mark...: the name ended
        if not words and between.strip():
            return None  # "in (...)" or "for 3 days": not a name
        word = match.group()
        bare = word.rstrip(".'’-").lower()
        after_the = not words and after[:match.start()].strip().lower() == "the"
        if after_the and bare in _AFTER_THE:
            words.append(_AFTER_THE[bare])
            break
        if bare in NOT_PLACES:
            if bare == "the" and not words:
                position = match.end()
                continue  # "in the Netherlands"
            break
        words.append(word)
        position = match.end()
        if len(words) == _PLACE_WORDS:
            break
    if not words or (len(words) == 1 and words[0].lower() in _NOT_ALONE):
        return None
    place = " ".join(words).rstrip(".'’-")  # "St. Louis" keeps its dot, "Atlantis." not
    if place == place.lower():  # typed in lower case: "atlantis" -> "Atlantis", "uk" -> "UK"
        place = place.upper() if len(place) == 2 else " ".join(
            word[:1].upper() + word[1:] for word in place.split(" "))
    return place[:MAX_PLACE]
