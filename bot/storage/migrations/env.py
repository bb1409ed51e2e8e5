"""Alembic environment: migrates only our tables, never Rasa's."""

from alembic import context
from sqlalchemy import create_engine

from bot.storage.models import Base

config = context.config
OUR_TABLES = set(Base.metadata.tables)


def include_object(obj, name, type_, reflected, compare_to):
    return type_ != "table" or name in OUR_TABLES


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # command-line use: `alembic -c bot/storage/alembic.ini upgrade head`
        with create_engine(config.get_main_option("sqlalchemy.url")).begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      include_object=include_object, version_table="assistant_alembic_version")
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
