"""Write transactions that take the database's write lock at their start."""

from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.storage import Database


@contextlib.contextmanager
def write_session(db: Database) -> Iterator[Session]:
    """A Session in one transaction, committed at the end (rolled back on an error).

    On SQLite the write lock is taken first (BEGIN IMMEDIATE): a transaction that reads
    and then writes fails at once if another writer (Rasa shares the file) committed in
    between; taking the lock first makes it wait its turn instead."""
    with db.session() as session, session.begin():
        begin_write(session.connection())
        yield session


@contextlib.contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Connection in one write transaction (see write_session), committed at the end."""
    with engine.connect() as connection:
        with connection.begin():
            begin_write(connection)
            yield connection


def begin_write(connection: Connection) -> None:
    # pysqlite has not sent BEGIN yet (it does so lazily before the first write).
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
