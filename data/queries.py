"""Read helpers over the stored sales, for the dashboard, the forecasting engine and the scheduler.

Sums and filters run in SQL on the indexes of ``data.schema`` (primary key store/product/date,
``ix_sales_date_revenue``, ``ix_sales_product_date``; a category filter reads its products from the
catalogue, see ``_filtered``); only the result travels to pandas. Dates are read as ISO text and
parsed in one vectorised step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Row, String, distinct, func, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

from data.carried import CarriedIndex
from data.db import UNICODE_LOWER
from data.schema import Product, Sale, Setting, Store, StoreProduct, Upload

DateLike = dt.date | dt.datetime | pd.Timestamp | str
_CHUNK_ROWS = 100_000
SEARCH_LIMIT = 50  # matches a picker search returns (what a dropdown shows at once)


@contextmanager
def _connect(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def _as_date(value: DateLike) -> dt.date:
    return pd.Timestamp(value).date()


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _one_of(column: Any, values: list[str]) -> Any:
    """SQL: ``column`` equals the one value, or is among the values."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def _filtered(stmt: Select, *, start=None, end=None, stores=None, categories=None, products=None) -> Select:
    """``stmt`` over ``sales`` restricted to the dates, stores, categories and products given.

    A category is read as its products (``products`` holds each product with sales under its one
    category: the importer refuses a second, migration 0016 checked the stored rows), so the rows come
    from ``ix_sales_product_date`` or, with a store, the primary key; ``sales`` has no category index.
    """
    if start is not None:
        stmt = stmt.where(Sale.date >= _as_date(start))
    if end is not None:
        stmt = stmt.where(Sale.date <= _as_date(end))
    for column, values in ((Sale.store, stores), (Sale.product, products)):
        values = _as_list(values)
        if values is not None:
            stmt = stmt.where(_one_of(column, values))
    categories = _as_list(categories)
    if categories is not None:
        stmt = stmt.where(
            Sale.product.in_(select(Product.product).where(_one_of(Product.category, categories)))
        )
    return stmt


def _parse_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str).str.slice(0, 10), format="%Y-%m-%d")


