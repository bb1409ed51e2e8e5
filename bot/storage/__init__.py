"""Our own tables (not Rasa's), through SQLAlchemy; schema changes through Alembic."""

from bot.storage.database import Database
from bot.storage.models import AssessmentRecord

__all__ = ["AssessmentRecord", "Database"]
