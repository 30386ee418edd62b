"""A category's sales read through its products (migration 0016): the sums a category filter gave, from
index-only scans, with one index fewer for a first load to build; the upgrade checks the rule the reads
rely on, and imports keep it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
import pytest
from alembic import command
from sqlalchemy import event, text

from data.db import _alembic_config, make_engine, upgrade_database
from data.problems import SalesFileError
from data.queries import load_revenue_series, load_sales
from data.staging import indexes_built_after_load, load_into_empty_sales, lock_sales
from data.storage import import_sales_files, import_sales_frame
from tests.postgres.test_bulk_import import schema_of_sales

CATEGORIES = {"Bebidas": ["Suco", "Água", "Café"], "Mercearia": ["Arroz", "Feijão"], "Limpeza": ["Sabão"]}
STORES = ["Loja Centro", "Loja Praia", "Loja Sul"]


def chain_frame(seed: int = 7, days: int = 40) -> pd.DataFrame:
    """Seeded daily sales of every store × product, a third of the rows missing, some units unknown."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-03-01", periods=days, freq="D")
    rows = [
        (d, s, c, p, round(float(rng.gamma(2.0, 40.0)), 2), float(rng.integers(0, 9)))
        for c, products in CATEGORIES.items()
        for p in products
        for s in STORES
        for d in dates
    ]
    frame = pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue", "units"])
    frame = frame[rng.random(len(frame)) > 0.33].reset_index(drop=True)
    frame.loc[frame.index % 11 == 0, "units"] = np.nan
    return frame


def expected_series(frame: pd.DataFrame, **equal: str) -> pd.Series:
    """Revenue per date of the rows whose columns equal ``equal``, summed by pandas."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in equal.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask].groupby("date")["revenue"].sum()


def assert_same_series(got: pd.Series, want: pd.Series) -> None:
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)


def explained(engine, read) -> str:
    """The executed plan of the one statement ``read(engine)`` sends, with its own parameters."""
    sent: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        read(engine)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = [s for s in sent if "FROM sales" in s[0]]
    with engine.connect() as conn:
        return "\n".join(
            conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters).scalars()
        )


def test_category_reads_give_the_rows_sums_from_index_only_scans(pg_engine):
    frame = chain_frame()
    import_sales_frame(pg_engine, frame, filename="a.csv", uploaded_by="t")
    for category in CATEGORIES:
        assert_same_series(
            load_revenue_series(pg_engine, category=category), expected_series(frame, category=category)
        )
        for store in STORES:
            got = load_revenue_series(pg_engine, store=store, category=category)
            assert_same_series(got, expected_series(frame, store=store, category=category))
    recent = load_revenue_series(pg_engine, category="Bebidas", start="2025-04-01")
    want = expected_series(frame[frame["date"] >= "2025-04-01"], category="Bebidas")
    assert_same_series(recent, want)
    rows = load_sales(pg_engine, categories=["Bebidas", "Limpeza"])
    chosen = frame[frame["category"].isin(["Bebidas", "Limpeza"])]
    assert len(rows) == len(chosen) and set(rows["category"]) == {"Bebidas", "Limpeza"}
    assert rows["revenue"].sum() == pytest.approx(chosen["revenue"].sum(), rel=1e-12)

    plan = explained(pg_engine, lambda e: load_revenue_series(e, category="Bebidas"))
    assert "Index Only Scan using ix_sales_product_date" in plan and "Heap Fetches: 0" in plan, plan
    plan = explained(pg_engine, lambda e: load_revenue_series(e, store="Loja Sul", category="Mercearia"))
    assert "using sales_pkey" in plan, plan


def test_a_first_load_builds_no_category_index_and_a_covering_product_index(pg_engine):
    import_sales_frame(pg_engine, chain_frame(), filename="a.csv", uploaded_by="t")
    indexes, _ = schema_of_sales(pg_engine)
    assert not any("category" in d for d in indexes), indexes
    assert any("ix_sales_product_date" in d and "(product, date) INCLUDE (revenue)" in d for d in indexes)
    assert len(indexes) == 3  # primary key, (date, revenue), (product, date) INCLUDE (revenue)


def test_a_later_import_adding_a_product_to_a_category_is_read_with_it(pg_engine):
    frame = chain_frame()
    import_sales_frame(pg_engine, frame, filename="a.csv", uploaded_by="t")
    more = frame[frame["product"] == "Suco"].assign(product="Chá", revenue=3.5)
    import_sales_frame(pg_engine, more, filename="b.csv", uploaded_by="t")  # staged and upserted
    both = pd.concat([frame, more], ignore_index=True)
    assert_same_series(
        load_revenue_series(pg_engine, category="Bebidas"), expected_series(both, category="Bebidas")
    )


def test_a_file_giving_a_product_a_second_category_is_refused_whole(pg_engine, tmp_path):
    """The reads' rule (one category per product) is what the importer enforces: in a batch and against
    the stored catalogue, a clash refuses every file and writes nothing."""
    frame = chain_frame()
    good, clash = tmp_path / "a.csv", tmp_path / "b.csv"
    frame.to_csv(good, index=False)
    frame[frame["product"] == "Sabão"].assign(category="Bebidas").to_csv(clash, index=False)
    schema = schema_of_sales(pg_engine)
    with pytest.raises(SalesFileError, match="Sabão"):
        import_sales_files(pg_engine, [good, clash], uploaded_by="t", upload_dir=tmp_path / "up")
    with pg_engine.connect() as conn:
        counts = [conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in ("sales", "products")]
    assert counts == [0, 0] and schema_of_sales(pg_engine) == schema
    import_sales_files(pg_engine, [good], uploaded_by="t", upload_dir=tmp_path / "up")
    with pytest.raises(SalesFileError, match="Sabão"):
        import_sales_files(pg_engine, [clash], uploaded_by="t", upload_dir=tmp_path / "up")
    assert_same_series(
        load_revenue_series(pg_engine, category="Bebidas"), expected_series(frame, category="Bebidas")
    )


def old_category_sums(engine) -> dict[str, list[tuple]]:
    """Each category's revenue per date as the category column gives it (the reads before 0016)."""
    sql = "SELECT date, sum(revenue) FROM sales WHERE category = :c GROUP BY date ORDER BY date"
    with engine.connect() as conn:
        return {c: [tuple(r) for r in conn.execute(text(sql), {"c": c})] for c in CATEGORIES}


