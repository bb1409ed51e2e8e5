"""A statistics file (CSV or JSON) read into figures, or refused whole.

CSV: a header line `region,confirmed,recovered,deaths,as_of,source` (any order), then one
line per region and day. JSON: a list of objects with those keys, or
{"statistics": [...]}. Either may start with a byte-order mark (Excel's "CSV UTF-8").

Nothing here writes: a caller stores the figures only when the whole file was read. An
error names where it is (CSV: the line, the header being line 1; JSON: the item, counted
from 1, and its line) and the field: `line 4: deaths must be a whole number ≥ 0, not 'abc'`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from bot.statistics.figures import FIELDS, Figures, read_figures, region_key
from bot.storage.models import utc_now

FORMATS = ("csv", "json")
MAX_ERRORS = 20  # enough to fix a file in one go, few enough to read
MAX_BYTES = 5 * 1024 * 1024  # a table of regions is a few kilobytes
_HEADER = ",".join(FIELDS)


class InvalidFile(ValueError):
    """The file was refused; `errors` says every reason found (at most MAX_ERRORS, then
    how many more)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def format_for(name: str) -> str | None:
    """"csv" or "json" from a file name's extension; None when it says neither."""
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def read_file(path: Path | str, fmt: str | None = None,
              now: datetime | None = None) -> list[Figures]:
    """The figures in the file at `path` (format from `fmt`, else its extension).
    Raises InvalidFile, or OSError when it cannot be read."""
    path = Path(path)
    with open(path, "rb") as handle:  # first: a missing file is the first thing to say
        content = handle.read(MAX_BYTES + 1)
    fmt = fmt or format_for(path.name)
    if fmt is None:
        raise InvalidFile(["cannot tell whether this is CSV or JSON from its name; name it "
                           ".csv or .json, or say --format csv|json"])
    return parse(content, fmt, now)


