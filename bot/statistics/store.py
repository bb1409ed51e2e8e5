"""The official statistics table: the newest figures per region, and changes to it.

A region is one region however it is capitalised: figures for "beijing" update
"Beijing", and the spelling saved last becomes the region's name on all its rows (so a
staff member can correct "beijing" to "Beijing"). One row per region and day: saving a
day that is there already replaces its figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.statistics.figures import Figures, Problem, read_figures, region_key
from bot.storage import Database
from bot.storage.models import OfficialStatistic, utc_now


class StatisticsError(ValueError):
    """The figures were refused; `problems` says why, field by field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    rows: int
    new: int
    updated: int


def latest_figures(db: Database) -> list[Figures]:
    """Each region's newest figures, by region name."""
    newest = (select(OfficialStatistic.region, func.max(OfficialStatistic.as_of).label("as_of"))
              .group_by(OfficialStatistic.region).subquery())
    query = select(OfficialStatistic).join(newest, and_(
        OfficialStatistic.region == newest.c.region, OfficialStatistic.as_of == newest.c.as_of))
    with db.session() as session:
        rows = [_figures(row) for row in session.scalars(query)]
    return sorted(rows, key=lambda row: region_key(row.region))


def latest_for(db: Database, region: str) -> Figures | None:
    """One region's newest figures, the name matched whatever its case and spacing."""
    key = region_key(region)
    return next((row for row in latest_figures(db) if region_key(row.region) == key), None)


def regions(db: Database) -> list[str]:
    """The regions there are figures for, by name."""
    return [row.region for row in latest_figures(db)]


def save_figures(db: Database, raw: Mapping[str, Any], by: str,
                 now: datetime | None = None) -> tuple[Figures, bool]:
    """One region's figures for one day, as typed in the console form (strings), checked
    and stored: (the figures, True if new or False if they replaced that day's). Raises
    StatisticsError with every problem."""
    now = now or utc_now()
    figures, problems = read_figures(raw, now)
    if figures is None:
        raise StatisticsError(problems)
    result = import_figures(db, [figures], by, now)
    return figures, result.new == 1


def import_figures(db: Database, rows: Iterable[Figures], by: str,
                   now: datetime | None = None) -> ImportResult:
    """Store every row (already checked, e.g. by bot.statistics.importer) in one
    transaction: all of them, or, on any failure, none. A (region, day) already there
    is updated."""
    rows, now = list(rows), now or utc_now()
    new = 0
    try:
        with db.session() as session, session.begin():
            names = _region_names(session)
            for row in rows:
                new += _upsert(session, row, by, now, names)
    except IntegrityError:  # someone saved the same region and day at the same moment
        raise StatisticsError([Problem("region", (
            "someone else changed these figures at the same moment; nothing was saved, "
            "please try again"))]) from None
    return ImportResult(rows=len(rows), new=new, updated=len(rows) - new)


def _region_names(session: Session) -> dict[str, str]:
    """region_key -> the name as stored."""
    return {region_key(name): name for name in session.scalars(
        select(OfficialStatistic.region).distinct())}


def _upsert(session: Session, row: Figures, by: str, now: datetime,
            names: dict[str, str]) -> int:
    """1 if the row is new, 0 if it updated that region's figures for that day."""
    key = region_key(row.region)
    stored_name = names.get(key)
    if stored_name is not None and stored_name != row.region:
        session.execute(update(OfficialStatistic)
                        .where(OfficialStatistic.region == stored_name)
                        .values(region=row.region)
                        .execution_options(synchronize_session="fetch"))
    names[key] = row.region
    existing = session.scalars(select(OfficialStatistic).where(
        OfficialStatistic.region == row.region, OfficialStatistic.as_of == row.as_of)).first()
    values = dict(region=row.region, confirmed=row.confirmed, recovered=row.recovered,
                  deaths=row.deaths, as_of=row.as_of, source=row.source, updated_by=by,
                  updated_at=now)
    if existing is None:
        session.add(OfficialStatistic(**values))
        session.flush()  # a duplicate shows here, inside the transaction
        return 1
    for name, value in values.items():
        setattr(existing, name, value)
    return 0


def _figures(row: OfficialStatistic) -> Figures:
    return Figures(region=row.region, confirmed=row.confirmed, recovered=row.recovered,
                   deaths=row.deaths, as_of=row.as_of, source=row.source,
                   updated_by=row.updated_by, updated_at=row.updated_at)
