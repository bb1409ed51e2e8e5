"""NLU inbox: trainers' annotations of messages the assistant was unsure about.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("predicted_intent", sa.String(64), nullable=True),
        sa.Column("annotated_by", sa.String(64), nullable=False),
        sa.Column("annotated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_nlu_annotations_annotated_at", "nlu_annotations", ["annotated_at"])


def downgrade() -> None:
    op.drop_table("nlu_annotations")
