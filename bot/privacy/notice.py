"""The privacy notice (docs/privacy.md, in Chinese docs/privacy.zh.md) as a plain, escaped
HTML page for GET /privacy: in Chinese for ?lang=zh or a browser that prefers Chinese
(the web chat's `page_language`), else in English.

The markdown is read as blocks: `#` headings, `- ` lists and paragraphs, all shown as
text (no markdown library, no markup from the file)."""

from __future__ import annotations

import html
import os
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.directory.config import display
from bot.settings import PROJECT_ROOT
from bot.web.webchat import DEFAULT_LANGUAGE, LANGUAGES as HTML_LANG, page_language

NOTICE = PROJECT_ROOT / "docs" / "privacy.md"
NOTICES = {"en": NOTICE, "zh": PROJECT_ROOT / "docs" / "privacy.zh.md"}
_UNTITLED = {"en": "Privacy notice", "zh": "隐私说明"}
_PAGE = """<!doctype html>
<html lang="{html_lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main>
{body}
</main></body>
</html>
"""


def notice_html(markdown: str, values: dict[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.DOTALL)
    for name, value in values.items():
        markdown = markdown.replace("{" + name + "}", value)
    parts, title = [], _UNTITLED.get(language, _UNTITLED[DEFAULT_LANGUAGE])
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.strip() for line in block.strip().splitlines()]
        if lines[0].startswith("#"):
            level = min(len(lines[0]) - len(lines[0].lstrip("#")), 3)
            text = lines[0].lstrip("#").strip()
            title = text if level == 1 else title
            parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        elif all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return _PAGE.format(html_lang=HTML_LANG.get(language, DEFAULT_LANGUAGE),
                        title=html.escape(title), body="\n".join(parts))


def notice_values(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The hospital's name and a phone number (hospital.yml), and the retention period,
    in `language` (names fall back to English where hospital.yml gives no translation)."""
    from bot.directory import current_directory

    directory = current_directory()
    clinic = directory.fever_clinics[0]
    hospital = display(directory.hospital.name, language)
    clinic_name = display(clinic.name, language)
    contact = (f"电话：{clinic.phone}（{clinic_name}）。" if language == "zh"
               else f"Phone: {clinic.phone} ({clinic_name}).")
    return {"hospital": hospital, "contact": contact,
            "days": (os.environ.get("RETENTION_DAYS") or "90").strip()}


async def privacy_page(request: Request) -> Response:
    language = page_language(request)
    if language not in NOTICES:
        language = DEFAULT_LANGUAGE
    markdown = NOTICES[language].read_text(encoding="utf-8")
    return HTMLResponse(notice_html(markdown, notice_values(language), language),
                        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"})
