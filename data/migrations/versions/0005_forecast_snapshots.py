"""published forecast snapshots (the archive of what was forecast, and the serving store)

``forecast_snapshots``: one row per published snapshot of a level; its points are a Parquet file.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.Date(), nullable=False),
        sa.Column("freq", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("n_series", sa.Integer(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_forecast_snapshots_level_created", "forecast_snapshots", ["level", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_snapshots_level_created", table_name="forecast_snapshots")
    op.drop_table("forecast_snapshots")
