"""Chinese numerals, temperatures, durations and ages for the Chinese fact extractor.

    >>> arabize("三十八度五，发烧两天了")
    '38度5，发烧2天了'

facts_zh.py first rewrites Chinese numerals as digits (`arabize`), so every reading below is a
regular expression over digits. A single numeral (一, 两, 三) becomes a digit only before a unit
("两天", "一个星期", "三岁"): alone it is usually part of a word ("一直", "一点儿", "三高").
The ranges and the Celsius/Fahrenheit guess are the English ones (numbers.py).
"""
from __future__ import annotations

import math
import re
import unicodedata

from .numbers import MAX_AGE, MAX_DAYS, days_since_weekday, to_celsius

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
_NUMERAL = "零〇一二两三四五六七八九"
# a run of numerals, with 十/百 and a spoken decimal ("三十八点五")
_RUN = re.compile(f"[{_NUMERAL}十百]+(?:点[{_NUMERAL}]+)?")
# units that make a lone numeral a number ("两天", "一个星期", "三岁", "八个月", "一周")
_UNIT_AFTER = re.compile(r"(?:个(?:多|半)?)?(?:度|天|日|周|星期|礼拜|月|年|岁|小时|钟头)|多(?:天|周|岁|度)")
NUM = r"\d+(?:\.\d+)?"


