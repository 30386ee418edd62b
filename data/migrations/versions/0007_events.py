"""events calendar (promotions and other dated events; features and chart markers)

``events``: one row per (date, name, store); store NULL means every store.

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=128), nullable=True),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("date", "name", "store", name="uq_events_date_name_store"),
    )
    op.create_index("ix_events_date", "events", ["date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_date", table_name="events")
    op.drop_table("events")
