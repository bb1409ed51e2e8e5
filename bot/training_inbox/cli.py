"""`python -m bot.cli nlu export`: the NLU inbox's annotated messages as Rasa training
data, for review in git.

    nlu export [--output data/nlu/inbox.yml] [--data data]
               --output -   writes to standard output
               --data       the training data to leave out examples of

The file is written whole each time, from every annotation so far (discarded messages
are not in it); examples the rest of data/ already has are left out and listed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "nlu" / "inbox.yml"


def add_nlu_commands(subparsers) -> None:
    """Register `nlu export` on bot.cli's sub-command parsers."""
    nlu = subparsers.add_parser("nlu", help="the NLU inbox: export trainers' annotations",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = nlu.add_subparsers(dest="nlu_command", metavar="{export}", required=True)
    export = commands.add_parser("export", help="write annotated messages as Rasa NLU YAML")
    export.add_argument("--output", default=str(DEFAULT_OUTPUT),
                        help="where to write (default: data/nlu/inbox.yml; - for stdout)")
    export.add_argument("--data", default=str(PROJECT_ROOT / "data"),
                        help="the training data whose examples are left out (default: data/)")
    export.set_defaults(handler=nlu_export)


def nlu_export(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.handoff.escalations import audit
    from bot.settings import Settings
    from bot.storage import Database
    from bot.training_inbox import export, inbox, training_data

    to_stdout = args.output == "-"
    output = None if to_stdout else Path(args.output)
    try:
        db = Database(Settings.from_env().database_url)
        db.migrate()
        existing = training_data.existing_examples(Path(args.data), leave_out=output)
        result = export.to_yaml(inbox.annotations(db, inbox.ANNOTATED), existing)
        text = export.commented(export.heading(_who()), result.yaml)
        if output is None:
            sys.stdout.write(text)
        elif _unchanged(output, result.yaml):  # untouched: no retraining for nothing
            print(f"{_shown(output)} already has these examples; not written again.")
            return 0
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        audit(db, _who(), "nlu_export",
              detail=f"{result.examples} examples to {args.output}")
    except (SQLAlchemyError, OSError, ValueError) as error:  # ValueError: bad settings
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"Cannot export: {detail[0] if detail else type(error).__name__}", file=sys.stderr)
        return 1
    where = "standard output" if output is None else _shown(output)
    print("\n".join([f"Wrote to {where}:", *export.summary(result)]),
          file=sys.stderr if to_stdout else sys.stdout)
    return 0


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no name for this user id (some containers)
        return "cli"


def _unchanged(output: Path, body: str) -> bool:
    """The file has the same data, only its heading (comments) differs."""
    if not output.is_file():
        return False
    lines = output.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("#")) == body


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