def normalise(text: str) -> str:
    """Full-width to ASCII (NFKC: "３８．５" -> "38.5", "℃" -> "°C"), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def chinese_number(run: str) -> float | None:
    """'三十八' -> 38, '三十八点五' -> 38.5, '一百零一' -> 101, '两三' -> 3 (the larger)."""
    whole, _, decimals = run.partition("点")
    if "十" in whole or "百" in whole:
        value, digit = 0, None
        for ch in whole:
            if ch in DIGITS:
                digit = DIGITS[ch]
            elif ch == "百":
                value, digit = value + (1 if digit is None else digit) * 100, None
            else:  # 十
                value, digit = value + (1 if digit is None else digit) * 10, None
        value += digit or 0
    elif len(whole) == 2 and DIGITS[whole[1]] == DIGITS[whole[0]] + 1:
        value = DIGITS[whole[1]]  # "两三天", "三四天": a range, take the longer (safety)
    elif whole:
        value = int("".join(str(DIGITS[ch]) for ch in whole))  # "三八" read digit by digit
    else:
        return None
    if decimals:
        return float(f"{value}.{''.join(str(DIGITS[ch]) for ch in decimals)}")
    return float(value)


def _digits(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def arabize(text: str) -> str:
    """Chinese numerals -> digits where they are numbers (see the module docstring)."""
    out, last = [], 0
    for m in _RUN.finditer(text):
        run, after = m.group(), text[m.end():]
        lone = len(run) == 1
        decimal_after_degree = lone and re.search(rf"[\d{_NUMERAL}十]度$", text[:m.start()]) is not None
        whole_text = text.strip(" 。.!！?？~") == run
        if lone and not (decimal_after_degree or whole_text or _UNIT_AFTER.match(after)):
            continue
        if run[0] == "十" and len(run) == 1 and re.match(r"分|足|几", after):
            continue  # "十分难受" is "very", "十几" is vague
        value = chinese_number(run)
        if value is None:
            continue
        out += [text[last:m.start()], _digits(value)]
        last = m.end()
    return "".join(out) + text[last:]


# ---------------------------------------------------------------- temperatures

# "38.5度", "38度5", "三十九度" (arabized), "38.5°c", "101f", "101华氏度", "华氏101度", "38.5摄氏度"
TEMP_UNIT = re.compile(
    rf"(?P<pre>华氏|摄氏)?(?P<n>{NUM})\s*(?:(?P<scale1>华氏|摄氏)?度(?P<dec>\d(?![\d.]|\s*(?:天|个|岁|次|小时|周|%)))?"
    r"|°\s*(?P<scale2>[cf])?|(?P<scale3>[cf])(?![a-z])|(?P<scale4>华氏|摄氏))")


def temperature_from_unit(m: re.Match) -> float | None:
    """Celsius for a TEMP_UNIT match; a bare 度 is Celsius or Fahrenheit by its range."""
    value = float(m["n"] + ("." + m["dec"] if m["dec"] and "." not in m["n"] else ""))
    words = [m["pre"], m["scale1"], m["scale2"], m["scale3"], m["scale4"]]
    scale = "f" if any(w in ("华氏", "f") for w in words) else "c" if any(words) else None
    return to_celsius(value, scale)


def temperature_from_number(value: float) -> float | None:
    return to_celsius(value, None)


# ---------------------------------------------------------------- durations

_DAY_UNITS = {"小时": 1 / 24, "钟头": 1 / 24, "天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7,
              "月": 30, "年": 365}
# "3天", "两个星期", "一个半月", "3天多", "3个多月", "48小时" ("3月" alone is March: 个 required)
DURATION = re.compile(
    rf"(?P<n>{NUM})(?P<half1>个半|半)?(?P<more1>多)?(?P<ge>个)?"
    r"(?P<unit>个?小时|钟头|天|周|星期|礼拜|月|年)(?P<half2>半)?(?P<more2>多)?(?P<ago>前|之前|以前)?")
HALF = re.compile(r"半(?:个)?(?P<unit>月|星期|礼拜|周|年)|半天")
RELATIVE = {"大前天": 3, "前天": 2, "昨天": 1, "昨晚": 1, "昨日": 1, "昨儿": 1, "今天": 0,
            "今早": 0, "今晚": 0, "早上": 0, "上午": 0, "下午": 0}
_REL = "|".join(sorted(RELATIVE, key=len, reverse=True))
ONSET = r"(?:开始|起|以来|到现在|至今|就开始|就|到今天)"
# "昨天开始", "从前天起", "自从周一以来": a named day counts only with an onset word
SINCE_DAY = re.compile(rf"(?P<from>从|自从|自)?(?P<day>{_REL})(?:晚上|早上|上午|下午|夜里)?(?P<onset>{ONSET})?")
WEEKDAY = re.compile(rf"(?P<from>从|自从|自)?上?(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])(?P<onset>{ONSET})?")
_WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
MORE_BEFORE = re.compile(r"(?:超过|多于|大于|不止|已经超过)$")
LESS_BEFORE = re.compile(r"(?:不到|不足|少于|没到|不满)$")


def whole_days(days: float) -> int | None:
    """Like numbers.py: under a day is day 0, else rounded up ("80 hours" is into day 4)."""
    days = 0 if days < 1 else math.ceil(round(days, 6))
    return days if 0 <= days <= MAX_DAYS else None


def duration_days(m: re.Match, before: str) -> int | None:
    """Whole days for a DURATION match; `before` is the text before it ("超过三天" -> 4)."""
    unit = m["unit"].lstrip("个")
    if unit == "月" and not (m["ge"] or m["half1"] == "个半"):
        return None  # "3月" is March
    if unit == "年" and float(m["n"]) > 100:
        return None  # "2020年" is a year
    value = float(m["n"]) + (0.5 if m["half1"] or m["half2"] else 0)
    days = whole_days(value * _DAY_UNITS[unit])
    if days is None:
        return None
    if m["more1"] or m["more2"] or MORE_BEFORE.search(before) or re.match(r"以上", m.string[m.end():]):
        return min(days + 1, MAX_DAYS)  # "三天多", "超过3天": strictly more than 3 days
    if LESS_BEFORE.search(before):
        return max(days - 1, 0)
    return days


def half_days(m: re.Match) -> int:
    """'半个月' -> 15, '半天' -> 0, '半年' -> 183, '半个星期' -> 4."""
    if m.group() == "半天":
        return 0
    return whole_days(_DAY_UNITS[m["unit"]] / 2)


def weekday_days(m: re.Match, today=None) -> int:
    d = m["d"]
    weekday = int(d) - 1 if d.isdigit() else _WEEKDAY_NUMBER[d]
    return days_since_weekday(weekday, today)


# ---------------------------------------------------------------- ages

CHILD = r"(?:宝宝|宝贝|孩子|小孩|婴儿|儿子|女儿|闺女|娃|小朋友|宝)"
# "72岁", "3岁半", "七十二周岁"
AGE_YEARS = re.compile(rf"(?P<n>{NUM})(?:周岁|岁)(?P<half>半)?")
# "8个月大的宝宝", "宝宝8个月", "孩子才五个多月", "出生3周", "6周大"
AGE_MONTHS = re.compile(
    rf"(?P<n>{NUM})个(?:多)?月(?:大|的{CHILD})|{CHILD}(?:今年|才|刚|刚满|只有|现在|已经)?(?P<n2>{NUM})个(?:多)?月")
AGE_WEEKS = re.compile(rf"(?:出生|生下来)(?P<n>{NUM})(?P<unit>周|天)|(?P<n2>{NUM})(?P<unit2>周|天)大")
# "我今年七十二", "本人今年65", "年龄72", "今年34", "我七十二了": a number after these is an age
_NO_UNIT_AFTER = r"(?![\d.]|\s*(?:度|天|个|周|次|小时|°|%))"
AGE_SELF = re.compile(rf"(?:我|本人)(?:今年|现在|已经|都)+(?:已经|都|是|也)?(?P<n>{NUM}){_NO_UNIT_AFTER}"
                      rf"|(?:年龄|年纪|岁数)[:是为]?\s*(?P<n2>{NUM})"
                      rf"|今年(?P<n3>\d{{1,3}}){_NO_UNIT_AFTER}"
                      rf"|(?:我|本人)(?P<n4>\d{{1,3}})了")
SELF_BEFORE = re.compile(r"(?:我|本人)(?:今年|现在|已经|都|快|刚|才|是|也)*$")


def age_years(value: float, per_unit: float = 1) -> float | None:
    years = float(value) if per_unit == 1 else round(value * per_unit, 2)
    return years if 0 <= years <= MAX_AGE else None


# "10个月", "3周", "七十二", "72岁", "3岁半": a bare answer to "how old is the person?"
_AGE_ANSWER = re.compile(rf"(?P<n>{NUM})\s*(?P<unit>个(?:多)?月|周|星期|天|周岁|岁)?(?P<half>半)?")
_AGE_UNITS = {"个月": 1 / 12, "个多月": 1 / 12, "周": 1 / 52, "星期": 1 / 52, "天": 1 / 365}


def age_answer(text: str) -> float | None:
    """The age in years a bare answer gives, or None."""
    m = _AGE_ANSWER.search(arabize(normalise(text)))
    if m is None:
        return None
    years = float(m["n"]) + (0.5 if m["half"] else 0)
    return age_years(years, _AGE_UNITS.get(m["unit"] or "", 1))
