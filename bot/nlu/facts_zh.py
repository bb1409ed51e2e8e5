"""Rule-based extraction of triage facts from Chinese text (pure Python, no model, no jieba).

    >>> extract_facts_zh("发烧三天了，最高三十八度五，我同事确诊了")
    {'fever': True, 'temperature_c': 38.5, 'fever_days': 3, 'contact_confirmed_case': True}

The same contract as facts.extract_facts (keys in OUTPUT_KEYS order, the same value types and
policies); phrase lists live in lexicon_zh.yml. Chinese has no spaces, so this works on
characters: numerals are turned into digits (numbers_zh.arabize), the text is cut into clauses,
the lexicon's regular expressions find the facts and the cues (negation, resolution,
uncertainty, "still"), and the English rules decide: the nearest cue before a phrase in its
clause (NegEx), a negation carried along a list, questions and other people's findings dropped,
a danger sign stated anywhere wins over its denial.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from . import numbers_zh as nz
from .facts import OUTPUT_KEYS, UNKNOWN, Mention
from .facts import _Extractor as _EnglishExtractor

LEXICON_PATH = Path(__file__).with_name("lexicon_zh.yml")
CATEGORIES = ("is_true", "is_false", "only_if_negated", "if_child", "resolved", "except")
CUE_LABELS = ("neg", "pseudo", "uncertain", "res_before", "res_after", "ongoing", "ongoing_after")
# quantity kinds in the order they may claim a number ("怀孕20周" is not a duration)
QUANTITY_ORDER = ("spo2", "pulse", "rate", "pregnancy", "temp_unit", "age", "duration", "temp_word")
_NOT_UNIT = r"(?![\d.]|\s*(?:个|天|周|星期|礼拜|小时|岁|度|%|°|次/?天))"
_NUMBER = re.compile(nz.NUM)
# Question endings that ask what a word means or counts as, not what to do about it.
DEFINING = {"是什么", "是啥", "什么意思", "啥意思", "指什么", "有哪些", "算不算", "算是", "算吗"}


def extract_facts_zh(text: str) -> dict[str, object]:
    """The facts a Chinese text states; an absent key means "not mentioned"."""
    return _extractor().extract(text)


@functools.lru_cache(maxsize=1)
def _extractor() -> "_Extractor":
    with open(LEXICON_PATH, encoding="utf-8") as f:
        return _Extractor(yaml.safe_load(f))


def _longest_first(spans):
    """Drop spans overlapping a longer (then earlier) one: "不舒服" hides the "不" in it."""
    kept = []
    for span in sorted(spans, key=lambda sp: (-(sp[2] - sp[1]), sp[1])):
        if not any(span[1] < k[2] and k[1] < span[2] for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda sp: sp[1])


class _Extractor:
    def __init__(self, lex: dict):
        self.lex = lex
        self.lists = lex["lists"]
        self.kinds = {fact: spec["kind"] for fact, spec in lex["facts"].items()}
        self.about_others = {f for f, spec in lex["facts"].items() if spec.get("about_others")}
        self.facts = [(fact, cat, self._rx(e), "~" in str(e)) for fact, spec in lex["facts"].items()
                      for cat in CATEGORIES for e in spec.get(cat) or []]
        neg, res = lex["negation"], lex["resolution"]
        self.neg_window, self.res_window = neg["window"], res["window"]
        self.cues = [(label, self._words(words)) for label, words in [
            ("neg", neg["before"]), ("pseudo", neg["pseudo"]), ("uncertain", neg["uncertain"]),
            ("res_before", res["before"]), ("res_after", res["after"]), ("ongoing", res["ongoing"]),
            ("ongoing_after", res["ongoing_after"])]]
        self.own_negation = self._words(neg["before"])
        self.neg_after = re.compile(r"^[\s?:=\-—]*" + self._words(neg["after"]).pattern + r"\s*(?:$|[，,。!！;；])")
        self.ended_by = re.compile("^" + self._words(neg["ended_by"]).pattern)
        self.clause_break = re.compile(lex["clause_breaks"])
        self.sentence_break = re.compile(lex["sentence_breaks"])
        self.joiners = [str(w) for w in lex["list_joiners"]]
        self.fillers = [str(w) for w in lex["list_fillers"]]
        self.safe = set(map(str, lex["safe_list_joiners"]))
        q = lex["questions"]
        self.q_lead, self.q_tail = self._words(q["lead"]), self._words(q["tail"])
        self.q_personal = re.compile("|".join(self._rx(p).pattern for p in q["personal"]))
        self.q_after, self.q_before = re.compile(q["stated_after"]), re.compile(q["stated_before"])
        tp = lex["third_party"]
        self.tp_kinds = set(tp["kinds"])
        self.tp_other = re.compile("|".join(self._rx(p).pattern for p in tp["others"]))
        self.tp_patient = re.compile("|".join(self._rx(p).pattern for p in tp["patients"]))
        self.tp_well = re.compile("|".join(self._rx(p).pattern for p in tp["writer_well"]))
        self.first_person = re.compile(tp["first_person"])
        qt = lex["quantities"]
        self.spo2_max, self.rate_min = qt["spo2_max"], qt["breathing_rate_min"]
        self.not_measured = [self._rx(p) for p in qt["not_measured"]]
        self.not_numbers = re.compile("|".join(qt["not_numbers"]))
        self.fever_words = self._words(qt["fever_words"])
        self.quantity_res = self._quantity_patterns(qt)

    # ------------------------------------------------------------ patterns

    def _alternatives(self, words) -> str:
        return "(?:" + "|".join(sorted(map(str, words), key=len, reverse=True)) + ")"

    def _words(self, words) -> re.Pattern:
        """One regex for a word list, longest words first (regex alternation takes the first)."""
        return re.compile(self._alternatives(self._expand(words)))

    def _expand(self, words) -> list[str]:
        out = []
        for w in map(str, words):
            out += self._expand(self.lists[w[1:]]) if re.fullmatch(r"@\w+", w) else [w]
        return out

    def _rx(self, entry) -> re.Pattern:
        """A lexicon entry: '@name' -> one of that list's words, '~N' -> up to N characters."""
        pattern = re.sub(r"@([a-z_]+)", lambda m: self._alternatives(self._expand(self.lists[m[1]])), str(entry))
        return re.compile(re.sub(r"~(\d+)", r".{0,\1}?", pattern))

    def _quantity_patterns(self, qt) -> dict[str, list[re.Pattern]]:
        num, gap = rf"(?P<num>{nz.NUM})", r"[^\d。!！?？;；，,]{0,%d}?"
        oxygen, pulse = self._alternatives(qt["oxygen_words"]), self._alternatives(qt["pulse_words"])
        rate, temp = self._alternatives(qt["rate_words"]), self._alternatives(qt["temperature_words"])
        return {
            "spo2": [re.compile(oxygen + gap % 6 + num + r"\s*%?" + _NOT_UNIT)],
            "pulse": [re.compile(pulse + gap % 6 + num + _NOT_UNIT), re.compile(num + r"\s*bpm")],
            "rate": [re.compile(rate + gap % 8 + num + _NOT_UNIT)],
            "pregnancy": [re.compile(rf"(?:怀孕|孕)了?{num}(?:个多|个)?(?:周|月|星期)")],
            "temp_unit": [nz.TEMP_UNIT],
            "age": [nz.AGE_YEARS, nz.AGE_MONTHS, nz.AGE_WEEKS, nz.AGE_SELF, re.compile("新生儿")],
            "duration": [nz.DURATION, nz.HALF, nz.SINCE_DAY, nz.WEEKDAY],
            # "体温在37.5到38.5之间": the higher end of a range
            "temp_word": [re.compile(temp + gap % 5 + nz.NUM + r"\s*(?:到|至|-|~|～)\s*" + num + _NOT_UNIT),
                          re.compile(temp + gap % 5 + num + _NOT_UNIT)],
        }

    # ------------------------------------------------------------ extraction

    def extract(self, text: str) -> dict[str, object]:
        t = nz.arabize(nz.normalise(text))
        self.clause, self.sentence = self._segments(t)
        cues = self._cues(t)
        quantities, consumed = self._read_quantities(t)
        mentions = self._mentions(t)
        mentions = [m for m in mentions if not self._asked(t, m)]
        for m in mentions:
            self._judge(t, m, mentions, cues)
        theirs = self._third_party(t, mentions)
        anyone = self._third_party(t, mentions, everyone=True)
        in_range = lambda pos, ranges: any(s <= pos < e for s, e in ranges)  # noqa: E731
        mentions = [m for m in mentions if not (self.kinds[m.fact] in self.tp_kinds and (
            in_range(m.start, theirs) or (in_range(m.start, anyone) and self._value(m, True) is False)))]
        for label in ("temp_unit", "temp_word", "duration", "age"):
            quantities[label] = [q for q in quantities[label]
                                 if not (in_range(q[1], theirs) and (label != "age" or q[3] == "other"))]
        chains = self._propagate(t, mentions)

        ages = [q for q in quantities["age"] if q[3] == "other"] or quantities["age"]
        age = ages[0][0] if ages else None
        child = (age is not None and age < 18) or re.search(self._alternatives(self.lists["child_words"]), t)
        facts = self._bool_facts(mentions, bool(child))
        if any(v <= self.spo2_max for v, *_ in quantities["spo2"]) or \
                any(v >= self.rate_min for v, *_ in quantities["rate"]):
            facts["breathing_difficulty"] = True
        for key, label, pick in (("oxygen_saturation", "spo2", min), ("heart_rate", "pulse", max),
                                 ("breathing_rate", "rate", max)):
            if quantities[label]:
                facts[key] = pick(v for v, *_ in quantities[label])
        temps = [v for v, *_ in quantities["temp_unit"] + quantities["temp_word"] if v is not None]
        if temps:
            facts["temperature_c"] = max(temps)
        elif any(p.search(c) for p in self.not_measured for c in self._clause_texts(t)):
            facts["temperature_c"] = UNKNOWN  # "没有体温计", "没量体温"
        facts.update(self._durations(t, quantities, mentions, chains))
        if age is not None:
            facts["age"] = age
        number = self._leftover_number(t, consumed, mentions)
        if number is not None:
            facts["number"] = number
        return {k: facts[k] for k in OUTPUT_KEYS if k in facts}

    def _segments(self, t):
        """Clause and sentence number of every character (a break starts a new one)."""
        out = []
        for breaks in (self.clause_break, self.sentence_break):
            starts, marks, n = {m.start() for m in breaks.finditer(t)}, [], 0
            for i in range(len(t) + 1):
                n += i in starts
                marks.append(n)
            out.append(marks)
        return out

    def _clause_start(self, i: int) -> int:
        return next(k for k in range(i, -1, -1) if k == 0 or self.clause[k - 1] != self.clause[i])

    def _clause_texts(self, t):
        return [c for c in self.clause_break.split(t) if c]

    def _clause_spans(self, t):
        start = 0
        for m in self.clause_break.finditer(t):
            yield start, m.start()
            start = m.end()
        yield start, len(t)

    def _cues(self, t):
        found = [(label, m.start(), m.end()) for label, rx in self.cues for m in rx.finditer(t)]
        return _longest_first(found)

    def _mentions(self, t) -> list[Mention]:
        found = []
        for s0, e0 in self._clause_spans(t):
            chunk = t[s0:e0]
            for fact, cat, rx, pair in self.facts:
                for m in rx.finditer(chunk):
                    if m.end() > m.start():
                        found.append(Mention(fact, cat, s0 + m.start(), s0 + m.end(), pair))
        blocked = [(m.fact, m.start, m.end) for m in found if m.category == "except"]
        mentions = []
        for m in found:
            longer = any(o.fact == m.fact and o.category != "except" and o.start <= m.start and m.end <= o.end
                         and o.end - o.start > m.end - m.start for o in found)
            if m.category == "except" or longer or any(
                    f == m.fact and m.start < e and s < m.end for f, s, e in blocked):
                continue
            if m.category == "resolved":
                m.category, m.state, m.cued = "is_true", "resolved", True
            mentions.append(m)
        unique = {(m.fact, m.category, m.start, m.end): m for m in mentions}.values()
        # a symptom inside "家里好几个人发烧" is theirs (unless the writer is in it: "我们全家")
        others = [(m.start, m.end) for m in unique if m.fact in self.about_others
                  and not self.first_person.search(t[self._clause_start(m.start):m.end])]
        return sorted((m for m in unique if m.fact in self.about_others
                       or not any(s <= m.start and m.end <= e for s, e in others)),
                      key=lambda m: (m.start, m.end))

    # ------------------------------------------------------------ questions and other people

    def _asked(self, t, m: Mention) -> bool:
        """Whether the mention sits in a question about the finding ("发烧怎么办？")."""
        c, start = self.clause[m.start], self._clause_start(m.start)
        end = next(i for i in range(m.start, len(t) + 1) if i == len(t) or self.clause[i + 1] != c)
        text = t[start:end + 1]
        body_end = len(text.rstrip(" 啊呀啦哈"))
        lead = self.q_lead.search(text)
        tails = [x for x in self.q_tail.finditer(text) if x.group() not in ("吗", "呢") or x.end() == body_end]
        if lead:
            scope = (start + lead.start(), end + 1)
        elif self.kinds[m.fact] == "danger" and not any(x.group() in DEFINING for x in tails):
            # Chinese drops the subject: "嘴唇发紫要紧吗" tells of blue lips. Only a question
            # about the word ("什么是呼吸困难", "胸闷算不算危险信号") leaves a danger sign out.
            return False
        elif tails:
            scope = (start, end + 1)
        else:
            return False
        if not scope[0] <= m.start < scope[1] or self.q_personal.search(t[scope[0]:scope[1]]):
            return False
        stated = self.q_after.search(t[m.end:]) or self.q_before.search(t[scope[0]:m.start])
        return not stated

    def _third_party(self, t, mentions, everyone=False) -> list[tuple[int, int]]:
        """Character ranges about another named adult whose findings are not the patient's."""
        people = _longest_first([("other", m.start(), m.end()) for m in self.tp_other.finditer(t)]
                                + [("patient", m.start(), m.end()) for m in self.tp_patient.finditer(t)])
        well = self.tp_well.search(t) is not None
        contacts = [(m.start, m.end) for m in mentions if m.fact == "contact_confirmed_case"
                    and m.pair and m.state != "negated"]
        ranges = []
        for k, (label, s, e) in enumerate(people):
            if label != "other" or not (everyone or well or any(s < ce and cs < e for cs, ce in contacts)):
                continue
            end = e
            while end < len(t) and self.sentence[end] == self.sentence[s] and not any(
                    p[1] == end for p in people[k + 1:]):
                end += 1
            ranges.append((s, end))
        return ranges

    # ------------------------------------------------------------ negation and resolution

    def _judge(self, t, m: Mention, mentions, cues):
        """Set m.state from the cues around it (NegEx: the nearest cue before, same clause)."""
        if m.state == "resolved":
            return

        def free(s, e):  # no other mention lies wholly between s and e
            return not any(s <= o.start and o.end <= e and o is not m for o in mentions)

        def inside_mention(s, e):
            return any(o.start < e and s < o.end for o in mentions)

        same = self.clause[m.start]
        before = [(label, s, e) for label, s, e in cues
                  if e <= m.start and m.start - e <= self.neg_window and self.clause[s] == same
                  and label != "ongoing_after" and not inside_mention(s, e) and free(e, m.start)]
        labels = {before[-1][0]} if before else set()
        own_negation = not m.pair and self.own_negation.search(t[m.start:m.end]) is not None
        if own_negation:  # "喘不上气", "叫不醒" are the finding, not its denial
            labels.discard("neg")
        if m.pair:  # "嘴唇没有发紫", "呼吸不困难", "身边没有人确诊"
            labels |= {label for label, s, e in cues if m.start <= s and e <= m.end
                       and label in ("neg", "uncertain", "pseudo")}
        after = [(label, s) for label, s, e in cues if m.end <= s and s - m.end < self.res_window
                 and self.clause[s] == self.clause[m.end - 1] and free(m.end, s)]
        if not own_negation and after and after[0][0] in ("res_after", "ongoing_after"):
            labels.add("res_after" if after[0][0] == "res_after" else "ongoing")
        if self.neg_after.search(t[m.end:]):
            labels.add("neg")  # "发烧？没有", "咳嗽：无" (but "发烧没有？" asks: no clause end)
        resolvable = self.kinds[m.fact] in ("symptom", "danger") and m.category == "is_true"
        if resolvable and "neg" in labels and before and before[-1][0] == "neg" \
                and self.ended_by.match(t[m.end:]):
            labels.add("res_before")  # "不咳嗽了", "没发烧了": no longer
        if resolvable and labels & {"res_before", "res_after"}:
            m.state = "resolved"
        elif "neg" in labels:
            m.state = "negated"
        elif "uncertain" in labels:
            m.state = "uncertain"
        m.cued = bool(labels - {"ongoing"})
        m.ongoing = "ongoing" in labels

    def _split_gap(self, gap: str) -> set[str] | None:
        """The list words a gap is made of ("、", "和", "或者"), or None when it is not a list."""
        words, vocab = set(), sorted(self.joiners + self.fillers, key=len, reverse=True)
        while gap:
            word = next((w for w in vocab if gap.startswith(w)), None)
            if word is None:
                return None
            words.add(word)
            gap = gap[len(word):]
        return words

    def _propagate(self, t, mentions) -> list[int]:
        """Carry a negation along a list ("没有发烧、咳嗽或胸闷"); return chain ids (as facts.py)."""
        groups: list[list] = []
        for i, m in enumerate(mentions):
            if groups and m.start < groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], m.end)
                groups[-1][2].append(i)
            else:
                groups.append([m.start, m.end, [i]])
        links = []
        for prev, group in zip(groups, groups[1:]):
            words = self._split_gap(t[prev[1]:group[0]])
            links.append(None if words is None else (words & set(self.joiners)) or {""})
        chain_ids = [0]
        for link in links:
            chain_ids.append(chain_ids[-1] + (link is None))
        safe = {c for c, link in zip(chain_ids[1:], links) if link and link & self.safe}
        for k, link in enumerate(links, start=1):
            if link is None or not any(mentions[i].state == "negated" for i in groups[k - 1][2]):
                continue
            for i in groups[k][2]:
                m = mentions[i]
                if not m.cued and (chain_ids[k] in safe or self.kinds[m.fact] != "danger"):
                    m.state = "negated"
        chain_of = [0] * len(mentions)
        for k, group in enumerate(groups):
            for i in group[2]:
                chain_of[i] = chain_ids[k]
        return chain_of

    # ------------------------------------------------------------ values
    # The same policy as English (they read only the mentions and self.kinds).
    _value = _EnglishExtractor._value
    _bool_facts = _EnglishExtractor._bool_facts

    # ------------------------------------------------------------ quantities

    def _read_quantities(self, t):
        """Numbers with a meaning, claimed in QUANTITY_ORDER.

        Each value is (value, start, end, extra); extra is "self"/"other" for ages and
        "ago" for "3天前". Returns the values and the claimed number positions.
        """
        values = {label: [] for label in QUANTITY_ORDER}
        consumed, taken = set(), []
        for label in QUANTITY_ORDER:
            for rx in self.quantity_res[label]:
                for m in rx.finditer(t):
                    nums = [n.start() + m.start() for n in _NUMBER.finditer(m.group())]
                    if consumed & set(nums) or any(m.start() < e and s < m.end() for s, e in taken
                                                   if label == "duration"):
                        continue
                    value, extra = self._quantity_value(label, m, t)
                    if value is None and label not in ("temp_unit", "pregnancy"):
                        continue
                    consumed |= set(nums)
                    taken.append((m.start(), m.end()))
                    values[label].append((value, m.start(), m.end(), extra))
        return values, consumed

    def _quantity_value(self, label, m, t):
        ranges = {"spo2": (50, 100), "rate": (5, 150), "pulse": (20, 250)}
        if label in ranges:
            value = float(m["num"])
            low, high = ranges[label]
            return (value if low <= value <= high else None), None
        if label == "temp_unit":
            return nz.temperature_from_unit(m), None
        if label == "temp_word":
            return nz.temperature_from_number(float(m["num"])), None
        if label == "pregnancy":
            return True, None
        if label == "age":
            return self._age(m, t)
        return self._duration(m, t)

    def _age(self, m, t):
        rx, before, after = m.re, t[:m.start()], t[m.end():]
        if rx is nz.AGE_YEARS:
            years = nz.age_years(float(m["n"]) + (0.5 if m["half"] else 0))
            mine = nz.SELF_BEFORE.search(before) and not re.match(r"的?" + nz.CHILD, after)
            return years, "self" if mine else "other"
        if rx is nz.AGE_MONTHS:
            return nz.age_years(float(m["n"] or m["n2"]), 1 / 12), "other"
        if rx is nz.AGE_WEEKS:
            per = {"周": 1 / 52, "天": 1 / 365}[m["unit"] or m["unit2"]]
            return nz.age_years(float(m["n"] or m["n2"]), per), "other"
        if rx is nz.AGE_SELF:
            return nz.age_years(float(m["n"] or m["n2"] or m["n3"] or m["n4"])), "self"
        return 0.0, "other"  # 新生儿

    def _duration(self, m, t):
        rx = m.re
        if rx is nz.DURATION:
            ago = bool(m["ago"]) and not re.match(nz.ONSET, t[m.end():])
            return nz.duration_days(m, t[:m.start()]), "ago" if ago else None
        if rx is nz.HALF:
            return nz.half_days(m), None
        if not (m["from"] or m["onset"]):
            return None, None  # "昨天去了医院" dates something else
        if rx is nz.SINCE_DAY:
            return nz.RELATIVE[m["day"]], None
        return nz.weekday_days(m), None

    def _durations(self, t, quantities, mentions, chains):
        """Each duration goes to fever_days when its nearest finding is a fever, else duration_days."""
        said = [i for i, m in enumerate(mentions) if self._value(m, True) and self.kinds[m.fact] != "status"]
        fever_chains = {chains[i] for i in said if mentions[i].fact == "fever"}
        anchors = [(mentions[i].start, mentions[i].end, chains[i] in fever_chains) for i in said]
        anchors += [(s, e, True) for _, s, e, _ in quantities["temp_unit"] + quantities["temp_word"]]
        denied = [(m.start, m.end) for m in mentions if m.state == "negated"]
        anchors += [(w.start(), w.end(), True) for w in self.fever_words.finditer(t)
                    if not any(s <= w.start() < e for s, e in denied)]
        out: dict[str, int] = {}
        for days, start, end, extra in quantities["duration"]:
            ago = extra == "ago"
            usable = [(s, e, fever) for s, e, fever in anchors if self.sentence[s] == self.sentence[start]
                      and (not ago or (self.clause[s] == self.clause[start] and e <= start))]
            if ago and not usable:
                continue  # "5天前见了朋友": the date of something else
            near = [(max(start - e, s - end, 0), s >= end, not fever) for s, e, fever in usable]
            key = "fever_days" if near and not min(near)[2] else "duration_days"
            out[key] = max(out.get(key, days), days)
        return out

    def _leftover_number(self, t, consumed, mentions):
        """The first number no quantity, fact phrase or name ("covid-19", "120") has claimed."""
        taken = [(m.start, m.end) for m in mentions]
        taken += [(x.start(), x.end()) for x in self.not_numbers.finditer(t)]
        for n in _NUMBER.finditer(t):
            s = n.start()
            if s in consumed or any(a <= s < b for a, b in taken) or t[s - 1:s] == "第" \
                    or t[s - 1:s] in ("-", ".") or re.match(
                        r"\s*(?:分钟|分|次|个|人|号|日|元|块|斤|公斤|kg|楼|床|级|针|粒|片|颗|点|月|年|:|\d)", t[n.end():]):
                continue
            return float(n.group())
        return None
