"""Connection to the assistant's database (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import AssessmentRecord

MIGRATIONS = Path(__file__).with_name("migrations")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring our tables to the latest schema (safe to run at every start)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def session(self) -> Session:
        return self._sessions()

    def save_assessment(self, *, sender_id: str, channel: str, facts: Mapping[str, Any],
                        route: str, rules: list[str], reasons: list[str],
                        protocol_version: str) -> AssessmentRecord:
        record = AssessmentRecord(
            sender_id=sender_id, channel=channel, facts=dict(facts), route=route,
            rules=list(rules), reasons=list(reasons), protocol_version=protocol_version,
        )
        with self.session() as session, session.begin():
            session.add(record)
        return record

    def assessments_for(self, sender_id: str) -> list[AssessmentRecord]:
        with self.session() as session:
            query = select(AssessmentRecord).where(AssessmentRecord.sender_id == sender_id)
            return list(session.scalars(query.order_by(AssessmentRecord.id)))


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # Rasa writes the same file: let readers and a writer coexist
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)
