"""Bulk SQL for the importer: a temporary staging table, counts in SQL, and portable upserts.

Everything here is plain SQL that SQLite (3.35+) and PostgreSQL both accept:
``INSERT ... SELECT ... WHERE true ON CONFLICT (...) DO UPDATE``, ``IS DISTINCT FROM``
(SQLite 3.39+) and ``TEMPORARY`` tables that live on the importing connection only. Rows reach
the staging table by ``COPY`` on PostgreSQL (psycopg 3) and by batched ``executemany`` on SQLite.

A preview writes no sales: the rows of a batch's earlier files go to a second temporary table
(the batch overlay), and each file is compared with the overlay first, then with ``sales``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Date, Float, MetaData, String, Table, insert, text

from data.db import begin_write
from data.pgcopy import HEADER, TRAILER, binary_block, text_block
from data.progress import Label, Progress

STAGING = "ts_import_staging"
OVERLAY = "ts_import_batch_overlay"
CHUNK_ROWS = 100_000
# SQLite page cache for the importing connection (KiB, an upper bound): with the default 2 MB,
# upserting 1M rows into the sales indexes thrashes pages and takes about three times longer.
IMPORT_CACHE_KIB = 256 * 1024

_staging_meta = MetaData()


def _sales_columns(*, keyed: bool) -> list[Column]:
    """The staged sales columns; ``keyed`` makes (store, product, date) the primary key."""
    return [
        Column("store", String(128), primary_key=keyed, nullable=False),
        Column("product", String(128), primary_key=keyed, nullable=False),
        Column("date", Date, primary_key=keyed, nullable=False),
        Column("category", String(128), nullable=False),
        Column("revenue", Float, nullable=False),
        Column("units", Float),
    ]


_staging_table = Table(STAGING, _staging_meta, *_sales_columns(keyed=False), prefixes=["TEMPORARY"])
_overlay_table = Table(OVERLAY, _staging_meta, *_sales_columns(keyed=True), prefixes=["TEMPORARY"])


def _changed(old: str) -> str:
    """SQL: the staged row ``t`` differs from the row ``old`` with the same key."""
    return (
        f"({old}.revenue <> t.revenue OR {old}.category <> t.category "
        f"OR {old}.units IS DISTINCT FROM t.units)"
    )


_CHANGED = _changed("s")


@dataclass(frozen=True)
class KeyCounts:
    """How the staged rows compare with the stored sales: new keys, changed values, identical rows."""

    new: int
    replaced: int
    unchanged: int


@contextmanager
def bulk_session(conn: Connection) -> Iterator[None]:
    """Give this connection a large page cache during an import (SQLite), restoring it afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


# Work memory for rebuilding the sales indexes after a first load (PostgreSQL, this transaction only).
REBUILD_MEMORY = "256MB"


@dataclass
class DeferredKey:
    """The sales primary key a first load dropped, to be put back before a statement needs it."""

    name: str | None = None
    definition: str | None = None

    def restore(self, conn: Connection) -> None:
        """Build the primary key again (one sort of the loaded rows; fails on a duplicate key)."""
        if self.name is not None:
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{REBUILD_MEMORY}'")
            conn.exec_driver_sql(f'ALTER TABLE sales ADD CONSTRAINT "{self.name}" {self.definition}')
            self.name = self.definition = None


