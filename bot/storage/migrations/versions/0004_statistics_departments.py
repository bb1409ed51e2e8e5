"""Official statistics; the online-consultation department of a case.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "official_statistics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("confirmed", sa.Integer, nullable=False),
        sa.Column("recovered", sa.Integer, nullable=False),
        sa.Column("deaths", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("region", "as_of", name="uq_official_statistics_region_as_of"),
    )
    op.create_index("ix_official_statistics_region", "official_statistics", ["region"])
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("department", sa.String(32), nullable=True))
        batch.create_index("ix_escalations_department", ["department"])


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index("ix_escalations_department")
        batch.drop_column("department")
    op.drop_table("official_statistics")
