"""Which region a person's message asks about: one we have figures for, a place we have
none for ("how many cases in Atlantis", "火星的数据"), or none named ("latest numbers").

Regions are stored as imported, usually in English; region_names.yml gives their Chinese
names, so "北京现在有多少确诊？" finds "Beijing" and a Chinese answer says "北京"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from bot.nlu.language import HAN
from bot.statistics.figures import normal_region, region_key

REGION_NAMES = Path(__file__).with_name("region_names.yml")

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
    (the longest wins: "Inner Mongolia" over "Mongolia"); in a message with Chinese
    characters, also by any of their Chinese names (the longest wins: "内蒙古" is not
    "蒙古"). Otherwise a region of region_names.yml we have no figures for ("上海" when
    there are none), or the place after "in", "for", ... (before "的数据", "有多少", ... in
    Chinese) if that looks like a place's name; otherwise neither."""
    text, known = text or "", list(known)
    chinese = _has_chinese(text)
    stored, unstored = _chinese_regions(text, known) if chinese else (None, None)
    found = stored or _known_region(text, known)
    if found:
        return RegionAsked(region=found)
    place = unstored or (_chinese_place(text) if chinese else None) or _named_place(text)
    return RegionAsked(unknown=place) if place else RegionAsked()


def chinese_name(region: str) -> str | None:
    """What a Chinese answer calls `region` (a stored name): 北京 for "Beijing", or None if
    region_names.yml does not name it."""
    names = _chinese_table()[0].get(region_key(region))
    return names[0] if names else None


def region_name(region: str, language: str = "en") -> str:
    """`region` as said in `language`: its Chinese name in "zh" if there is one, else as
    stored."""
    if language == "zh":
        return chinese_name(region) or region
    return region


@lru_cache(maxsize=1)
def _chinese_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(region_key of an English or Chinese name -> that region's Chinese names, the one to
    say first; Chinese name -> the region's first Chinese name, which identifies it)."""
    with open(REGION_NAMES, encoding="utf-8") as handle:
        table = yaml.safe_load(handle) or {}
    regions: dict[str, list[str]] = {}  # first Chinese name -> all of them
    english: dict[str, str] = {}  # region_key(English name) -> first Chinese name
    for name, chinese in table.items():
        chinese = [chinese] if isinstance(chinese, str) else list(chinese)
        regions.setdefault(chinese[0], [])
        regions[chinese[0]] += [zh for zh in chinese if zh not in regions[chinese[0]]]
        english[region_key(str(name))] = chinese[0]
    names = {key: tuple(regions[first]) for key, first in english.items()}
    owner = {zh: first for first, all_names in regions.items() for zh in all_names}
    names.update({region_key(zh): tuple(regions[first]) for zh, first in owner.items()})
    return names, owner


# "今日本地新增" is "today, local", not Japan (日本): the 日 of a word for a day is masked
# (not after 前 or 近: "目前日本", "最近日本" are Japan).
_DAY = re.compile(r"(?<=[今昨明每当次单])日")


def _chinese_regions(text: str, known: list[str]) -> tuple[str | None, str | None]:
    """(a stored region `text` names in Chinese, else a region of region_names.yml it names
    that has no figures, as written). A name inside a longer one of another region does
    not count ("蒙古" in "内蒙古", "中国" in "中国香港")."""
    names, owner = _chinese_table()
    stored: dict[str, list[str]] = {}  # region (first Chinese name, or the name) -> stored
    for name in known:
        chinese = names.get(region_key(name))
        stored.setdefault(chinese[0] if chinese else normal_region(name), []).append(name)
    spelled = dict(owner)
    for name in known:  # regions stored under a Chinese name region_names.yml lacks
        if _has_chinese(name) and normal_region(name) not in spelled:
            spelled[normal_region(name)] = normal_region(name)
    masked = _DAY.sub(" ", text)
    found = [(match.start(), match.end(), region) for zh, region in spelled.items()
             for match in re.finditer(re.escape(zh), masked)]
    found = [(start, end, region) for start, end, region in found if not any(
        other != region and s <= start and end <= e and e - s > end - start
        for s, e, other in found)]
    if not found:
        return None, None
    best = min(found, key=lambda m: (m[2] not in stored, m[0] - m[1], m[0]))
    start, end, region = best
    if region not in stored:
        return None, text[start:end]
    written = text[start:end]
    return next((name for name in stored[region] if normal_region(name) == written),
                stored[region][0]), None


def _has_chinese(text: str) -> bool:
    return HAN.search(text) is not None


# A place named in Chinese comes first, before what is asked: "火星的数据", "火星有多少确诊",
# "请问火星现在的情况", "那火星呢".
_CHINESE_PLACE = re.compile(
    r"(?:请问一下|请问|我想知道|想知道|我想问一下|我想问|想问一下|想问|问一下|请告诉我|告诉我|"
    r"帮我查一下|帮我查|查一下|查查|那么|那|还有|在)?"
    r"([\u3400-\u4dbf\u4e00-\u9fff]{2,10}?)(?:地区|这边|那边|那里|当地)?"
    r"(?:的|有|现在|目前|今天|今日|昨天|最近|最新|新增|累计|确诊|疫情|病例|数据|数字|情况|"
    r"感染|死亡|治愈|怎么样|怎样|如何|多少|呢|吗|新冠|本土|境外)")
# Words that are not places: "今天的数据", "最新疫情", "死亡人数多少"; nor is what starts
# with a pronoun ("我们这里的情况", "那边呢").
NOT_PLACES_ZH = (
    "现在", "目前", "今天", "今日", "昨天", "昨日", "明天", "最新", "最近", "近期", "本周",
    "这周", "上周", "每天", "每日", "全部", "总共", "一共", "总体", "整体", "所有", "其他",
    "其它", "别的", "什么", "怎么", "多少", "几个", "本地", "当地", "本市", "本省", "本区",
    "附近", "周边", "各地", "各省", "国外", "海外", "境外", "境内", "疫情", "新冠", "肺炎",
    "病毒", "病例", "确诊", "感染", "死亡", "治愈", "出院", "重症", "无症状", "疑似", "新增",
    "累计", "数据", "数字", "情况", "人数", "统计", "通报", "官方", "医院", "门诊", "发热",
    "发烧", "核酸", "疫苗", "您好", "你好", "谢谢", "请问", "一下", "知道", "告诉", "严重",
    "怎样", "如何")
_PRONOUNS = "我你您他她它这那哪谁咱"


def _chinese_place(text: str) -> str | None:
    """A place named in Chinese that region_names.yml does not know ("火星的数据"), or None
    if what comes before what is asked is no place ("今天的数据", "最新疫情数据")."""
    for clause in re.split(r"[^\u3400-\u4dbf\u4e00-\u9fff]+", text):
        match = _CHINESE_PLACE.match(clause)
        place = match.group(1) if match else ""
        if place and place[0] not in _PRONOUNS and not any(
                word in place for word in NOT_PLACES_ZH):
            return place[:MAX_PLACE]
    return None


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
    start = "" if _unspaced(body[0]) else r"(?<!" + _SPACED_LETTER + ")"
    end = "" if _unspaced(name.strip()[-1]) else r"(?!" + _SPACED_LETTER + ")"
    return re.compile(start + body + end, re.IGNORECASE)


# A letter or digit of a script written with spaces: next to Chinese a name still ends
# ("Beijing的数据"), next to one of these it does not ("Beijingers").
_SPACED_LETTER = r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]"


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