@contextmanager
def indexes_built_after_load(conn: Connection) -> Iterator[DeferredKey]:
    """Load an empty ``sales`` table without its indexes, then build them (PostgreSQL).

    PostgreSQL's advice for populating a database: building an index once over loaded rows (one
    sort) is several times faster than growing it row by row, and so is checking the upload foreign
    key in one join instead of one trigger call per row. Only when ``sales`` holds no row, so no
    reader loses anything: the dropped indexes and constraints are recreated from their own
    definitions before the transaction ends, and a failed import rolls the whole change back
    (PostgreSQL's DDL is transactional). The primary key is dropped too when the rows arrive by
    ``load_into_empty_sales``; the ``DeferredKey`` given to the block puts it back early when a later
    file of the batch needs it (its upsert's ``ON CONFLICT``). SQLite (transactional DDL as well):
    the named indexes only. Other dialects and a non-empty table: nothing changes.
    """
    if conn.dialect.name not in ("postgresql", "sqlite") or not sales_empty(conn):
        yield DeferredKey()
        return
    if conn.dialect.name == "sqlite":  # its named indexes only (the key is the table's own index)
        # pysqlite opens its transaction at the first write, and DDL outside one commits at once: a
        # write that changes nothing opens it, so a failed load rolls the dropped indexes back too.
        conn.exec_driver_sql("DELETE FROM sales WHERE 0")
        if not getattr(conn.connection.dbapi_connection, "in_transaction", False):
            yield DeferredKey()
            return
        named = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'sales' AND sql IS NOT NULL"
        ).all()
        for name, _ in named:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        yield DeferredKey()
        for _, definition in named:
            conn.exec_driver_sql(definition)
        return
    indexes, _ = _table_indexes(conn, "sales")
    kinds = "('f', 'p')" if copy_supported(conn) else "('f')"
    constraints = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        f"WHERE conrelid = 'sales'::regclass AND contype IN {kinds}"
    ).all()
    for name, _, _ in constraints:
        conn.exec_driver_sql(f'ALTER TABLE sales DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    key = next((DeferredKey(n, d) for n, d, kind in constraints if kind == "p"), DeferredKey())
    yield key
    key.restore(conn)
    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{REBUILD_MEMORY}'")
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for name, definition, kind in constraints:
        if kind == "f":
            conn.exec_driver_sql(f'ALTER TABLE sales ADD CONSTRAINT "{name}" {definition}')


def create_staging(conn: Connection) -> None:
    """(Re)create the empty temporary staging table on this connection."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    _staging_table.create(conn)


def drop_staging(conn: Connection) -> None:
    """Drop the staging table (SQLite keeps temporary tables for the pooled connection's life)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")


def create_overlay(conn: Connection) -> None:
    """(Re)create the empty batch overlay: rows of a previewed batch's earlier files, by key."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {OVERLAY}")
    _overlay_table.create(conn)


def drop_overlay(conn: Connection) -> None:
    """Drop the batch overlay."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {OVERLAY}")


def stage_into_overlay(conn: Connection) -> None:
    """Add the staged rows to the overlay; a key already there takes the staged (later) values."""
    conn.exec_driver_sql(
        f"INSERT INTO {OVERLAY} (store, product, date, category, revenue, units) "
        f"SELECT store, product, date, category, revenue, units FROM {STAGING} WHERE true "
        f"ON CONFLICT (store, product, date) DO UPDATE SET category = excluded.category, "
        f"revenue = excluded.revenue, units = excluded.units"
    )


def _records(frame: pd.DataFrame, sqlite: bool) -> list[tuple]:
    dates = frame["date"].dt.strftime("%Y-%m-%d") if sqlite else frame["date"].dt.date
    units = frame["units"].to_numpy(dtype=float)
    units_obj = np.where(np.isnan(units), None, units.astype(object))
    return list(
        zip(
            frame["store"].tolist(),
            frame["product"].tolist(),
            dates.tolist(),
            frame["category"].tolist(),
            frame["revenue"].astype(float).tolist(),
            units_obj.tolist(),
            strict=True,
        )
    )


_COLUMNS = ("store", "product", "date", "category", "revenue", "units")


def _copy_blocks(conn: Connection, sql: str, blocks: Iterable[bytes]) -> None:
    """Run the binary ``COPY ... FROM STDIN`` ``sql`` with the tuple ``blocks`` (``data.pgcopy``)
    between the format's header and trailer.

    psycopg's ``QueuedLibpqWriter`` sends each block from a thread, so the next block is built while
    the server reads this one (psycopg is there whenever ``COPY`` is: ``copy_supported``).
    """
    from psycopg.copy import QueuedLibpqWriter

    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql, writer=QueuedLibpqWriter(cursor)) as copy:
            copy.write(HEADER)
            for block in blocks:
                copy.write(block)
            copy.write(TRAILER)
    finally:
        cursor.close()


def _copy_rows(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    upload_id: int | None = None,
    *,
    freeze: bool = False,
    progress: Progress | None = None,
    label: Label = "",
) -> None:
    """Stream ``frame`` into ``table`` with one PostgreSQL ``COPY ... FROM STDIN`` in binary format.

    No Python object is built per row (``data.pgcopy``); psycopg 3 sends each block of ``CHUNK_ROWS``
    rows as it is, from a writer thread (``QueuedLibpqWriter``), so the server reads one block while
    the next is built (with the default writer the builder waited for each 1 MB flush: the 1M-row
    ``COPY`` took 1.03-1.45 s against 1.05-1.23, four alternations at load 3-4). ``freeze``: the rows
    are written frozen (``COPY ... FREEZE``: only into a table created or truncated in this transaction).
    """
    names = _COLUMNS + (("upload_id",) if upload_id is not None else ())
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    total = len(frame)

    def blocks() -> Iterator[bytes]:
        for start in range(0, total, CHUNK_ROWS):
            yield binary_block(frame.iloc[start : start + CHUNK_ROWS], upload_id)
            if progress:  # runs once the block is handed to the writer
                progress(min(start + CHUNK_ROWS, total), total, label)

    _copy_blocks(conn, f"COPY {table} ({', '.join(names)}) FROM STDIN WITH ({options})", blocks())