def test_migration_0016_keeps_every_category_read_and_downgrades(postgres_server):
    engine = make_engine(postgres_server.create_database("ts_category_migration"))
    command.upgrade(_alembic_config(engine), "0015")
    import_sales_frame(engine, chain_frame(), filename="a.csv", uploaded_by="t")
    before, old_schema = old_category_sums(engine), schema_of_sales(engine)
    assert any("ix_sales_category_store_date" in d for d in old_schema[0])

    upgrade_database(engine)
    assert not any("category" in d for d in schema_of_sales(engine)[0])
    for category, sums in before.items():
        got = load_revenue_series(engine, category=category)
        assert [(d.date(), v) for d, v in got.items()] == [(d, pytest.approx(v, rel=1e-12)) for d, v in sums]

    command.downgrade(_alembic_config(engine), "0015")
    assert schema_of_sales(engine) == old_schema and old_category_sums(engine) == before
    engine.dispose()


def test_migration_0016_refuses_two_categories_and_fills_missing_products(postgres_server):
    engine = make_engine(postgres_server.create_database("ts_category_refused"))
    command.upgrade(_alembic_config(engine), "0015")
    import_sales_frame(engine, chain_frame(), filename="a.csv", uploaded_by="t")
    with engine.begin() as conn:  # rows written around the importer
        conn.exec_driver_sql(
            "UPDATE sales SET category = 'Limpeza' WHERE product = 'Café' AND store = 'Loja Sul'"
        )
    schema = schema_of_sales(engine)
    with pytest.raises(RuntimeError, match="'Café' is stored under categories \\['Bebidas', 'Limpeza'\\]"):
        upgrade_database(engine)
    assert schema_of_sales(engine) == schema  # the whole upgrade rolled back

    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sales SET category = 'Bebidas' WHERE product = 'Café'")
        conn.exec_driver_sql("DELETE FROM products WHERE product = 'Arroz'")
    upgrade_database(engine)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT category FROM products WHERE product = 'Arroz'").scalar()
            == "Mercearia"
        )
    assert_same_series(
        load_revenue_series(engine, category="Mercearia"),
        expected_series(chain_frame(), category="Mercearia"),
    )
    engine.dispose()


def test_a_copy_the_server_refuses_mid_stream_raises_and_leaves_nothing(pg_engine):
    """Blocks go to the server from psycopg's writer thread: a refusal in the third block (a name too
    long for the column, which only validation would have caught) still reaches the importer, and the
    transaction leaves no row, no dropped index and no truncated catalogue behind."""
    rows = 250_000
    frame = pd.DataFrame(
        {
            "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(rows) % 500, unit="D"),
            "store": [f"S{i // 500:04d}" for i in range(rows)],
            "category": "C",
            "product": "P",
            "revenue": 1.0,
            "units": np.nan,
        }
    )
    frame.loc[rows - 1, "store"] = "x" * 129
    schema = schema_of_sales(pg_engine)
    with pytest.raises(psycopg.DataError, match="too long"), pg_engine.begin() as conn:
        lock_sales(conn)
        with indexes_built_after_load(conn):
            load_into_empty_sales(conn, frame, upload_id=1)
    assert schema_of_sales(pg_engine) == schema
    with pg_engine.connect() as conn:
        counts = [conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in ("sales", "uploads")]
    assert counts == [0, 0]
