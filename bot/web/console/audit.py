"""The audit log of staff actions, for administrators (each case page shows its own)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.handoff import escalations
from bot.web.console.pages import error_page, render

LIMIT = 500


async def audit_log(request: Request) -> Response:
    if request.state.staff.role != "admin":
        return error_page(request, 403, "Only administrators can see the audit log.")
    case = request.query_params.get("case", "")
    case_id = int(case) if case.isdigit() else None
    return render(request, "audit.html", {
        "entries": await request.app.state.console.run(escalations.audit_entries, case_id, LIMIT),
        "case_id": case_id, "limit": LIMIT})


routes = [Route("/audit", audit_log, methods=["GET"])]