def parse(content: str | bytes, fmt: str, now: datetime | None = None) -> list[Figures]:
    """The figures in `content`, in the file's order; raises InvalidFile."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown statistics format {fmt!r} (csv or json)")
    if len(content) > MAX_BYTES:
        raise InvalidFile([f"the file is too large (at most {MAX_BYTES // 1024 // 1024} MB)"])
    text = _decode(content) if isinstance(content, bytes) else content.lstrip("\ufeff")
    if not text.strip():
        raise InvalidFile(["the file is empty"])
    errors = _Errors()
    rows = (_csv_rows if fmt == "csv" else _json_rows)(text, errors)
    figures = _checked(rows, now or utc_now(), errors)
    if not errors and not figures:
        errors.add("the file has no figures" + (" after its header line" if fmt == "csv" else ""))
    if errors:
        raise InvalidFile(errors.lines())
    return figures


class _Errors:
    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, error: str) -> None:
        self.found.append(error)

    def full(self) -> bool:
        return len(self.found) > MAX_ERRORS

    def lines(self) -> list[str]:
        more = len(self.found) - MAX_ERRORS
        return self.found[:MAX_ERRORS] + ([f"... and {more} more"] if more > 0 else [])

    def __bool__(self) -> bool:
        return bool(self.found)


# A row as read: where it is ("line 4", "item 2 (line 9)") and its values by field name.
Row = tuple[str, dict[str, Any]]


def _checked(rows: Iterator[Row], now: datetime, errors: _Errors) -> list[Figures]:
    figures: list[Figures] = []
    seen: dict[tuple[str, Any], str] = {}  # (region, day) -> where it was first
    for where, raw in rows:
        row, problems = read_figures(raw, now)
        for problem in problems:
            errors.add(f"{where}: {problem}")
        if row is not None:
            key = (region_key(row.region), row.as_of)
            if key in seen:
                errors.add(f"{where}: {row.region} on {row.as_of.isoformat()} is already on "
                           f"{seen[key]}")
            else:
                seen[key] = where
                figures.append(row)
        if errors.full():
            break  # the rest would not be shown; do not read a huge bad file to the end
    return figures


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise InvalidFile([f"line {line}: the file is not UTF-8 text (save it as "
                           f"\"CSV UTF-8\" or UTF-8 JSON)"]) from None


# ----- CSV -------------------------------------------------------------------------------

def _csv_rows(text: str, errors: _Errors) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    ended = 0  # the line the last row ended on: a quoted value may span lines
    try:
        header = next(reader, [])
        columns = [name.strip().lower() for name in header]
        if not _header_ok(columns, errors):
            return
        ended = reader.line_num
        for cells in reader:
            where, ended = f"line {ended + 1}", reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, often the last one
            if len(cells) != len(columns):
                errors.add(f"{where}: expected {len(columns)} values ({_HEADER}), "
                           f"found {len(cells)}")
                continue
            yield where, dict(zip(columns, cells))
    except csv.Error as error:
        why = ('a quote " is opened and never closed' if "end of data" in str(error) else
               str(error))
        errors.add(f"line {ended + 1}: this is not valid CSV ({why})")


def _header_ok(columns: list[str], errors: _Errors) -> bool:
    found = len(errors.found)
    if not any(columns):
        errors.add(f"line 1: the header line is missing; the first line must be {_HEADER}")
        return False
    for name in sorted({name for name in columns if columns.count(name) > 1}):
        errors.add(f"line 1: the column {name!r} is there twice")
    for name in columns:
        if name not in FIELDS:
            errors.add(f"line 1: unknown column {name[:40]!r} (the columns are {_HEADER})")
    for name in FIELDS:
        if name not in columns:
            errors.add(f"line 1: the column {name!r} is missing (the columns are {_HEADER})")
    return len(errors.found) == found


# ----- JSON ------------------------------------------------------------------------------

def _json_rows(text: str, errors: _Errors) -> Iterator[Row]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        errors.add(f"line {error.lineno}, column {error.colno}: this is not valid JSON "
                   f"({error.msg})")
        return
    except RecursionError:
        errors.add("this JSON is nested too deeply to be a list of figures")
        return
    items = document.get("statistics") if isinstance(document, dict) else document
    if not isinstance(items, list):
        errors.add('the file must hold a list of figures, or {"statistics": [...]}')
        return
    lines = _item_lines(text)
    if lines is None or len(lines) != len(items):
        lines = None  # could not place the items: their numbers still say which
    for number, item in enumerate(items, start=1):
        where = f"item {number}" + (f" (line {lines[number - 1]})" if lines else "")
        if not isinstance(item, dict):
            errors.add(f"{where}: expected an object with the keys {', '.join(FIELDS)}")
            continue
        unknown = [key for key in item if key not in FIELDS]
        if unknown:
            errors.add(f"{where}: unknown key {str(unknown[0])[:40]!r} (the keys are "
                       f"{', '.join(FIELDS)})")
            continue
        yield where, item


_SPACE = re.compile(r"[ \t\n\r]*")


def _item_lines(text: str) -> list[int] | None:
    """The line each item of the list of figures starts on, in a document json.loads
    accepted; None if the list is not where expected."""
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()

    def line_of() -> Callable[[int], int]:
        counted = {"at": 0, "line": 1}  # counting on from the last item: linear, not quadratic

        def line(i: int) -> int:
            counted["line"] += text.count("\n", counted["at"], i)
            counted["at"] = i
            return counted["line"]
        return line

    def array(i: int) -> list[int]:
        line, lines = line_of(), []
        i = skip(i + 1)
        while not text.startswith("]", i):
            lines.append(line(i))
            i = skip(decoder.raw_decode(text, i)[1])
            if text.startswith(",", i):
                i = skip(i + 1)
        return lines

    try:
        i = skip(0)
        if text.startswith("[", i):
            return array(i)
        found = None
        if text.startswith("{", i):
            i = skip(i + 1)
            while not text.startswith("}", i):
                key, i = decoder.raw_decode(text, i)
                i = skip(skip(i) + 1)  # the colon
                if key == "statistics" and text.startswith("[", i):
                    found = array(i)  # the last one counts, as for json.loads
                i = skip(decoder.raw_decode(text, i)[1])
                if text.startswith(",", i):
                    i = skip(i + 1)
        return found
    except (ValueError, IndexError, AttributeError):
        return None