def load_sales(
    engine: Engine,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    stores: str | Iterable[str] | None = None,
    categories: str | Iterable[str] | None = None,
    products: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Stored sales rows (``date, store, category, product, revenue``), filtered in SQL; None = all."""
    stmt = select(
        type_coerce(Sale.date, String).label("date"), Sale.store, Sale.category, Sale.product, Sale.revenue
    )
    stmt = _filtered(stmt, start=start, end=end, stores=stores, categories=categories, products=products)
    columns = ["date", "store", "category", "product", "revenue"]
    parts = []
    with _connect(engine) as conn:
        # Column-wise construction per chunk of plain tuples bounds memory (DataFrame.from_records
        # probes every Row object); sorting in pandas is several times faster than ORDER BY here.
        for rows in conn.execute(stmt).partitions(_CHUNK_ROWS):
            parts.append(pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True))))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame["date"] = _parse_dates(frame["date"]) if len(frame) else pd.Series(dtype="datetime64[s]")
    frame["revenue"] = frame["revenue"].astype(float)
    return frame.sort_values(["date", "store", "product"], ignore_index=True)


def load_revenue_series(
    engine: Engine,
    *,
    store: str | Iterable[str] | None = None,
    category: str | None = None,
    product: str | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.Series:
    """Revenue summed per date in SQL, as a Series on a DatetimeIndex named ``date``; None = all
    (``store`` may name several stores: their sum)."""
    day = type_coerce(Sale.date, String)
    stmt = select(day.label("date"), func.sum(Sale.revenue).label("revenue")).group_by(Sale.date)
    stmt = _filtered(stmt, start=start, end=end, stores=store, categories=category, products=product)
    with _connect(engine) as conn:
        rows = conn.execute(stmt.order_by(Sale.date)).all()
    dates, revenue = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [])
    index = pd.DatetimeIndex(_parse_dates(pd.Series(dates, dtype=str)) if dates else [], name="date")
    return pd.Series(revenue, index=index, name="revenue", dtype=float)


def list_stores(engine: Engine) -> list[str]:
    """Every store in the catalogue, sorted."""
    with _connect(engine) as conn:
        return list(conn.scalars(select(Store.store).order_by(Store.store)))


def list_categories(engine: Engine) -> list[str]:
    """Every product category, sorted."""
    with _connect(engine) as conn:
        return list(conn.scalars(select(Product.category).distinct().order_by(Product.category)))


def list_products(
    engine: Engine, category: str | None = None, store: str | None = None
) -> list[tuple[str, str]]:
    """``(product, category)`` pairs by product; optionally only one category and/or one store's products
    (a store's from the series catalogue ``store_products``)."""
    table = StoreProduct if store is not None else Product
    stmt = select(table.product, table.category)
    if store is not None:
        stmt = stmt.where(StoreProduct.store == store)
    if category is not None:
        stmt = stmt.where(table.category == category)
    with _connect(engine) as conn:
        return [(p, c) for p, c in conn.execute(stmt.order_by(table.product)).all()]


def carried_products(engine: Engine | Connection) -> dict[str, list[str]]:
    """Each store's products (sorted), from the series catalogue in one ordered read."""
    stmt = select(StoreProduct.store, StoreProduct.product).order_by(StoreProduct.store, StoreProduct.product)
    carried: dict[str, list[str]] = {}
    with _connect(engine) as conn:
        for store, product in conn.execute(stmt):
            carried.setdefault(store, []).append(product)
    return carried


def carried_index(engine: Engine | Connection, *, batch: int = 10_000) -> CarriedIndex:
    """What each store carries as a compact ``CarriedIndex`` (4 bytes per pair in memory), streamed
    from the series catalogue ``batch`` rows at a time (no list of every pair is made)."""
    stmt = select(StoreProduct.store, StoreProduct.product).order_by(StoreProduct.store)
    with _connect(engine) as conn:
        rows = conn.execution_options(yield_per=batch).execute(stmt)
        return CarriedIndex.from_sorted((store, product) for store, product in rows)


class folded(FunctionElement):
    """``lower(x)`` folding every letter: PostgreSQL's ``lower`` (what the trigram indexes of migration
    0010 are built on), SQLite's registered ``ts_lower`` (its own ``lower`` folds ASCII only)."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_default(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{UNICODE_LOWER}({compiler.process(element.clauses, **kw)})"


class in_name_order(FunctionElement):
    """A sales text key sorted as the catalogue sorts names: in the database's collation on PostgreSQL
    (the sales keys compare bytewise there, migration 0015), as it is elsewhere."""

    type = String()
    inherit_cache = True


@compiles(in_name_order)
def _name_order_default(element: in_name_order, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(in_name_order, "postgresql")
def _name_order_postgresql(element: in_name_order, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "default"'


def _like_terms(column: Any, term: str | None) -> list[Any]:
    """Case-insensitive substring conditions, one per word of ``term`` (every word must appear, as
    the dropdown's own filter requires); ``%``, ``_`` and ``\\`` in the words match themselves."""
    words = (term or "").lower().split()
    escaped = (w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words)
    return [folded(column).like(f"%{w}%", escape="\\") for w in escaped]


def search_stores(
    engine: Engine | Connection,
    term: str | None,
    *,
    limit: int = SEARCH_LIMIT,
    within: Iterable[str] | None = None,
) -> list[str]:
    """The first ``limit`` stores (by name) whose name contains every word of ``term``; ``within``
    limits them to those stores (a user's scope). Trigram-indexed on PostgreSQL (migration 0010)."""
    stmt = select(Store.store).where(*_like_terms(Store.store, term))
    if within is not None:
        stmt = stmt.where(Store.store.in_(sorted(within)))
    with _connect(engine) as conn:
        return list(conn.scalars(stmt.order_by(Store.store).limit(limit)))


def search_products(
    engine: Engine | Connection,
    term: str | None,
    *,
    category: str | None = None,
    stores: Iterable[str] | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[str]:
    """The first ``limit`` products (by name) whose name contains every word of ``term``, of
    ``category`` and carried by one of ``stores`` when given (None: any product of the catalogue)."""
    if stores is None:
        stmt = select(Product.product).where(*_like_terms(Product.product, term))
        if category is not None:
            stmt = stmt.where(Product.category == category)
        stmt = stmt.order_by(Product.product)
    else:
        names = sorted(stores)
        if not names:
            return []
        stmt = select(StoreProduct.product).where(*_like_terms(StoreProduct.product, term))
        one = StoreProduct.store == names[0]
        stmt = stmt.where(one if len(names) == 1 else StoreProduct.store.in_(names))
        if category is not None:
            stmt = stmt.where(StoreProduct.category == category)
        stmt = stmt.distinct().order_by(StoreProduct.product)
    with _connect(engine) as conn:
        return list(conn.scalars(stmt.limit(limit)))


def date_range(engine: Engine | Connection) -> tuple[dt.date, dt.date] | None:
    """First and last stored sales date, or None when there are no sales."""
    with _connect(engine) as conn:
        # Two single-aggregate queries: SQLite answers each from the index end, not by a full scan.
        low = conn.scalar(select(func.min(Sale.date)))
        high = conn.scalar(select(func.max(Sale.date)))
    return None if low is None else (low, high)


def dataset_frequency(engine: Engine | Connection) -> str | None:
    """The stored dataset's frequency (``D``/``W``/``M``/``Q``, set by the importer), or None."""
    with _connect(engine) as conn:
        return conn.scalar(select(Setting.value).where(Setting.key == "frequency"))


def sales_summary(engine: Engine) -> dict[str, Any]:
    """Counts and span of the stored data, for the admin page and health checks."""
    with _connect(engine) as conn:
        rows = conn.scalar(select(func.count()).select_from(Sale)) or 0
        stores = conn.scalar(select(func.count()).select_from(Store)) or 0
        categories = conn.scalar(select(func.count(distinct(Product.category)))) or 0
        products = conn.scalar(select(func.count()).select_from(Product)) or 0
        last = conn.scalar(select(func.max(Upload.uploaded_at)).where(Upload.status == "imported"))
        span = date_range(conn)
        freq = dataset_frequency(conn)
    return {
        "rows": int(rows),
        "stores": int(stores),
        "categories": int(categories),
        "products": int(products),
        "date_min": span[0] if span else None,
        "date_max": span[1] if span else None,
        "frequency": freq,
        "last_import_at": last,
    }


def rows_changed_since(engine: Engine, since: dt.datetime) -> int:
    """Sales rows added, replaced or put back by imports and undos after ``since`` (naive UTC).

    From the uploads' counts: rows new or replaced by imports made after ``since`` that still stand,
    plus the rows each undo made after ``since`` deleted or restored.
    """
    imported = select(func.coalesce(func.sum(Upload.rows_new + Upload.rows_replaced), 0)).where(
        Upload.status == "imported", Upload.uploaded_at > since
    )
    undone = select(func.coalesce(func.sum(Upload.rows_undone), 0)).where(Upload.undone_at > since)
    with _connect(engine) as conn:
        return int(conn.scalar(imported) or 0) + int(conn.scalar(undone) or 0)


def last_import_stamp(engine: Engine | Connection) -> tuple[dt.datetime | None, bool]:
    """When the data last changed: (time of the last import or undo, whether any sales exist)."""
    with _connect(engine) as conn:
        imported = conn.scalar(select(func.max(Upload.uploaded_at)).where(Upload.status == "imported"))
        undone = conn.scalar(select(func.max(Upload.undone_at)))
        any_sale = conn.scalar(select(Sale.date).limit(1))
    stamps = [s for s in (imported, undone) if s is not None]
    return (max(stamps) if stamps else None), any_sale is not None


@dataclass(frozen=True)
class StoreReport:
    """What one store has reported: its first and last dates with sales rows, and how many rows."""

    store: str
    first_date: dt.date
    last_date: dt.date
    rows: int


def store_reporting(bind: Engine | Connection) -> list[StoreReport]:
    """Per store (sorted), the first and last reported date: after its last date a store's sales
    are not yet reported (unknown), not zero. One grouped query over the sales key index."""
    first, last = (type_coerce(agg(Sale.date), String) for agg in (func.min, func.max))
    stmt = select(Sale.store, first, last, func.count()).group_by(Sale.store)
    stmt = stmt.order_by(in_name_order(Sale.store))
    with _connect(bind) as conn:
        rows = conn.execute(stmt).all()
    return [
        StoreReport(store=s, first_date=_as_date(lo), last_date=_as_date(hi), rows=int(n))
        for s, lo, hi, n in rows
    ]


def reported_dates(bind: Engine | Connection, *, start: DateLike) -> dict[str, set[dt.date]]:
    """The dates on or after ``start`` on which each store has at least one sales row."""
    day = type_coerce(Sale.date, String)
    stmt = select(Sale.store, day).where(Sale.date >= _as_date(start)).group_by(Sale.store, Sale.date)
    found: dict[str, set[dt.date]] = {}
    with _connect(bind) as conn:
        for store, date in conn.execute(stmt):
            found.setdefault(store, set()).add(_as_date(date))
    return found


def recent_uploads(engine: Engine | Connection, *, limit: int = 50) -> list[Row]:
    """The latest ``uploads`` rows, newest first (every column, read by attribute: ``row.filename``)."""
    stmt = select(Upload.__table__).order_by(Upload.uploaded_at.desc(), Upload.id.desc()).limit(limit)
    with _connect(engine) as conn:
        return list(conn.execute(stmt).all())


def upload_row(engine: Engine | Connection, upload_id: int) -> Row | None:
    """One ``uploads`` row by id (every column, read by attribute), or None."""
    with _connect(engine) as conn:
        return conn.execute(select(Upload.__table__).where(Upload.id == upload_id)).first()


def sales_dates(bind: Engine | Connection, *, end: DateLike | None = None) -> list[dt.date]:
    """Every distinct sales date (up to ``end`` when given), sorted: the dataset's grid without its rows."""
    stmt = _filtered(select(type_coerce(Sale.date, String)).distinct(), end=end)
    with _connect(bind) as conn:
        return sorted(_as_date(d) for d in conn.scalars(stmt))
