"""A case for handover: FHIR R4 QuestionnaireResponse JSON (a download), and a printable
page (the case page without its forms; print CSS)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.handoff import escalations
from bot.handoff.escalations import audit
from bot.handoff.fhir import questionnaire_response
from bot.web.console import transcript
from bot.web.console.cases import load_events
from bot.web.console.pages import NO_STORE, error_page, not_found, render


async def fhir_json(request: Request) -> Response:
    console, staff = request.app.state.console, request.state.staff
    case = await console.run(escalations.get_case, request.path_params["case_id"])
    if case is None:
        return not_found(request)
    if case.erased_at is not None:
        return error_page(request, 410, "This case was erased at the person's request: "
                                        "there is nothing of theirs to export.")
    events, problem = await load_events(request, case)
    if problem:  # a handover without the conversation would silently miss answers
        return error_page(request, 503, f"{problem} The export needs it; try again shortly.")
    document = questionnaire_response(case, events,
                                      await console.run(escalations.entries, case.id))
    await console.run(audit, staff.username, "export", case.id, "FHIR QuestionnaireResponse")
    name = f"case-{case.id}-questionnaire-response.json"
    return Response(json.dumps(document, indent=2, ensure_ascii=False),
                    media_type="application/fhir+json", headers={
                        **NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


async def printable(request: Request) -> Response:
    console, staff = request.app.state.console, request.state.staff
    case = await console.run(escalations.get_case, request.path_params["case_id"])
    if case is None:
        return not_found(request)
    events, problem = await load_events(request, case)
    await console.run(audit, staff.username, "export", case.id, "printable page")
    return render(request, "print.html", {
        "case": case, "lines": transcript.lines(events), "transcript_problem": problem,
        "result": transcript.result(case.assessment, events),
        "fact_value": transcript.fact_value,
        "entries": await console.run(escalations.entries, case.id)})


routes = [
    Route("/cases/{case_id:int}/export.json", fhir_json, methods=["GET"]),
    Route("/cases/{case_id:int}/print", printable, methods=["GET"]),
]
