"""The hospital staff console, served by the web app under /console.

    GET  /console/login                     sign-in page          POST: sign in
    POST /console/logout                    sign out
    GET  /console/                          the queue (?status=&route=&since=&until=)
    GET  /console/cases/<id>                a case: transcript, assessment, notes, audit trail
    POST /console/cases/<id>/claim|note|reply|close
    GET  /console/cases/<id>/export.json    FHIR R4 QuestionnaireResponse (download)
    GET  /console/cases/<id>/print          printable case
    GET  /console/dashboard                 figures and the assessments chart
    GET  /console/audit                     the audit log (administrators)
    GET  /console/inbox                     the NLU inbox (trainers, administrators; see inbox.py)
    GET  /console/statistics                official figures per region; POST .../save|import

Everything but the sign-in page needs a signed-in staff member, and every POST the
form's CSRF token (guard.ConsoleGuard). Staff accounts: `python -m bot.cli staff add`.
"""

from starlette.middleware import Middleware
from starlette.routing import Mount

from bot.web.console import audit, auth, cases, dashboard, export, inbox, statistics
from bot.web.console.guard import PREFIX, ConsoleGuard
from bot.web.console.state import Console

routes = [*auth.routes, *cases.routes, *export.routes, *dashboard.routes, *audit.routes,
          *inbox.routes, *statistics.routes]


def mount() -> Mount:
    return Mount(PREFIX, routes=routes, middleware=[Middleware(ConsoleGuard)])


__all__ = ["Console", "mount", "routes"]
