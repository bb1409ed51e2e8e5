"""`python -m bot.cli staff ...`: staff accounts for the console.

    staff add USERNAME --role nurse|doctor|trainer|admin [--password-stdin]
    staff list
    staff passwd USERNAME [--password-stdin]

Passwords are asked twice (never echoed), or read from the first line of standard input
with --password-stdin (for scripts). Errors are one line on stderr, with exit code 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import warnings
from datetime import datetime, timezone
from typing import Callable

# bot.handoff.staff and the database are imported in the handlers: they take half a
# second to load, and the other commands of bot.cli need neither.


def add_staff_commands(subparsers) -> None:
    """Register `staff` (with add, list and passwd) on bot.cli's sub-command parsers."""
    staff = subparsers.add_parser("staff", help="manage staff accounts for the console",
                                  description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = staff.add_subparsers(dest="staff_command", metavar="{add,list,passwd}",
                                    required=True)

    add = commands.add_parser("add", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", required=True, metavar="nurse|doctor|trainer|admin")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.set_defaults(handler=staff_add)

    listing = commands.add_parser("list", help="list staff accounts")
    listing.set_defaults(handler=staff_list)

    passwd = commands.add_parser("passwd", help="set a new password (also unlocks the account)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    passwd.set_defaults(handler=staff_passwd)


def staff_add(args: argparse.Namespace) -> int:
    def add(db, staff) -> str:
        # The mistakes that are likely, before asking for a password.
        if args.role not in staff.ROLES:
            raise staff.StaffError(f"The role must be one of: {', '.join(staff.ROLES)}.")
        if staff.find_staff(db, args.username) is not None:
            raise staff.StaffError(
                f"There is already a staff account named {args.username.strip().lower()!r}.")
        user = staff.add_staff(db, args.username, _read_password(args), args.role)
        return f"Added {user.role} account {user.username!r}."

    return _run(add)


def staff_list(args: argparse.Namespace) -> int:
    def listing(db, staff) -> str:
        users = staff.list_staff(db)
        if not users:
            return ("No staff accounts yet. Add one with: "
                    "python -m bot.cli staff add NAME --role nurse")
        now = datetime.now(timezone.utc)
        rows = [("USERNAME", "ROLE", "LAST LOGIN", "LOCKED UNTIL")] + [
            (u.username, u.role, _when(u.last_login_at),
             _when(u.locked_until) if u.locked_until and _utc(u.locked_until) > now else "-")
            for u in users]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                         for row in rows)

    return _run(listing)


def staff_passwd(args: argparse.Namespace) -> int:
    def passwd(db, staff) -> str:
        if staff.find_staff(db, args.username) is None:  # before asking for a password
            raise staff.StaffError(f"There is no staff account named {args.username!r}.")
        staff.set_password(db, args.username, _read_password(args))
        return f"Changed the password of {args.username.strip().lower()!r}."

    return _run(passwd)


class _Cancelled(Exception):
    pass


def _run(action: Callable) -> int:
    """Open the database, run `action(db, staff_module)`, print its result or one error line."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.handoff import staff
    from bot.settings import Settings
    from bot.storage import Database

    try:
        db = Database(Settings.from_env().database_url)
        db.migrate()
        print(action(db, staff))
        return 0
    except (staff.StaffError, _Cancelled, ValueError) as error:  # ValueError: bad settings
        print(error, file=sys.stderr)
    except (SQLAlchemyError, OSError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"Cannot use the database: {detail[0] if detail else type(error).__name__}",
              file=sys.stderr)
    return 1


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        with warnings.catch_warnings():
            # getpass falls back to an echoing prompt without a terminal: refuse instead.
            warnings.simplefilter("error", getpass.GetPassWarning)
            password = getpass.getpass("New password: ")
            if getpass.getpass("Repeat it: ") != password:
                raise _Cancelled("The passwords do not match; nothing was changed.")
    except getpass.GetPassWarning:
        raise _Cancelled("There is no terminal to ask for the password; "
                         "use --password-stdin.") from None
    except (EOFError, KeyboardInterrupt):
        raise _Cancelled("Cancelled; nothing was changed.") from None
    return password


def _when(moment: datetime | None) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
