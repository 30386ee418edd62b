"""per-token API rate limit counted by the whole cluster

``rate_windows``: one row per rate-limit key holding the request times inside the last minute, read
and written under a row lock, so that on PostgreSQL the workers of every host count together (the
limit was per host: N hosts let a token make N times its limit).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("times", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
