"""SQLite writers that read first: their write lock is taken at the start of the transaction.

Python's sqlite3 begins a transaction lazily, so a transaction that read the database and then writes
fails at once with "database is locked" when another connection committed in between (WAL snapshot
conflict; the busy timeout does not apply). A live test saw an import fail that way while gunicorn
workers wrote their heartbeats. ``begin_write`` (used by imports, undo and promotions) prevents it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from data.db import begin_write
from data.storage import import_sales_frame


def _other_writer(engine: Engine) -> sqlite3.Connection:
    """A second connection that gives up at once when the database is locked."""
    return sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)


def _frame(days: int, revenue: float) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    return pd.DataFrame(
        {"date": dates, "store": "S1", "category": "Fruit", "product": "Apple", "revenue": revenue}
    )


def test_a_read_then_write_transaction_without_the_lock_is_refused(engine: Engine) -> None:
    """The failure itself: a deferred transaction's first write after another connection's commit."""
    other = _other_writer(engine)
    with pytest.raises(OperationalError, match="database is locked"), engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE scratch (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO scratch VALUES (1)")  # opens the (deferred) transaction
        conn.execute(text("SELECT COUNT(*) FROM stores")).scalar_one()  # read snapshot taken here
        other.execute("INSERT INTO stores (store) VALUES ('elsewhere')")  # commits after the snapshot
        conn.execute(text("INSERT INTO stores (store) VALUES ('mine')"))
    other.close()


def test_begin_write_holds_the_lock_from_the_first_statement(engine: Engine) -> None:
    other = _other_writer(engine)
    with engine.begin() as conn:
        begin_write(conn)
        conn.exec_driver_sql("CREATE TEMP TABLE scratch (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO scratch VALUES (1)")
        conn.execute(text("SELECT COUNT(*) FROM stores")).scalar_one()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("INSERT INTO stores (store) VALUES ('elsewhere')")
        conn.execute(text("INSERT INTO stores (store) VALUES ('mine')"))
        begin_write(conn)  # a second call inside the transaction is harmless
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT store FROM stores")).scalars()) == ["mine"]
    other.execute("INSERT INTO stores (store) VALUES ('elsewhere')")  # free again after the commit
    other.close()


def test_begin_write_rolls_back_like_any_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        begin_write(conn)
        conn.execute(text("INSERT INTO stores (store) VALUES ('gone')"))
        raise RuntimeError("fails before the commit")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM stores")).scalar_one() == 0


def test_an_import_keeps_the_lock_while_it_compares(engine: Engine, tmp_path: Path) -> None:
    """A writer that commits while an import compares its staged rows with stored sales waits (here:
    is refused at once) instead of making the import's first write fail."""
    import_sales_frame(engine, _frame(10, 1.0), filename="first.csv", uploaded_by="test")
    other = _other_writer(engine)
    refusals: list[str] = []

    def progress(step: int, total: int, label: object) -> None:
        if "comparing" in str(label):
            try:
                other.execute("INSERT INTO stores (store) VALUES ('elsewhere')")
            except sqlite3.OperationalError as exc:
                refusals.append(str(exc))

    result = import_sales_frame(
        engine, _frame(20, 2.0), filename="second.csv", uploaded_by="test", progress=progress
    )
    other.close()
    assert refusals == ["database is locked"]
    assert (result.status, result.rows_new, result.rows_replaced) == ("imported", 10, 10)
