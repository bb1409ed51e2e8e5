"""The dashboard: assessments per route per day (an inline SVG chart drawn here, no
script), open cases, median time to the first staff reply, and how often the bot did
not understand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.handoff import escalations
from bot.web.console.pages import ROUTES, label, render
from bot.web.console.tracker import understanding

DAYS = 14
# The chart's drawing area in SVG units (it scales to the page's width).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 700, 240, 34, 24, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    route: str  # a CSS class suffix: one of ROUTES or "other"
    title: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    days: list[tuple[float, str]]  # x of each day's label, and the label (every other day)
    totals: list[tuple[float, float, int]]  # x, y and the number above each day's bar
    top: int  # the count at the top of the scale
    total: int
    routes: list[str]  # the legend: routes that occur, in ROUTES order

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_top: int = TOP


def chart(per_day: dict[str, dict[str, int]]) -> Chart:
    """Stacked bars, one per day, one segment per route."""
    order = list(ROUTES) + sorted({r for day in per_day.values() for r in day} - set(ROUTES))
    top = _nice_top(max((sum(day.values()) for day in per_day.values()), default=0))
    slot = (WIDTH - LEFT) / max(len(per_day), 1)
    scale = (HEIGHT - BOTTOM - TOP) / top
    bars, days, totals = [], [], []
    for index, (day, routes) in enumerate(per_day.items()):
        x, y = LEFT + index * slot, HEIGHT - BOTTOM
        shown = date.fromisoformat(day)
        labelled = (len(per_day) - 1 - index) % 2 == 0  # today always
        days.append((x + slot / 2, shown.strftime("%d %b") if labelled else ""))
        for route in order:
            count = routes.get(route, 0)
            if count:
                y -= count * scale
                bars.append(Bar(round(x + slot * 0.15, 1), round(y, 1), round(slot * 0.7, 1),
                                round(count * scale, 1), route if route in ROUTES else "other",
                                f"{shown.strftime('%d %b')}: {count} {label(route, ROUTES)}"))
        if sum(routes.values()):
            totals.append((round(x + slot / 2, 1), round(y - 4, 1), sum(routes.values())))
    seen = {bar.route for bar in bars}
    return Chart(bars, days, totals, top, sum(sum(day.values()) for day in per_day.values()),
                 [route for route in list(ROUTES) + ["other"] if route in seen])


def _nice_top(largest: int) -> int:
    for top in (4, 10, 20, 50, 100, 200, 500, 1000):
        if largest <= top:
            return top
    return largest


async def dashboard(request: Request) -> Response:
    console = request.app.state.console
    per_day = await console.run(escalations.assessments_per_day, DAYS)
    since = datetime.now(timezone.utc) - timedelta(days=DAYS)
    read = await run_in_threadpool(understanding, console.tracker_url, since)
    return render(request, "dashboard.html", {
        "chart": chart(per_day), "per_day": per_day, "days": DAYS,
        "counts": await console.run(escalations.counts),
        "median_reply": await console.run(escalations.median_first_reply),
        "understanding": read, "routes": ROUTES})


routes = [Route("/dashboard", dashboard, methods=["GET"])]
