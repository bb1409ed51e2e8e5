"""The privacy notice (docs/privacy.md) as a plain, escaped HTML page for GET /privacy.

The markdown is read as blocks: `#` headings, `- ` lists and paragraphs, all shown as
text (no markdown library, no markup from the file)."""

from __future__ import annotations

import html
import os
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.settings import PROJECT_ROOT

NOTICE = PROJECT_ROOT / "docs" / "privacy.md"
_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main>
{body}
</main></body>
</html>
"""


def notice_html(markdown: str, values: dict[str, str]) -> str:
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.DOTALL)
    for name, value in values.items():
        markdown = markdown.replace("{" + name + "}", value)
    parts, title = [], "Privacy notice"
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
    return _PAGE.format(title=html.escape(title), body="\n".join(parts))


def notice_values() -> dict[str, str]:
    """The hospital's name and a phone number (hospital.yml), and the retention period."""
    from bot.directory import current_directory

    directory = current_directory()
    clinic = directory.fever_clinics[0]
    return {"hospital": directory.hospital.name,
            "contact": f"Phone: {clinic.phone} ({clinic.name}).",
            "days": (os.environ.get("RETENTION_DAYS") or "90").strip()}


async def privacy_page(request: Request) -> Response:
    return HTMLResponse(notice_html(NOTICE.read_text(encoding="utf-8"), notice_values()),
                        headers={"Cache-Control": "no-cache"})
