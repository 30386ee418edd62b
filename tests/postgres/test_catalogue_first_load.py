"""A first load fills the empty series catalogue (``store_products``) with its indexes built after the
rows: the same rows (copied frozen), the same indexes (and each still serves its lookup), all-or-nothing,
and later imports keep adding series through the primary key."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from data.queries import list_stores, search_products
from data.storage import import_sales_files, import_sales_frame


def catalogue_schema(engine) -> set[str]:
    """Every index definition of ``store_products`` (its primary key's included)."""
    with engine.connect() as conn:
        sql = "SELECT indexdef FROM pg_indexes WHERE tablename = 'store_products'"
        return set(conn.scalars(text(sql)))


def series(engine) -> list[tuple[str, str, str]]:
    """Every (store, product, category) of the catalogue, sorted."""
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT store, product, category FROM store_products")).all())


def chain_frame(stores: int, products: int, start: str = "2025-01-06") -> pd.DataFrame:
    """Two days of sales of every product in every store (products in three categories)."""
    rows = [
        (day, f"Loja {s:02d}", f"Categoria {p % 3}", f"Produto {p:03d}", 1.0 + p)
        for day in pd.date_range(start, periods=2, freq="D")
        for s in range(stores)
        for p in range(products)
    ]
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])


def plan(engine, sql: str) -> str:
    """The plan PostgreSQL picks for ``sql`` when a table scan is its last resort."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {sql}").scalars())


def test_a_first_load_rebuilds_the_catalogue_indexes_and_they_serve_the_pickers(pg_engine):
    before = catalogue_schema(pg_engine)
    assert len(before) == 4  # primary key, two B-trees, the trigram index of the product search
    import_sales_frame(pg_engine, chain_frame(12, 40), filename="a.csv", uploaded_by="t")

    assert catalogue_schema(pg_engine) == before
    expected = sorted(
        (f"Loja {s:02d}", f"Produto {p:03d}", f"Categoria {p % 3}") for s in range(12) for p in range(40)
    )
    assert series(pg_engine) == expected
    with pg_engine.connect() as conn:  # copied frozen: all-visible before any vacuum
        sql = "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'store_products'"
        pages, visible = conn.execute(text(sql)).one()
    assert pages > 0 and visible == pages
    with pg_engine.connect() as conn:  # every rebuilt index is valid and ready (the trigram one too)
        sql = (
            "SELECT i.relname, x.indisvalid AND x.indisready FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'store_products'::regclass"
        )
        usable = dict(conn.execute(text(sql)).all())
    assert len(usable) == 4 and all(usable.values()), usable
    assert usable.get("ix_store_products_product_trgm") is True
    assert search_products(pg_engine, "duto 03", stores=["Loja 05"])[:2] == ["Produto 003", "Produto 030"]
    assert len(list_stores(pg_engine)) == 12
    for sql, index in (
        ("SELECT product FROM store_products WHERE store = 'Loja 05' AND category = 'Categoria 1'",
         "store_"),  # the primary key or (store, category, product): either is the store's range
        ("SELECT store FROM store_products WHERE product = 'Produto 007'", "ix_store_products_product_store"),
    ):  # fmt: skip
        explained = plan(pg_engine, sql)
        assert f"using {index}" in explained or f"on {index}" in explained, explained
        assert "Seq Scan" not in explained

    # A later import adds series through the primary key's ON CONFLICT, as before.
    later = chain_frame(13, 41, start="2025-01-08")
    assert import_sales_frame(pg_engine, later, filename="b.csv", uploaded_by="t").rows_new == 13 * 41 * 2
    assert len(series(pg_engine)) == 13 * 41


def test_a_catalogue_rebuild_that_fails_leaves_nothing(pg_engine):
    """An index the series break is rebuilt after the rows: its failure rolls back the catalogue, the
    sales and every dropped index."""
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE UNIQUE INDEX ix_test_one_series_per_store ON store_products (store)")
    before = catalogue_schema(pg_engine)
    with pytest.raises(IntegrityError, match="ix_test_one_series_per_store"):
        import_sales_frame(pg_engine, chain_frame(3, 4), filename="a.csv", uploaded_by="t")
    assert catalogue_schema(pg_engine) == before
    with pg_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM sales")) == 0
        assert conn.scalar(text("SELECT count(*) FROM stores")) == 0
    assert series(pg_engine) == []


def test_a_later_file_of_the_first_batch_adds_its_series_to_the_rebuilt_catalogue(pg_engine, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    chain_frame(3, 4).to_csv(first, index=False)
    chain_frame(4, 5, start="2025-01-07").to_csv(second, index=False)  # overlaps a day, adds series
    results = import_sales_files(pg_engine, [first, second], uploaded_by="t", upload_dir=tmp_path / "up")
    assert [r.rows_new for r in results] == [3 * 4 * 2, 4 * 5 * 2 - 3 * 4]
    assert [r.rows_replaced + r.rows_unchanged for r in results] == [0, 3 * 4]
    expected = sorted(
        (f"Loja {s:02d}", f"Produto {p:03d}", f"Categoria {p % 3}") for s in range(4) for p in range(5)
    )
    assert series(pg_engine) == expected
    assert list_stores(pg_engine) == [f"Loja {s:02d}" for s in range(4)]
