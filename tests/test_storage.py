"""Assessments are stored through SQLAlchemy, with the schema from Alembic, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.storage import Database
from tests.fixtures.databases import require_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'assistant.db'}")
        return
    yield Database(require_postgres())


def test_migrations_create_our_table_and_are_idempotent(database):
    database.migrate()
    database.migrate()
    tables = inspect(database.engine).get_table_names()
    assert "assessments" in tables and "assistant_alembic_version" in tables


def test_an_assessment_round_trips(database):
    database.migrate()
    sender = f"test-{uuid.uuid4()}"
    database.save_assessment(
        sender_id=sender, channel="rest", facts={"fever": True, "temperature_c": 38.33},
        route="fever_clinic", rules=["R-F1", "R-F2"], reasons=["a", "b"], protocol_version="1.0.0")
    (record,) = database.assessments_for(sender)
    assert record.facts == {"fever": True, "temperature_c": 38.33}
    assert record.route == "fever_clinic" and record.rules == ["R-F1", "R-F2"]
    assert record.protocol_version == "1.0.0" and record.created_at is not None


def test_migrations_leave_rasa_tables_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with create_engine(url).begin() as connection:
        connection.execute(text("create table events (id integer primary key, data text)"))
        connection.execute(text("insert into events (data) values ('rasa')"))
    Database(url).migrate()
    with create_engine(url).connect() as connection:
        assert connection.execute(text("select data from events")).scalar() == "rasa"
