"""live-accuracy drift flags (one row per level: the serving version's verdict)

Revision ID: 0009
Revises: 0008 (relinked after merging branch i18n; the lead relinks the chain again at merge time)
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_flags",
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("level"),
    )


def downgrade() -> None:
    op.drop_table("drift_flags")
