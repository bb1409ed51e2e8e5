"""Which of the bot's languages a message is written in, and which one it asks for.

A person is answered in the language they write in. Messages with no letters ("38.5", "3",
a button press) or only words that Chinese speakers type too ("ok", "CT", "covid") say
nothing about the language, so the conversation keeps the one it has.

    >>> detect_language("我发烧三天了"), detect_language("I have a fever"), detect_language("ok")
    ('zh', 'en', None)
    >>> requested_language("请用英文回复"), requested_language("do you speak Chinese?")
    ('en', 'zh')
"""

from __future__ import annotations

import re

LANGUAGES = ("en", "zh")
# Message metadata key: the language a message is written in, added before Rasa opens a
# session for it (bot/rasa_server.py), so the privacy notice is in that language.
WRITTEN_LANGUAGE = "written_language"
DEFAULT_LANGUAGE = "en"

# CJK Unified Ideographs and Extension A: the characters of written Chinese.
HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
HAN_RUN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Latin words common in Chinese chats and medical talk: they do not make a message English.
_NEUTRAL = {
    "ok", "okay", "k", "hi", "hello", "hey", "bye", "thx", "covid", "sars", "cov", "ncov",
    "ct", "pcr", "app", "wifi", "c", "f", "n", "kn", "mask", "emm", "em", "hmm",
    "ha", "haha", "lol", "o", "x",
}

# Explicit requests ("中文", "in English please") win over the script they are written in.
_ASKS_FOR = {
    "zh": re.compile(r"中文|汉语|漢語|普通话|华语|chinese|mandarin|zhongwen|putonghua", re.IGNORECASE),
    "en": re.compile(r"英文|英语|英語|english", re.IGNORECASE),
}


def han_characters(text: str) -> int:
    return len(HAN.findall(text or ""))


def detect_language(text: str) -> str | None:
    """"zh" or "en" when the message shows its language, else None."""
    text = text or ""
    if text.startswith("/"):  # a button payload or a command is no language
        return None
    han = han_characters(text)
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    telling = [w for w in words if w not in _NEUTRAL]
    if han and han >= len(telling):
        return "zh"
    if telling:
        return "en"
    return "zh" if han else None


def requested_language(text: str) -> str | None:
    """The language a message asks for by name ("中文", "English please"), if exactly one."""
    asked = [lang for lang, pattern in _ASKS_FOR.items() if pattern.search(text or "")]
    return asked[0] if len(asked) == 1 else None


def message_language(text: str) -> str | None:
    """The language to answer this message in: the one asked for, else the one written."""
    return requested_language(text) or detect_language(text)


def supported(language: object) -> str | None:
    """`language` if it is one of ours ("zh-CN" counts as "zh"), else None."""
    if not isinstance(language, str):
        return None
    base = language.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None
