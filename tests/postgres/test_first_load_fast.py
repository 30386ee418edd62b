"""The fast first load on PostgreSQL: bytewise sales keys (migration 0015) that keep every row, index
and the order users see; binary ``COPY`` that keeps every value; frozen rows after a ``TRUNCATE`` that
stay all-or-nothing, with readers waiting for the whole load."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pandas as pd
import psycopg
import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from data.db import _alembic_config, make_engine, make_session_factory, upgrade_database
from data.queries import list_products, list_stores, search_products, store_reporting
from data.schema import Sale, Upload
from data.staging import create_staging, drop_staging, fill_staging
from data.storage import import_sales_frame
from services.undo import undo_upload
from tests.postgres.test_bulk_import import schema_of_sales, tricky_frame
from tests.support.live_server import wait_for

KEYS = ("store", "product", "category")


def sales_frame(names: list[tuple[str, str, str]], days: int = 2, start: str = "2025-01-06") -> pd.DataFrame:
    """Rows (store, category, product) on ``days`` consecutive days, revenue 5."""
    dates = pd.date_range(start, periods=days, freq="D")
    rows = [(d, s, c, p, 5.0) for s, c, p in names for d in dates]
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])


def key_collations(engine) -> dict[str, str]:
    """The collation of each sales text key ("default" when it follows the database)."""
    sql = (
        "SELECT a.attname, c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
        "WHERE a.attrelid = 'sales'::regclass AND a.attname IN ('store', 'product', 'category')"
    )
    with engine.connect() as conn:
        return dict(conn.execute(text(sql)).all())


def stored_rows(engine) -> list[tuple]:
    """Every sales row, in key order."""
    with engine.connect() as conn:
        sql = "SELECT store, product, date, category, revenue, units, upload_id FROM sales"
        return sorted(conn.execute(text(sql)).all())


def plan(engine, sql: str) -> str:
    """The plan PostgreSQL picks for ``sql`` when a table scan is its last resort."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {sql}").scalars())


def test_migration_0015_keeps_rows_and_indexes_and_the_indexes_still_serve_lookups(postgres_server):
    engine = make_engine(postgres_server.create_database("ts_collation_migration"))
    command.upgrade(_alembic_config(engine), "0014")
    import_sales_frame(engine, tricky_frame(), filename="a.csv", uploaded_by="t")
    rows, schema = stored_rows(engine), schema_of_sales(engine)
    assert set(key_collations(engine).values()) == {"default"}

    command.upgrade(_alembic_config(engine), "0015")  # 0016 drops the category index looked up below
    assert key_collations(engine) == dict.fromkeys(KEYS, "C")
    assert stored_rows(engine) == rows
    assert schema_of_sales(engine) == schema  # same indexes (names and columns) and constraints
    lookups = {"store": "Água Doce", "product": "Suco 1", "category": "Bebidas"}
    for column, value in lookups.items():  # an index answers each key's lookup (collations match)
        explained = plan(engine, f"SELECT date FROM sales WHERE {column} = '{value}'")
        conditions = [line for line in explained.splitlines() if "Index Cond" in line]
        assert any(column in line and f"'{value}'" in line for line in conditions), explained

    command.downgrade(_alembic_config(engine), "0014")
    assert set(key_collations(engine).values()) == {"default"}
    assert stored_rows(engine) == rows
    engine.dispose()


@pytest.fixture
def language_engine(postgres_server):
    """A migrated database whose own collation is a language's (ICU pt-BR), as a Brazilian server's."""
    with psycopg.connect(
        f"host=127.0.0.1 port={postgres_server.port} user=postgres", autocommit=True
    ) as conn:
        conn.execute(
            "CREATE DATABASE ts_pt_br TEMPLATE template0 "
            "LOCALE_PROVIDER icu ICU_LOCALE 'pt-BR' LOCALE 'C.UTF-8'"
        )
    engine = make_engine(postgres_server.url("ts_pt_br"))
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_names_keep_the_language_order_and_comparisons_across_collations_still_match(language_engine):
    engine = language_engine
    names = [("Loja b", "Frutas", "banana"), ("Loja Á", "Frutas", "Água"), ("Loja a", "Frutas", "abacate"),
             ("Loja Z", "Temperos", "Zimbro")]  # fmt: skip
    first = import_sales_frame(engine, sales_frame(names), filename="a.csv", uploaded_by="t")
    in_order = ["Loja a", "Loja Á", "Loja b", "Loja Z"]  # pt-BR; code points would give Z, a, b, Á
    assert list_stores(engine) == in_order
    assert [r.store for r in store_reporting(engine)] == in_order
    assert search_products(engine, "") == ["abacate", "Água", "banana", "Zimbro"]
    assert [p for p, _ in list_products(engine)] == ["abacate", "Água", "banana", "Zimbro"]
    # A later file is compared with the stored keys (staging table in the database collation, sales in C).
    changed = sales_frame([names[0], ("Loja Á", "Frutas", "Água"), ("Loja N", "Frutas", "Ñame")], days=3)
    changed.loc[0, "revenue"] = 9.0
    later = import_sales_frame(engine, changed, filename="b.csv", uploaded_by="t")
    assert (later.rows_replaced, later.rows_new, later.rows_unchanged) == (1, 5, 3)
    services = SimpleNamespace(engine=engine, sessions=make_session_factory(engine))
    assert undo_upload(services, later.upload_id, actor="ana").done is not None
    assert list_stores(engine) == in_order  # "Loja N" had no other sales: the undo removed it
    assert len(stored_rows(engine)) == first.rows_new


