"""replaced_sales: the previous value of every key an import replaced, so an upload can be undone

Each import writes, in its own transaction, one row per (date, store, product) key whose value it
changed: the old category, revenue, units and the upload that had written them. Undoing an upload
puts those values back and deletes the keys it added. ``uploads`` gains ``keeps_replaced`` (false
for uploads imported before this revision: they cannot be undone), ``undone_at``, ``undone_by`` and
``rows_undone`` (what the undo changed, counted by the retraining gate).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replaced_sales",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=128), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("units", sa.Float(), nullable=True),
        sa.Column("previous_upload_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"]),
        sa.ForeignKeyConstraint(["previous_upload_id"], ["uploads.id"]),
        sa.PrimaryKeyConstraint("upload_id", "store", "product", "date"),
    )
    op.create_index(
        "ix_replaced_sales_previous_upload_id", "replaced_sales", ["previous_upload_id"], unique=False
    )
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.add_column(
            sa.Column("keeps_replaced", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("undone_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("rows_undone", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.drop_column("rows_undone")
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("keeps_replaced")
    op.drop_index("ix_replaced_sales_previous_upload_id", table_name="replaced_sales")
    op.drop_table("replaced_sales")
