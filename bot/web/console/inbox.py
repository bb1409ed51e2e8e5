"""The NLU inbox, for trainers (and administrators): people's messages the assistant was
unsure about, masked and grouped by predicted intent; a trainer gives each the right
intent, marks it out of scope, or discards it; annotated ones download as Rasa YAML.

    GET  /console/inbox                 the messages waiting for a decision
    POST /console/inbox/decide          key, decision (annotate|out_of_scope|discard), intent
    GET  /console/inbox/annotated       decisions so far, and what the export will hold
    POST /console/inbox/put-back        key: undo a decision
    GET  /console/inbox/export.yml      annotated messages as Rasa NLU training data
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.handoff.escalations import audit
from bot.training_inbox import export, inbox, source, training_data
from bot.training_inbox.inbox import Item
from bot.web.console.guard import PREFIX
from bot.web.console.pages import NO_STORE, error_page, flash, render

ROLES = ("trainer", "admin")
INBOX = f"{PREFIX}/inbox"
OUT_OF_SCOPE = "out_of_scope"
SHOWN_PER_GROUP = 50
EXPORT_NAME = "inbox.yml"  # its place in the project: data/nlu/inbox.yml
EXPORT_PATH = training_data.DATA / "nlu" / EXPORT_NAME


def _refused(request: Request) -> Response | None:
    if request.state.staff.role not in ROLES:
        return error_page(request, 403, "The NLU inbox is for trainers and administrators.")
    return None


async def inbox_page(request: Request, problem: str | None = None,
                     status: int = 200) -> Response:
    if refused := _refused(request):
        return refused
    try:
        under = source.threshold()
    except ValueError as bad_setting:
        return error_page(request, 500, str(bad_setting))
    pending = await _pending(request, under)
    groups = inbox.grouped(pending or [])
    return render(request, "inbox.html", {
        "groups": groups, "shown": SHOWN_PER_GROUP, "unavailable": pending is None,
        "pending": len(pending or []), "threshold": under, "days": source.DAYS,
        "intents": await run_in_threadpool(training_data.domain_intents),
        "fallback": source.FALLBACK_INTENT, "problem": problem}, status)


async def decide(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    console, staff = request.app.state.console, request.state.staff.username
    form = await request.form()
    key, decision = str(form.get("key", "")), str(form.get("decision", ""))
    intent = OUT_OF_SCOPE if decision == OUT_OF_SCOPE else str(form.get("intent", ""))
    if decision not in ("annotate", OUT_OF_SCOPE, "discard"):
        return await inbox_page(request, "Choose what to do with the message.", 400)
    if decision != "discard" and intent not in await run_in_threadpool(
            training_data.domain_intents):
        return await inbox_page(request, f"{intent[:64]!r} is not an intent of the domain.", 400)
    try:
        pending = await _pending(request, source.threshold())
    except ValueError as bad_setting:
        return error_page(request, 500, str(bad_setting))
    item = next((item for item in pending or [] if item.key == key), None)
    if item is None:
        flash(request, "That message is no longer in the inbox (perhaps a colleague "
                       "decided on it already).")
        return RedirectResponse(INBOX, 303)
    try:
        if decision == "discard":
            await console.run(inbox.discard, item, staff)
        else:
            await console.run(inbox.annotate, item, intent, staff)
    except inbox.AlreadyDecided as taken:
        flash(request, str(taken))
        return RedirectResponse(INBOX, 303)
    done = "discarded" if decision == "discard" else f"annotated as {intent}"
    await console.run(audit, staff, "nlu_discard" if decision == "discard" else "nlu_annotate",
                      detail=_detail(item, None if decision == "discard" else intent))
    flash(request, f"Message {done}.")
    return RedirectResponse(INBOX, 303)


async def annotated_page(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    decisions = await request.app.state.console.run(inbox.annotations)
    result = await _export(decisions)
    return render(request, "inbox_annotated.html", {
        "decisions": decisions, "export": result, "summary": export.summary(result),
        "export_path": EXPORT_PATH.relative_to(training_data.PROJECT_ROOT)})


async def put_back(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    console, staff = request.app.state.console, request.state.staff.username
    key = str((await request.form()).get("key", ""))
    if await console.run(inbox.put_back, key):
        await console.run(audit, staff, "nlu_put_back", detail=f"message {key[:12]}")
        flash(request, "Put back: the message is in the inbox again if people still write it.")
    else:
        flash(request, "There is no such decision (perhaps already put back).")
    return RedirectResponse(f"{INBOX}/annotated", 303)


async def download(request: Request) -> Response:
    if refused := _refused(request):
        return refused
    console, staff = request.app.state.console, request.state.staff.username
    result = await _export(await console.run(inbox.annotations, inbox.ANNOTATED))
    await console.run(audit, staff, "nlu_export", detail=f"{result.examples} examples (download)")
    lines = export.heading(staff) + [""] + export.summary(result)
    return Response(export.commented(lines, result.yaml), media_type="application/x-yaml",
                    headers={**NO_STORE,
                             "Content-Disposition": f'attachment; filename="{EXPORT_NAME}"'})


async def _pending(request: Request, under: float) -> list[Item] | None:
    """Messages waiting for a decision; None when Rasa's tracker store cannot be read."""
    console = request.app.state.console
    messages = await run_in_threadpool(source.unsure_messages, console.tracker_url, under)
    if messages is None:
        return None
    return await run_in_threadpool(inbox.items, messages, await console.run(inbox.decided_keys))


async def _export(decisions) -> export.Export:
    existing = await run_in_threadpool(training_data.existing_examples,
                                       training_data.DATA, EXPORT_PATH)
    return export.to_yaml(decisions, existing)


def _detail(item: Item, intent: str | None) -> str:
    """For the audit log: the decision, never the message (it may hold what masking missed)."""
    return f"{intent or 'discarded'} (predicted {item.intent}), message {item.key[:12]}"


routes = [
    Route("/inbox", inbox_page, methods=["GET"]),
    Route("/inbox/decide", decide, methods=["POST"]),
    Route("/inbox/annotated", annotated_page, methods=["GET"]),
    Route("/inbox/put-back", put_back, methods=["POST"]),
    Route("/inbox/export.yml", download, methods=["GET"]),
]
