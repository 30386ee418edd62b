"""PostgreSQL at scale: rows staged by COPY arrive exactly, a first load builds the sales indexes after
the rows and leaves the same schema (or, when it fails, nothing), and the pickers' search is indexed."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from data.queries import search_products, search_stores
from data.schema import Sale, Upload
from data.staging import create_staging, drop_staging, fill_staging
from data.storage import import_sales_frame

TRICKY = ["Loja, Centro", 'Loja "Praia"', "Loja; Sul", "Loja \\ Norte", "Água Doce"]


def schema_of_sales(engine) -> tuple[set[str], set[str]]:
    """Every index definition and constraint definition of the sales table."""
    with engine.connect() as conn:
        indexes = set(conn.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'sales'")))
        constraints = set(
            conn.scalars(
                text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'sales'::regclass")
            )
        )
    return indexes, constraints


def tricky_frame() -> pd.DataFrame:
    """Names a CSV stream must quote, and values whose every bit must survive (NaN units = NULL)."""
    days = pd.date_range("2025-01-01", periods=3, freq="D")
    values = [0.1 + 0.2, 1e-7, 123456789.123456, 1 / 3, 0.0]
    rows = [
        (day, store, "Bebidas", f"Suco {n}", values[(i + n) % len(values)], None if n % 2 else 2.5 * n)
        for i, day in enumerate(days)
        for n, store in enumerate(TRICKY)
    ]
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue", "units"])


def test_copy_stages_every_name_and_value_exactly(pg_engine):
    sales = tricky_frame()
    import_sales_frame(pg_engine, sales, filename="tricky.csv", uploaded_by="t")
    with pg_engine.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(select(Sale.date, Sale.store, Sale.product, Sale.revenue, Sale.units)).all(),
            columns=["date", "store", "product", "revenue", "units"],
        )
    expected = sales.assign(date=sales["date"].dt.date)[stored.columns]
    key = ["store", "product", "date"]
    pd.testing.assert_frame_equal(
        stored.sort_values(key, ignore_index=True),
        expected.sort_values(key, ignore_index=True),
        check_exact=True,
        check_dtype=False,
    )


def test_copy_and_row_inserts_stage_the_same_rows(pg_engine):
    staged = {}
    frame = tricky_frame()
    for use_copy in (True, False):
        with pg_engine.begin() as conn:
            create_staging(conn)
            fill_staging(conn, frame, use_copy=use_copy)
            staged[use_copy] = sorted(
                conn.execute(
                    text("SELECT store, product, date, category, revenue, units FROM ts_import_staging")
                )
            )
            drop_staging(conn)
    assert staged[True] == staged[False] and len(staged[True]) == len(frame)


def test_a_first_load_rebuilds_the_same_indexes_and_foreign_key(pg_engine):
    before = schema_of_sales(pg_engine)
    assert any("ix_sales_product_date" in d for d in before[0])
    assert any("FOREIGN KEY" in d for d in before[1])
    first = import_sales_frame(pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t")
    assert first.rows_new == 15
    assert schema_of_sales(pg_engine) == before
    later = tricky_frame().assign(revenue=7.0)
    second = import_sales_frame(pg_engine, later, filename="b.csv", uploaded_by="t")  # the indexed path
    assert (second.rows_replaced, second.rows_new) == (15, 0)
    with pytest.raises(IntegrityError), pg_engine.begin() as conn:  # the foreign key is enforced again
        conn.execute(text("UPDATE sales SET upload_id = 999999 WHERE store = 'Água Doce'"))


def test_a_failed_first_load_leaves_no_rows_and_every_index(pg_engine):
    before = schema_of_sales(pg_engine)

    def fail_while_writing(step: int, total: int, label: str) -> None:
        if str(label).startswith("writing"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        import_sales_frame(
            pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t", progress=fail_while_writing
        )
    assert schema_of_sales(pg_engine) == before
    with pg_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == 0
        assert conn.scalars(select(Upload.status)).all() == ["rejected"]


def test_picker_search_on_postgresql_is_trigram_indexed(pg_engine):
    import_sales_frame(pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t")
    assert search_stores(pg_engine, "ÁGUA") == ["Água Doce"]
    assert search_stores(pg_engine, '"praia') == ['Loja "Praia"']
    assert search_products(pg_engine, "suco 3", stores=["Loja \\ Norte"]) == ["Suco 3"]
    with pg_engine.connect() as conn:
        names = set(
            conn.scalars(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'"))
        )
    assert names == {"ix_products_product_trgm", "ix_stores_store_trgm", "ix_store_products_product_trgm"}


def test_a_first_load_batch_copies_then_upserts_with_the_key_back(pg_engine, tmp_path):
    """The first file of an empty database is copied into sales without any index; the second file of the
    same batch needs the primary key for its upsert, which is built again before it; the schema ends equal."""
    from data.storage import import_sales_files

    before = schema_of_sales(pg_engine)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("date,store,category,product,revenue\n2024-01-01,S1,C,P,1\n2024-01-02,S1,C,P,2\n")
    b.write_text("date,store,category,product,revenue\n2024-01-02,S1,C,P,5\n2024-01-03,S2,C,P,7\n")
    first, second = import_sales_files(pg_engine, [a, b], uploaded_by="t", upload_dir=tmp_path / "up")
    assert (first.rows_new, second.rows_new, second.rows_replaced) == (2, 1, 1)
    with pg_engine.connect() as conn:
        rows = conn.execute(text("SELECT store, date, revenue FROM sales ORDER BY store, date")).all()
        kept = conn.execute(text("SELECT revenue FROM replaced_sales")).scalars().all()
    assert [(s, str(d), r) for s, d, r in rows] == [
        ("S1", "2024-01-01", 1.0), ("S1", "2024-01-02", 5.0), ("S2", "2024-01-03", 7.0)
    ]  # fmt: skip
    assert kept == [2.0]
    assert schema_of_sales(pg_engine) == before
