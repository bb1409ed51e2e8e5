"""What the assistant says when asked for the official figures. Pure: the figures, the
region asked and the time come in, the texts to say go out (keys of bot/texts/en/
statistics.yml with their values), so every case is tested without a database or Rasa.

When figures are "older than 48 hours": figures as of day D count everything up to the
end of D, so their age is measured from the end of D in UTC (D+1 00:00 UTC); they are
stale once more than 48 hours have passed since then, i.e. from just after D+3 00:00 UTC.
Measuring from the end of the day is the lenient reading: figures are never called old
while the day they describe could still be going on somewhere it matters (China, UTC+8,
ends its day before UTC does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Sequence

from bot.statistics.figures import Figures, region_key
from bot.statistics.regions import RegionAsked, region_name

STALE_AFTER = timedelta(hours=48)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

NO_FIGURES, UNKNOWN_REGION, FIGURES = "no_figures", "unknown_region", "figures"


@dataclass(frozen=True)
class Answer:
    kind: str  # NO_FIGURES | UNKNOWN_REGION | FIGURES
    figures: Figures | None = None  # what to quote (FIGURES)
    stale: bool = False  # the quoted figures are older than STALE_AFTER
    place: str | None = None  # the place asked about that has no figures (UNKNOWN_REGION)
    # UNKNOWN_REGION: every region with figures; FIGURES with no region asked: the others.
    regions: tuple[str, ...] = field(default_factory=tuple)


def figures_end(as_of: date) -> datetime:
    """When figures as of `as_of` stop describing the present: the end of that day, UTC."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=timezone.utc)


def is_stale(as_of: date, now: datetime) -> bool:
    """More than 48 hours since the end of the figures' day (exactly 48 h is not stale)."""
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return now - figures_end(as_of) > STALE_AFTER


def answer(latest: Sequence[Figures], asked: RegionAsked | str | None, now: datetime,
           default_region: str | None = None) -> Answer:
    """The answer to "how many cases in <asked>" (or "latest numbers" when asked is None
    or names nothing), from each region's newest figures.

    With no region asked: `default_region` (the deployment's STATISTICS_DEFAULT_REGION)
    if there are figures for it, else the region with the most confirmed cases, usually
    the national total; the answer then mentions the other regions one can ask about."""
    if isinstance(asked, str) or asked is None:
        asked = RegionAsked(region=asked)
    if not latest:
        return Answer(NO_FIGURES, place=asked.region or asked.unknown)
    if asked.region or asked.unknown:
        figures = _find(latest, asked.region) if asked.region else None
        if figures is None:
            return Answer(UNKNOWN_REGION, place=asked.region or asked.unknown,
                          regions=_names(latest))
        return Answer(FIGURES, figures, is_stale(figures.as_of, now))
    figures = _find(latest, default_region) or min(
        latest, key=lambda row: (-row.confirmed, region_key(row.region)))
    others = tuple(name for name in _names(latest) if name != figures.region)
    return Answer(FIGURES, figures, is_stale(figures.as_of, now), regions=others)


# How a list of regions is joined, by language.
LIST_SEPARATORS = {"en": ", ", "zh": "、"}


def replies(result: Answer, language: str = "en") -> list[tuple[str, dict[str, str]]]:
    """What to say, in order: (text key, values for its placeholders), the dates and lists
    written for `language` ("en" or "zh"; numbers are "1,234" in both), and regions named
    in it (北京 for "Beijing" in "zh", as stored when region_names.yml has no name)."""
    separator = LIST_SEPARATORS.get(language, LIST_SEPARATORS["en"])

    def join(regions: Iterable[str]) -> str:
        return separator.join(region_name(region, language) for region in regions)

    if result.kind == NO_FIGURES:
        return [("statistics_none", {})]
    if result.kind == UNKNOWN_REGION:
        return [("statistics_unknown_region", {
            "place": region_name(result.place, language) if result.place else "",
            "regions": join(result.regions)})]
    figures = result.figures
    assert figures is not None
    said = [("statistics_figures_one_death" if figures.deaths == 1 else "statistics_figures", {
        "region": region_name(figures.region, language), "confirmed": f"{figures.confirmed:,}",
        "recovered": f"{figures.recovered:,}", "deaths": f"{figures.deaths:,}",
        "as_of": spoken_date(figures.as_of, language), "source": figures.source})]
    if result.stale:
        said.append(("statistics_stale", {"as_of": spoken_date(figures.as_of, language)}))
    if result.regions:
        said.append(("statistics_other_regions", {"regions": join(result.regions)}))
    return said


def text_keys() -> set[str]:
    """Every key `replies` can use (for the texts catalogue's test)."""
    return {"statistics_none", "statistics_unknown_region", "statistics_figures",
            "statistics_figures_one_death", "statistics_stale", "statistics_other_regions"}


def spoken_date(day: date, language: str = "en") -> str:
    """25 November 2026: no 11/25 versus 25/11 doubt; in Chinese 2026年11月25日."""
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _find(latest: Iterable[Figures], region: str | None) -> Figures | None:
    if not region:
        return None
    key = region_key(region)
    return next((row for row in latest if region_key(row.region) == key), None)


def _names(latest: Iterable[Figures]) -> tuple[str, ...]:
    return tuple(sorted((row.region for row in latest), key=region_key))
