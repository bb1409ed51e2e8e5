"""Words of self-harm or suicide. Matching them is a safety net under the trained model:
a person in crisis must get the crisis line even when DIET is unsure, mid-triage or in a
language it doesn't read. It errs on the side of answering ("I'm not suicidal, but..."
still gets the line): a needless crisis line costs little, a missed one may cost a life.
Health worries ("am I going to die of this?") are not in it: they are anxiety, not crisis.
"""

from __future__ import annotations

import re

_PHRASES = [
    r"suicid(?:e|al)",
    r"kill(?:ing)?\s+my\s*self",
    r"end(?:ing)?\s+(?:my\s+(?:own\s+)?life|it\s+all|everything|my\s+suffering)",
    r"tak(?:e|ing)\s+my\s+(?:own\s+)?life",
    r"hang(?:ing)?\s+my\s*self",
    r"jump(?:ing)?\s+(?:off|from|in\s+front\s+of)\s+(?:a|the|my)?\s*(?:bridge|building|roof|train|balcony|window|cliff)",
    r"(?:better|happier)\s+off\s+without\s+me",
    r"take\s+all\s+(?:of\s+)?my\s+(?:pills|medications?|tablets|meds)\s+(?:tonight|at\s+once|now|together)",
    r"(?:the\s+)?point\s+(?:of|in)\s+living",
    r"(?:want|wanting)\s+to\s+die|wanna\s+die",
    r"wish\s+i\s+(?:was|were)\s+dead",
    r"better\s+off\s+dead",
    r"(?:hurt|harm|cut|cutting|hurting|harming)\s+my\s*self",
    r"self[\s-]*harm",
    r"(?:don'?t|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|exist|wake\s+up)",
    r"no\s+(?:reason|point)\s+(?:in\s+|to\s+)?(?:living|live|going\s+on)",
    r"take\s+an?\s+overdose|overdos(?:e|ing)\s+on\s+purpose",
    r"(?:stockpil|sav|hoard)(?:e|ed|ing)\s+(?:up\s+)?(?:my\s+|all\s+my\s+)?(?:pills|medications?|tablets|meds)",
    r"(?:pills|medications?|tablets|meds)\s+to\s+end\s+(?:it|my)",
    # Chinese
    r"自杀|轻生|不想活|想死|去死|活不下去|活着(?:没意思|太累|没有意义|没意义)|"
    r"结束(?:我的|自己的)?生命|结束这一切|了结(?:自己|生命)|一了百了|一死了之|自残|割腕|寻死|"
    r"跳楼|跳河|(?:从|往).{0,4}(?:楼|桥|窗).{0,3}跳|上吊|伤害(?:了)?自己|"
    r"死了(?:算了|.{0,6}(?:轻松|更好|解脱))|不想(?:再)?醒(?:过来)?|撑不下去|"
    r"攒.{0,6}(?:安眠药|药片)",
]
_CRISIS = re.compile("|".join(f"(?:{phrase})" for phrase in _PHRASES), re.IGNORECASE)


def mentions_crisis(text: str) -> bool:
    return bool(_CRISIS.search(text or ""))
