"""the upload history's rejection in every translated language

``uploads.error_texts``: ``{language: {"first": history cell, "full": tooltip}}`` written when a
rejection is recorded, so a pt-BR reader sees "linha 3, coluna 'data'" where the English record says
"row 3, column 'date'". ``uploads.error`` stays the English record (logs, support); uploads recorded
before this revision have no translations and show it.

Revision ID: 0013
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("error_texts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("error_texts")
