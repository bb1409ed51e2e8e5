"""`python -m bot.cli stats ...`: the official statistics the assistant quotes.

    stats import FILE [--format csv|json]
    stats list

FILE is CSV with the header line region,confirmed,recovered,deaths,as_of,source, or JSON:
a list of objects with those keys, or {"statistics": [...]}. The format comes from the
file's extension unless --format says it. A region and day already in the table is
updated. A file with any mistake is refused whole, every mistake listed with its line:
nothing is imported.

Exit codes: 0 done; 1 the file was refused or the database cannot be used; 2 the file
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

# The database and SQLAlchemy are imported in the handlers: the other commands of bot.cli
# need neither.

IMPORTED_BY = "cli"  # updated_by and the audit log's actor for figures imported here
NOT_READABLE = 2


def add_statistics_commands(subparsers) -> None:
    """Register `stats` (with import and list) on bot.cli's sub-command parsers."""
    stats = subparsers.add_parser("stats", help="the official statistics the assistant quotes",
                                  description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = stats.add_subparsers(dest="stats_command", metavar="{import,list}",
                                    required=True)

    importing = commands.add_parser("import", help="import figures from a CSV or JSON file")
    importing.add_argument("file")
    importing.add_argument("--format", choices=("csv", "json"), default=None,
                           help="the file's format (default: from its extension)")
    importing.set_defaults(handler=stats_import)

    listing = commands.add_parser("list", help="each region's latest figures")
    listing.set_defaults(handler=stats_list)


def stats_import(args: argparse.Namespace) -> int:
    from bot.statistics import importer

    path = Path(args.file)
    try:
        rows = importer.read_file(path, args.format)
    except FileNotFoundError:
        print(f"There is no file {args.file!r}.", file=sys.stderr)
        return NOT_READABLE
    except IsADirectoryError:
        print(f"{args.file!r} is a folder, not a file.", file=sys.stderr)
        return NOT_READABLE
    except OSError as error:
        print(f"Cannot read {args.file!r}: {error.strerror or error}", file=sys.stderr)
        return NOT_READABLE
    except importer.InvalidFile as refused:
        for line in refused.errors:
            print(f"{path.name}: {line}", file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
        return 1

    def save(db) -> str:
        from bot.handoff.escalations import audit
        from bot.statistics import store

        result = store.import_figures(db, rows, IMPORTED_BY)
        done = f"{result.rows} row{'' if result.rows == 1 else 's'} ({result.new} new, {result.updated} updated)"
        audit(db, IMPORTED_BY, "statistics_import", detail=f"{done} from {path.name}")
        return f"Imported {done} from {args.file}"

    return _run(save)


def stats_list(args: argparse.Namespace) -> int:
    def listing(db) -> str:
        from bot.statistics import answers, store

        latest = store.latest_figures(db)
        if not latest:
            return ("No official figures yet. Import some with: "
                    "python -m bot.cli stats import FILE.csv")
        now = datetime.now(timezone.utc)
        rows = [("REGION", "CONFIRMED", "RECOVERED", "DEATHS", "AS OF", "SOURCE")] + [
            (row.region, f"{row.confirmed:,}", f"{row.recovered:,}", f"{row.deaths:,}",
             row.as_of.isoformat() + (" (stale)" if answers.is_stale(row.as_of, now) else ""),
             row.source) for row in latest]
        widths = [max(len(row[i]) for row in rows) for i in range(6)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                         for row in rows)

    return _run(listing)


def _run(action: Callable) -> int:
    """Open the database, run `action(db)`, print its result or one error line."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.settings import Settings
    from bot.statistics.store import StatisticsError
    from bot.storage import Database

    try:
        db = Database(Settings.from_env().database_url)
        db.migrate()
        print(action(db))
        return 0
    except StatisticsError as refused:
        print(f"Nothing was imported: {refused}.", file=sys.stderr)
    except ValueError as error:  # bad settings
        print(error, file=sys.stderr)
    except (SQLAlchemyError, OSError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"Cannot use the database: {detail[0] if detail else type(error).__name__}",
              file=sys.stderr)
    return 1