def copy_supported(conn: Connection) -> bool:
    """True when rows can be staged with ``COPY`` (PostgreSQL through psycopg 3)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def fill_staging(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    progress: Progress | None = None,
    label: Label = "staging",
    use_copy: bool | None = None,
) -> None:
    """Empty the staging table and bulk-load ``frame`` (canonical columns) in chunks.

    PostgreSQL (psycopg 3) streams each chunk with ``COPY`` (``use_copy=None`` picks it when the
    driver supports it; ``False`` forces the row inserts, for comparisons). SQLite gets DBAPI
    ``executemany`` of 100k-row batches with ISO date strings (what SQLAlchemy stores for ``Date``);
    other dialects a Core insert, which batches through insertmanyvalues.
    """
    conn.exec_driver_sql(f"DELETE FROM {STAGING}")
    frame = _in_key_order(frame)
    copy = copy_supported(conn) if use_copy is None else use_copy and copy_supported(conn)
    if copy:
        _copy_rows(conn, STAGING, frame, progress=progress, label=label)
    else:
        _insert_rows(conn, frame, progress=progress, label=label)
    if conn.dialect.name == "postgresql":  # temporary tables get no statistics unless asked
        conn.exec_driver_sql(f"ANALYZE {STAGING}")


def _insert_rows(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    progress: Progress | None,
    label: Label,
    table: str = STAGING,
    upload_id: int | None = None,
) -> None:
    """Row inserts in batches of ``CHUNK_ROWS``: SQLite by DBAPI ``executemany`` (into ``table``, with
    ``upload_id`` when given), other dialects into the staging table by a Core insert."""
    sqlite = conn.dialect.name == "sqlite"
    names = _COLUMNS + (("upload_id",) if upload_id is not None else ())
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    total = len(frame)
    for start in range(0, total, CHUNK_ROWS):
        records = _records(frame.iloc[start : start + CHUNK_ROWS], sqlite)
        if upload_id is not None:
            records = [(*r, upload_id) for r in records]
        if sqlite:
            conn.exec_driver_sql(sql, records)
        else:
            conn.execute(insert(_staging_table), [dict(zip(_COLUMNS, r, strict=True)) for r in records])
        if progress:
            progress(min(start + CHUNK_ROWS, total), total, label)


def _in_key_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in primary-key order, so that writing them walks the sales key index sequentially."""
    return frame.sort_values(["store", "product", "date"], ignore_index=True)


def _first_of_each_series(frame: pd.DataFrame) -> pd.DataFrame:
    """The first row of each (store, product) of ``frame`` in key order (``_in_key_order``): where the
    pair changes from the row before (a comparison of neighbours instead of hashing every row)."""
    stores, products = frame["store"].to_numpy(), frame["product"].to_numpy()
    first = np.ones(len(frame), dtype=bool)
    first[1:] = (stores[1:] != stores[:-1]) | (products[1:] != products[:-1])
    return frame[first]


def sales_empty(conn: Connection) -> bool:
    """True when ``sales`` holds no row (as this transaction sees it)."""
    return conn.exec_driver_sql("SELECT 1 FROM sales LIMIT 1").first() is None


def direct_load_supported(conn: Connection) -> bool:
    """True when a first load can write ``sales`` directly (``load_into_empty_sales``)."""
    return copy_supported(conn) or conn.dialect.name == "sqlite"


