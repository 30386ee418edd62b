"""Read helpers: filtered loads, SQL-summed series, catalogue lists, summary, rows changed since T."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.queries import (
    dataset_frequency,
    date_range,
    list_categories,
    list_products,
    list_stores,
    load_revenue_series,
    load_sales,
    rows_changed_since,
    sales_summary,
)
from data.schema import utc_now
from data.storage import import_sales_files


def test_empty_database(engine):
    assert load_sales(engine).empty
    series = load_revenue_series(engine)
    assert series.empty and isinstance(series.index, pd.DatetimeIndex)
    assert date_range(engine) is None and dataset_frequency(engine) is None
    summary = sales_summary(engine)
    assert summary["rows"] == 0 and summary["last_import_at"] is None
    assert rows_changed_since(engine, dt.datetime(2000, 1, 1)) == 0


@pytest.fixture
def loaded(engine, sales_csv, upload_dir):
    path = sales_csv(
        "s.csv",
        "2024-01-01,S1,Fruit,Apple,1",
        "2024-01-01,S1,Fruit,Pear,2",
        "2024-01-01,S2,Veg,Leek,4",
        "2024-01-02,S1,Fruit,Apple,8",
        "2024-01-02,S2,Fruit,Apple,16",
        "2024-01-03,S2,Veg,Leek,32",
    )
    import_sales_files(engine, [path], uploaded_by="t", upload_dir=upload_dir)
    return engine


def test_load_sales_filters(loaded):
    frame = load_sales(loaded)
    assert list(frame.columns) == ["date", "store", "category", "product", "revenue"]
    assert len(frame) == 6 and pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert load_sales(loaded, stores="S2")["revenue"].sum() == 52
    assert load_sales(loaded, stores=["S1", "S2"], categories="Fruit")["revenue"].sum() == 27
    assert load_sales(loaded, products=["Leek"], start="2024-01-02")["revenue"].tolist() == [32.0]
    assert load_sales(loaded, end=dt.date(2024, 1, 1))["revenue"].sum() == 7


def test_revenue_series_summed_per_date(loaded):
    total = load_revenue_series(loaded)
    assert total.index.name == "date" and total.name == "revenue"
    assert total.tolist() == [7.0, 24.0, 32.0]
    assert load_revenue_series(loaded, store="S1").tolist() == [3.0, 8.0]
    assert load_revenue_series(loaded, category="Fruit", store="S2").tolist() == [16.0]
    apple = load_revenue_series(loaded, product="Apple", start="2024-01-02", end="2024-01-02")
    assert apple.to_dict() == {pd.Timestamp("2024-01-02"): 24.0}


def test_catalogue_lists(loaded):
    assert list_stores(loaded) == ["S1", "S2"]
    assert list_categories(loaded) == ["Fruit", "Veg"]
    assert list_products(loaded) == [("Apple", "Fruit"), ("Leek", "Veg"), ("Pear", "Fruit")]
    assert list_products(loaded, category="Fruit") == [("Apple", "Fruit"), ("Pear", "Fruit")]
    assert list_products(loaded, store="S2") == [("Apple", "Fruit"), ("Leek", "Veg")]
    assert list_products(loaded, store="S2", category="Veg") == [("Leek", "Veg")]


def test_summary_and_rows_changed_since(loaded, sales_csv, upload_dir):
    summary = sales_summary(loaded)
    assert {k: summary[k] for k in ("rows", "stores", "categories", "products", "frequency")} == {
        "rows": 6, "stores": 2, "categories": 2, "products": 3, "frequency": "D"
    }  # fmt: skip
    assert (summary["date_min"], summary["date_max"]) == (dt.date(2024, 1, 1), dt.date(2024, 1, 3))
    assert isinstance(summary["last_import_at"], dt.datetime)
    mark = utc_now()
    assert rows_changed_since(loaded, mark) == 0
    more = sales_csv("more.csv", "2024-01-03,S2,Veg,Leek,33", "2024-01-04,S2,Veg,Leek,1")
    import_sales_files(loaded, [more], uploaded_by="t", upload_dir=upload_dir)
    assert rows_changed_since(loaded, mark) == 2  # one new, one replaced
    assert rows_changed_since(loaded, dt.datetime(2000, 1, 1)) == 8
