"""The official statistics the assistant quotes, for clinical staff and administrators:
each region's latest figures (old ones marked), a form for one region's figures, and an
import of a whole CSV or JSON file, pasted (the same checks as `bot.cli stats import`: a
file with any mistake is refused whole). Every change is in the audit log.

    GET  /console/statistics            the table and the forms (?region= fills the form)
    POST /console/statistics/save       region, confirmed, recovered, deaths, as_of, source
    POST /console/statistics/import     file (CSV or JSON upload) or content (pasted), format

The import form takes an uploaded file (multipart, up to guard.MAX_UPLOAD; the guard
checks its CSRF token like any other form's) or the file's text pasted.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.handoff.escalations import audit
from bot.statistics import answers, importer, store
from bot.statistics.figures import FIELDS, MAX_REGION, MAX_SOURCE, latest_allowed_date
from bot.web.console.guard import MAX_UPLOAD, PREFIX
from bot.web.console.pages import error_page, flash, render

ROLES = ("nurse", "doctor", "admin")  # not trainers (guard.py keeps them in the NLU inbox)
PAGE = f"{PREFIX}/statistics"
DEFAULT_REGION = "STATISTICS_DEFAULT_REGION"  # as actions/statistics.py


def _refused(request: Request) -> Response | None:
    if request.state.staff.role not in ROLES:
        return error_page(request, 403, "The official statistics are kept by clinical staff "
                                        "and administrators.")
    return None


async def statistics_page(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    region = request.query_params.get("region", "")[:MAX_REGION]
    form = {"as_of": datetime.now(timezone.utc).date().isoformat()}
    if region:  # "Update" on a row: that region, today, its source; the figures are new
        current = await request.app.state.console.run(store.latest_for, region)
        form.update({"region": current.region, "source": current.source} if current else
                    {"region": region})
    return await _page(request, form=form)


async def save(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    staff = request.state.staff.username
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in FIELDS}
    try:
        figures, new = await request.app.state.console.run(store.save_figures, typed, staff)
    except store.StatisticsError as refusal:
        problems: dict[str, list[str]] = {}
        for problem in refusal.problems:
            problems.setdefault(problem.field, []).append(_sentence(problem.message))
        return await _page(request, form=typed, problems=problems, status=400)
    done = "added" if new else "updated"
    await request.app.state.console.run(
        audit, staff, "statistics_save", detail=f"{figures.region}, {figures.as_of} ({done})")
    flash(request, f"Figures for {figures.region} on {answers.spoken_date(figures.as_of)} {done}.")
    return RedirectResponse(PAGE, 303)


async def import_file(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    console, staff = request.app.state.console, request.state.staff.username
    form = await request.form()
    content, fmt = str(form.get("content", "")), str(form.get("format", ""))
    upload, source = form.get("file"), "pasted"
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read()
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return await _page(request, status=400, import_errors=[
                f"{upload.filename} is not a text file in UTF-8: save it as UTF-8 CSV or JSON."])
        fmt = importer.format_for(upload.filename) or fmt
        source = f"file {upload.filename[:80]}"
    kept = {"content": content if source == "pasted" else "", "content_format": fmt}
    if fmt not in importer.FORMATS:
        return await _page(request, import_errors=["Choose whether the file is CSV or JSON."],
                           status=400, **kept)
    try:
        rows = await run_in_threadpool(importer.parse, content, fmt)
        result = await console.run(store.import_figures, rows, staff)
    except importer.InvalidFile as refused_file:
        return await _page(request, import_errors=refused_file.errors, status=400, **kept)
    except store.StatisticsError as refusal:
        return await _page(request, import_errors=[str(refusal)], status=409, **kept)
    done = f"{result.rows} row{'' if result.rows == 1 else 's'} ({result.new} new, {result.updated} updated)"
    await console.run(audit, staff, "statistics_import", detail=f"{done}, {source} {fmt.upper()}")
    flash(request, f"Imported {done}.")
    return RedirectResponse(PAGE, 303)


async def _page(request: Request, *, form: dict[str, str] | None = None,
                problems: dict[str, list[str]] | None = None, content: str = "",
                content_format: str = "csv", import_errors: list[str] | None = None,
                status: int = 200) -> Response:
    """The page; after a refused form, with why next to it and what was typed kept."""
    latest = await request.app.state.console.run(store.latest_figures)
    now = datetime.now(timezone.utc)
    default = answers.answer(latest, None, now, os.environ.get(DEFAULT_REGION) or None)
    return render(request, "statistics.html", {
        "rows": [_row(figures, now) for figures in latest],
        "default_region": default.figures.region if default.figures else None,
        "form": form or {}, "problems": problems or {}, "content": content,
        "content_format": content_format, "import_errors": import_errors or [],
        "max_region": MAX_REGION, "max_source": MAX_SOURCE, "max_kb": MAX_UPLOAD // 1024,
        "latest_date": latest_allowed_date(now).isoformat(), "columns": ",".join(FIELDS),
        "stale_hours": int(answers.STALE_AFTER.total_seconds() // 3600)}, status)


def _row(figures, now: datetime) -> dict[str, Any]:
    return {"figures": figures, "stale": answers.is_stale(figures.as_of, now),
            "as_of": answers.spoken_date(figures.as_of)}


def _sentence(message: str) -> str:
    """"as_of is missing" -> "The date is missing.": the form's words, not the file's."""
    if message.startswith("as_of"):
        message = "the date" + message.removeprefix("as_of")
    return message[:1].upper() + message[1:] + "."


routes = [
    Route("/statistics", statistics_page, methods=["GET"]),
    Route("/statistics/save", save, methods=["POST"]),
    Route("/statistics/import", import_file, methods=["POST"]),
]