def load_into_empty_sales(
    conn: Connection,
    frame: pd.DataFrame,
    upload_id: int,
    *,
    progress: Progress | None = None,
    label: Label = "writing",
) -> None:
    """A first load: the rows of ``frame`` (unique keys) straight into an empty ``sales`` table.

    Only while ``sales_empty`` under ``lock_sales`` (``direct_load_supported``): every row is new, so
    there is nothing to compare or replace, and staging the rows first would only write them twice.
    PostgreSQL gets one binary ``COPY ... FREEZE`` after a ``TRUNCATE`` of the (empty) table in this
    transaction: the rows are written already frozen and visible to all (no hint bits to set by the
    first reads, no freezing pass of vacuum later, index-only scans from the start). The truncate
    changes nothing a reader could see: the table is empty under ``lock_sales``, the index drops of
    ``indexes_built_after_load`` already hold its ACCESS EXCLUSIVE lock (readers wait for the commit,
    as they did), and a rollback restores the empty table. SQLite gets ``executemany`` batches. The
    catalogue is then filled from one row per series (``copy_into_empty_catalogue`` when it is empty).
    """
    frame = _in_key_order(frame)
    if copy_supported(conn):
        conn.exec_driver_sql("TRUNCATE sales")
        _copy_rows(conn, "sales", frame, upload_id, freeze=True, progress=progress, label=label)
    else:
        _insert_rows(conn, frame, progress=progress, label=label, table="sales", upload_id=upload_id)
    series = _first_of_each_series(frame)
    if not copy_into_empty_catalogue(conn, series):
        fill_staging(conn, series)
        upsert_catalogue(conn)


def count_keys(conn: Connection, *, overlay: bool = False) -> KeyCounts:
    """Compare staged rows with ``sales`` by key, in SQL (uses the sales primary key index).

    With ``overlay``, a key held by the batch overlay is compared with the overlay's row instead
    (what the database would hold once the batch's earlier files were imported).
    """
    if not overlay:
        sql = (
            f"SELECT COUNT(*), "
            f"COALESCE(SUM(CASE WHEN s.store IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN s.store IS NOT NULL AND {_CHANGED} THEN 1 ELSE 0 END), 0) "
            f"FROM {STAGING} t LEFT JOIN sales s "
            f"ON s.store = t.store AND s.product = t.product AND s.date = t.date"
        )
    else:
        sql = (
            f"SELECT COUNT(*), "
            f"COALESCE(SUM(CASE WHEN o.store IS NULL AND s.store IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN o.store IS NOT NULL THEN (CASE WHEN {_changed('o')} THEN 1 ELSE 0 END) "
            f"WHEN s.store IS NOT NULL AND {_CHANGED} THEN 1 ELSE 0 END), 0) "
            f"FROM {STAGING} t "
            f"LEFT JOIN {OVERLAY} o ON o.store = t.store AND o.product = t.product AND o.date = t.date "
            f"LEFT JOIN sales s ON s.store = t.store AND s.product = t.product AND s.date = t.date"
        )
    total, new, replaced = (int(v) for v in conn.execute(text(sql)).one())
    return KeyCounts(new=new, replaced=replaced, unchanged=total - new - replaced)


def keep_replaced(conn: Connection, upload_id: int) -> int:
    """Record the stored values the staged rows are about to replace (before ``upsert_sales``).

    One ``replaced_sales`` row per changed key, with the old values and the upload that wrote them:
    what undoing ``upload_id`` restores. One set-based statement; returns how many were kept.
    """
    result = conn.execute(
        text(
            f"INSERT INTO replaced_sales "
            f"(upload_id, store, product, date, category, revenue, units, previous_upload_id) "
            f"SELECT :upload_id, s.store, s.product, s.date, s.category, s.revenue, s.units, s.upload_id "
            f"FROM {STAGING} t JOIN sales s "
            f"ON s.store = t.store AND s.product = t.product AND s.date = t.date "
            f"WHERE {_CHANGED}"
        ),
        {"upload_id": upload_id},
    )
    return int(result.rowcount)


