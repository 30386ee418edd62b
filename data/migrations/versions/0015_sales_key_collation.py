"""bytewise (``C``) collation for the sales text keys on PostgreSQL

``sales.store``, ``sales.product`` and ``sales.category`` compare bytewise on PostgreSQL: building
and searching their indexes then sorts by ``memcmp`` with abbreviated keys instead of a language
collation's rules (the index builds of a first load are most of its time; measured on an ICU
``pt-BR`` database with a chain's names, the primary key built 2.0× faster, ``ix_sales_product_date``
1.3×, ``ix_sales_category_store_date`` 1.2×), and rows sorted by Python (code point order = UTF-8
byte order) arrive in primary-key order. Equality is the same in every deterministic collation,
so lookups and joins with the catalogue tables (which keep the database collation, and with it
the order users see) answer exactly as before; the one query that orders by a sales text column
asks for the database collation (``data.queries.store_reporting``). The columns' type does not
change, so PostgreSQL rewrites no row; it rebuilds the indexes on these columns. SQLite (always
bytewise) is unchanged.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KEY_COLUMNS = ("store", "product", "category")


def _collate(collation: str) -> None:
    """Give the sales text keys ``collation`` in one statement (each index is rebuilt once)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    changes = ", ".join(f'ALTER COLUMN {c} TYPE varchar(128) COLLATE "{collation}"' for c in KEY_COLUMNS)
    op.execute(f"ALTER TABLE sales {changes}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