def test_a_first_load_writes_frozen_rows_that_index_only_scans_read_at_once(pg_engine):
    import_sales_frame(pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t")
    with pg_engine.begin() as conn:
        pages, visible = conn.execute(
            text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'sales'")
        ).one()
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        sql = "SELECT date, sum(revenue) FROM sales WHERE date >= '2025-01-02' GROUP BY date"
        explained = "\n".join(conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}").scalars())
    assert pages > 0 and visible == pages  # no vacuum has run: COPY FREEZE set the visibility map
    assert "Index Only Scan using ix_sales_date_revenue" in explained
    assert "Heap Fetches: 0" in explained


def test_a_first_load_failing_after_its_copy_leaves_nothing(pg_engine):
    """An index the rows break is rebuilt after the COPY: its failure rolls back the truncate, the frozen
    rows and every dropped index and constraint."""
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE UNIQUE INDEX ix_test_one_row_per_store ON sales (store)")
    before = schema_of_sales(pg_engine)
    with pytest.raises(IntegrityError, match="ix_test_one_row_per_store"):
        import_sales_frame(pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t")
    assert schema_of_sales(pg_engine) == before
    with pg_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Sale)) == 0
        assert conn.scalars(select(Upload.status)).all() == ["rejected"]
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_test_one_row_per_store")
    assert import_sales_frame(pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t").rows_new == 15


def test_a_reader_during_a_first_load_waits_and_then_sees_every_row(pg_engine, postgres_server):
    database = pg_engine.url.database
    seen: list[int] = []

    def read_count() -> None:
        with psycopg.connect(
            f"host=127.0.0.1 port={postgres_server.port} user=postgres dbname={database}"
        ) as c:
            seen.append(c.execute("SELECT count(*) FROM sales").fetchone()[0])

    reader = threading.Thread(target=read_count)

    def waiting_readers() -> int:
        with psycopg.connect(
            f"host=127.0.0.1 port={postgres_server.port} user=postgres dbname={database}"
        ) as c:
            sql = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM sales' "
            return c.execute(sql + "AND wait_event_type = 'Lock'").fetchone()[0]

    def start_reader_mid_copy(step: int, total: int, label: object) -> None:
        if str(label).startswith("writing") and step > 0 and not reader.is_alive():
            reader.start()  # the rows are in the table, not committed
            wait_for(lambda: waiting_readers() == 1, timeout=30, what="the reader to wait for the load")

    result = import_sales_frame(
        pg_engine, tricky_frame(), filename="a.csv", uploaded_by="t", progress=start_reader_mid_copy
    )
    reader.join(timeout=30)
    assert seen == [result.rows_new] == [15]


def test_binary_copy_keeps_edge_dates_long_names_and_extreme_values(pg_engine):
    long_name = "Çã" * 64  # 128 characters, 256 bytes
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["1970-01-01", "1999-12-31", "2000-01-01", "2000-02-29", "2099-12-31"]),
            "store": [long_name, "S", "日本の店", "Loja\tTab", "Loja\nLinha"],
            "category": ["C", "", "Bebidas", "\\N", "NULL"],
            "product": ["P", "p", long_name, "é", "e\u0301"],
            "revenue": [1e308, 5e-324, 0.0, -0.0, 0.1 + 0.2],
            "units": [float("nan"), 0.0, 1e-300, float("nan"), 3.0],
        }
    )
    staged = {}
    for use_copy in (True, False):
        with pg_engine.begin() as conn:
            create_staging(conn)
            fill_staging(conn, frame, use_copy=use_copy)
            sql = "SELECT store, product, date, category, revenue, units FROM ts_import_staging"
            staged[use_copy] = sorted(conn.execute(text(sql)).all(), key=lambda r: r[2])
            drop_staging(conn)
    assert staged[True] == staged[False]
    expected = [
        (s, p, d.date(), c, r, None if u != u else u) for d, s, c, p, r, u in frame.itertuples(index=False)
    ]
    assert staged[True] == expected
    assert staged[True][0][2] == dt.date(1970, 1, 1) and str(staged[True][3][4]) == "-0.0"