def lock_sales(conn: Connection) -> None:
    """Make this transaction the only writer of sales until it ends (readers go on).

    An import reads the values it replaces before writing; an undo checks what later imports changed
    before restoring. Serialising the writers keeps both exact. SQLite has one writer: the transaction
    takes its lock at once (``begin_write``), so a commit elsewhere cannot void what it has read.
    """
    begin_write(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE sales IN SHARE ROW EXCLUSIVE MODE")


def count_new_series(conn: Connection, *, overlay: bool = False) -> int:
    """How many (store, product) series of the staged rows have no stored row (nor an overlay row)."""
    seen = "EXISTS (SELECT 1 FROM sales s WHERE s.store = t.store AND s.product = t.product)"
    if overlay:
        seen += f" OR EXISTS (SELECT 1 FROM {OVERLAY} o WHERE o.store = t.store AND o.product = t.product)"
    sql = f"SELECT COUNT(*) FROM (SELECT DISTINCT store, product FROM {STAGING}) t WHERE NOT ({seen})"
    return int(conn.execute(text(sql)).scalar_one())


def upsert_sales(conn: Connection, upload_id: int) -> None:
    """Insert new keys and overwrite changed ones; identical rows keep their original upload id."""
    conn.execute(
        text(
            f"INSERT INTO sales (store, product, date, category, revenue, units, upload_id) "
            f"SELECT t.store, t.product, t.date, t.category, t.revenue, t.units, :upload_id "
            f"FROM {STAGING} t WHERE true "
            f"ON CONFLICT (store, product, date) DO UPDATE SET "
            f"category = excluded.category, revenue = excluded.revenue, units = excluded.units, "
            f"upload_id = excluded.upload_id "
            f"WHERE sales.revenue <> excluded.revenue OR sales.category <> excluded.category "
            f"OR sales.units IS DISTINCT FROM excluded.units"
        ),
        {"upload_id": upload_id},
    )


def _table_indexes(conn: Connection, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """PostgreSQL: ``table``'s plain indexes and its primary key, as (name, definition) pairs."""
    indexes = conn.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = '{table}'::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
    ).all()
    keys = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = '{table}'::regclass AND contype = 'p'"
    ).all()
    return [tuple(i) for i in indexes], [tuple(k) for k in keys]


def copy_into_empty_catalogue(conn: Connection, series: pd.DataFrame) -> bool:
    """A first load's series (one row per (store, product), in key order) straight into an empty
    ``store_products``, its indexes built after the rows; then its stores and products. PostgreSQL with
    ``COPY`` only; False (nothing done) otherwise or when the catalogue has rows.

    Inserting 200,000 series one row at a time into its primary key, two B-trees and the trigram GIN
    index took 15.5-16.4 s at load 11-13; a binary ``COPY ... FREEZE`` into the bare, truncated table
    and one build per index take a few seconds (bench/history/postgres-import.md, fifth session).
    As for ``sales``:
    everything happens in the import's transaction (a failure rolls back the truncate, the rows and
    the dropped indexes), readers of the catalogue wait for the commit (they would have found it
    empty), and the frozen rows are all-visible at once (index-only scans for the pickers).
    """
    if not copy_supported(conn):
        return False
    if conn.exec_driver_sql("SELECT 1 FROM store_products LIMIT 1").first() is not None:
        return False
    indexes, keys = _table_indexes(conn, "store_products")
    for name, _ in keys:
        conn.exec_driver_sql(f'ALTER TABLE store_products DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.exec_driver_sql("TRUNCATE store_products")
    names = ("store", "product", "category")
    _copy_blocks(
        conn,
        f"COPY store_products ({', '.join(names)}) FROM STDIN WITH (FORMAT binary, FREEZE)",
        (text_block(series.iloc[at : at + CHUNK_ROWS], names) for at in range(0, len(series), CHUNK_ROWS)),
    )
    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{REBUILD_MEMORY}'")
    for name, definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE store_products ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    conn.exec_driver_sql(
        "INSERT INTO stores (store) SELECT DISTINCT store FROM store_products WHERE true "
        "ON CONFLICT (store) DO NOTHING"
    )
    conn.exec_driver_sql(
        "INSERT INTO products (product, category) SELECT product, MIN(category) FROM store_products "
        "WHERE true GROUP BY product ON CONFLICT (product) DO NOTHING"
    )
    return True


def upsert_catalogue(conn: Connection) -> None:
    """Add the staged stores, products and (store, product) series to the catalogue tables (existing
    entries are kept; a product's category never changes, the importer checks it)."""
    conn.exec_driver_sql(
        f"INSERT INTO stores (store) SELECT DISTINCT store FROM {STAGING} WHERE true "
        f"ON CONFLICT (store) DO NOTHING"
    )
    conn.exec_driver_sql(
        f"INSERT INTO products (product, category) SELECT product, MIN(category) FROM {STAGING} "
        f"WHERE true GROUP BY product ON CONFLICT (product) DO NOTHING"
    )
    conn.exec_driver_sql(
        f"INSERT INTO store_products (store, product, category) SELECT store, product, MIN(category) "
        f"FROM {STAGING} WHERE true GROUP BY store, product ON CONFLICT (store, product) DO NOTHING"
    )
