"""series catalogue and search indexes for a million series

``store_products``: one row per (store, product) with sales, filled from ``sales`` here and kept in
step by imports and undos; what a store carries is then an index range, not a ``DISTINCT`` over the
store's sales rows. ``ix_products_category_product`` lists a category's products in name order. On
PostgreSQL with the ``pg_trgm`` extension available, trigram indexes on ``lower(name)`` serve the
pickers' substring search (``LIKE '%term%'``); without it the search still works, by a scan.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

# (index name, table, column) of the PostgreSQL trigram indexes.
TRIGRAM_INDEXES = (
    ("ix_products_product_trgm", "products", "product"),
    ("ix_stores_store_trgm", "stores", "store"),
    ("ix_store_products_product_trgm", "store_products", "product"),
)


def upgrade() -> None:
    op.create_table(
        "store_products",
        sa.Column("store", sa.String(length=128), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("store", "product"),
    )
    op.execute(
        "INSERT INTO store_products (store, product, category) "
        "SELECT store, product, MIN(category) FROM sales GROUP BY store, product"
    )
    op.create_index("ix_store_products_product_store", "store_products", ["product", "store"])
    op.create_index(
        "ix_store_products_store_category_product", "store_products", ["store", "category", "product"]
    )
    op.create_index("ix_products_category_product", "products", ["category", "product"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigram_available(bind):
        try:
            with bind.begin_nested():  # a role that may not create extensions: search by scan
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return
        for name, table, column in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (lower({column}) gin_trgm_ops)")


def _trigram_available(bind: sa.Connection) -> bool:
    """pg_trgm is installed or installable (it ships with PostgreSQL's contrib modules)."""
    return bool(
        bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    )


def downgrade() -> None:
    for name, _, _ in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_products_category_product", table_name="products")
    op.drop_index("ix_store_products_store_category_product", table_name="store_products")
    op.drop_index("ix_store_products_product_store", table_name="store_products")
    op.drop_table("store_products")
