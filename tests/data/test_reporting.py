"""The reporting rule: last reported date per store, silent (closed) stores, complete-through."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.queries import StoreReport
from data.reporting import Reporting, complete_sales, load_reporting, silence_days
from data.storage import import_sales_frame

D = dt.date
FIRST = D(2025, 1, 1)


def report(store: str, last: dt.date) -> StoreReport:
    return StoreReport(store=store, first_date=FIRST, last_date=last, rows=10)


def test_complete_through_is_the_oldest_last_report_of_the_stores_still_reporting():
    reporting = Reporting(
        stores=(report("A", D(2025, 3, 30)), report("B", D(2025, 4, 2)), report("C", D(2025, 3, 28))),
        silent_after=35,
    )
    assert reporting.newest == D(2025, 4, 2)
    assert reporting.complete_through == D(2025, 3, 28)
    assert [r.store for r in reporting.ahead] == ["A", "B"]
    assert reporting.silent == ()
    assert reporting.reported_through("B") == D(2025, 4, 2)
    assert reporting.reported_through(None) == D(2025, 3, 28)
    assert reporting.reported_through("nope") is None


def test_a_store_silent_beyond_the_threshold_counts_as_closed_and_holds_nobody_back():
    stores = (report("A", D(2025, 4, 2)), report("B", D(2025, 3, 31)), report("Dead", D(2025, 2, 25)))
    reporting = Reporting(stores=stores, silent_after=35)  # 2025-04-02 minus 35 days = 2025-02-26
    assert [r.store for r in reporting.silent] == ["Dead"]
    assert reporting.complete_through == D(2025, 3, 31)
    assert [r.store for r in reporting.ahead] == ["A"]
    assert reporting.reported_through("Dead") == D(2025, 2, 25)  # its own view stops at its last report
    # exactly at the threshold it still counts as reporting late, and holds complete-through back
    at_limit = Reporting(stores=(*stores[:2], report("Late", D(2025, 2, 26))), silent_after=35)
    assert at_limit.silent == () and at_limit.complete_through == D(2025, 2, 26)


@pytest.mark.parametrize(("freq", "expected"), [("D", 35), ("W", 35), ("M", 61), ("Q", 183)])
def test_the_silence_threshold_is_at_least_two_periods_of_the_dataset(freq, expected):
    assert silence_days(35, freq) == expected
    assert silence_days(400, freq) == 400


def test_empty_reporting_knows_nothing():
    reporting = Reporting(stores=(), silent_after=35)
    assert reporting.newest is None and reporting.complete_through is None and reporting.ahead == ()


def _days(store: str, start: str, end: str, product: str = "P1") -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="D")
    return pd.DataFrame({"date": dates, "store": store, "category": "C", "product": product, "revenue": 10.0})


def test_load_reporting_and_the_training_cut_on_a_database(engine):
    frame = pd.concat(
        [
            _days("A", "2025-01-01", "2025-03-30"),
            _days("B", "2025-01-01", "2025-03-30"),
            _days("Dead", "2025-01-01", "2025-02-10"),
            _days("A", "2025-03-31", "2025-04-02", product="P2"),  # A ahead by three days
        ]
    )
    import_sales_frame(engine, frame, filename="s.csv", uploaded_by="test")
    reporting = load_reporting(engine, silent_days=35)
    assert reporting.silent_after == 35
    assert [r.store for r in reporting.silent] == ["Dead"]
    assert reporting.complete_through == D(2025, 3, 30)
    assert [(r.store, r.last_date) for r in reporting.ahead] == [("A", D(2025, 4, 2))]
    sales = frame.reset_index(drop=True)
    cut = complete_sales(sales, reporting)
    assert cut["date"].max() == pd.Timestamp("2025-03-30")
    assert len(cut) == len(sales) - 3
    # the dead store's rows are all kept: its silence is read as no sales, not as a cut
    assert (cut["store"] == "Dead").sum() == (sales["store"] == "Dead").sum()
