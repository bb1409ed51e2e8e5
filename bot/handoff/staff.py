"""Staff accounts: argon2 password hashes, and a lockout after repeated failed logins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from bot.storage import Database
from bot.storage.models import StaffUser, utc_now

ROLES = ("nurse", "doctor", "trainer", "admin")  # trainers: the NLU inbox
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class StaffError(ValueError):
    """A bad account request; the message says what to change."""


@dataclass(frozen=True)
class Login:
    user: StaffUser | None  # None: refused
    locked_until: datetime | None = None  # set when refused because of the lockout


def add_staff(db: Database, username: str, password: str, role: str) -> StaffUser:
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise StaffError("A username is 2-64 lowercase letters, digits, '.', '_' or '-'.")
    if role not in ROLES:
        raise StaffError(f"The role must be one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"The password must have at least {MIN_PASSWORD} characters.")
    with db.session() as session, session.begin():
        if session.scalars(select(StaffUser).where(StaffUser.username == username)).first():
            raise StaffError(f"There is already a staff account named {username!r}.")
        user = StaffUser(username=username, password_hash=_hasher.hash(password), role=role,
                         failed_logins=0)
        session.add(user)
    return user


def set_password(db: Database, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"The password must have at least {MIN_PASSWORD} characters.")
    with db.session() as session, session.begin():
        user = _find(session, username)
        if user is None:
            raise StaffError(f"There is no staff account named {username!r}.")
        user.password_hash = _hasher.hash(password)
        user.failed_logins, user.locked_until = 0, None


def find_staff(db: Database, username: str) -> StaffUser | None:
    with db.session() as session:
        return _find(session, username)


def list_staff(db: Database) -> list[StaffUser]:
    with db.session() as session:
        return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def authenticate(db: Database, username: str, password: str,
                 now: datetime | None = None) -> Login:
    """Check a login; count failures and lock the account for LOCKOUT after too many."""
    now = now or utc_now()
    with db.session() as session, session.begin():
        user = _find(session, username)
        if user is None:
            _verify(_DUMMY_HASH, password)
            return Login(None)
        if user.locked_until is not None and _aware(user.locked_until) > now:
            return Login(None, _aware(user.locked_until))
        if not _verify(user.password_hash, password):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                return Login(None, user.locked_until)
            return Login(None)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return Login(user)


def _find(session, username: str) -> StaffUser | None:
    return session.scalars(
        select(StaffUser).where(StaffUser.username == (username or "").strip().lower())).first()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
