"""The view callback's pure core and the export, on a real trained model and a real database."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3

import pandas as pd
import pytest

from app.config import Settings
from callbacks.catalogue import CatalogueCache
from callbacks.export import export_filename, export_frame, forecast_download, xlsx_bytes
from callbacks.filters import drill_target, horizon_for_freq, products_for
from callbacks.forecast import combination_problem, filter_values, render_view
from callbacks.navigation import page_for_path
from components.state import ViewState, tab_of, to_query
from data.db import make_engine
from data.storage import import_sales_frame
from models.holder import ModelHolder

SILENT_DAYS = Settings().store_silent_days


def first_store_and_missing_product(cache):
    catalogue = cache.get()
    for store in catalogue.stores:
        missing = sorted(set(catalogue.product_category) - catalogue.carried[store])
        if missing:
            return store, missing[0]
    pytest.fail("the fixture dataset must have a store that does not carry some product")


def test_catalogue_matches_the_database(cache):
    catalogue = cache.get()
    assert len(catalogue.stores) == 2 and catalogue.freq == "D"
    assert set(catalogue.product_category.values()) <= set(catalogue.categories)


def test_render_store_view_fills_every_output(holder, trained_engine, cache):
    out = render_view(holder, trained_engine, cache, ViewState("store", freq="W", horizon=13))
    names = {t["name"] for t in out.figure["data"]}
    assert {"History", "Forecast", "80% interval", "95% interval"} <= names
    assert out.alert is None and "next 13 weeks" in out.title
    assert len(out.kpis) == 4 and "Typical error" in str(out.card)
    categories = out.breakdown["data"][0]["customdata"]
    assert set(categories) <= set(cache.get().categories) and len(categories) >= 2


def test_unsold_product_says_so_and_lists_the_stores_that_sell_it(holder, trained_engine, cache):
    store, product = first_store_and_missing_product(cache)
    state = ViewState("product", store=store, product=product)
    problem = combination_problem(state, cache.get())
    assert problem.startswith(f"{product} is not sold in {store}")
    out = render_view(holder, trained_engine, cache, state)
    assert problem in str(out.alert)
    assert set(out.breakdown["data"][0]["customdata"]) == set(cache.get().stores_carrying(product))


def test_no_model_shows_recorded_history(trained_engine, cache):
    out = render_view(
        None, trained_engine, cache, ViewState("category", category=cache.get().categories[0], freq="M")
    )
    assert [t["name"] for t in out.figure["data"]] == ["History"]
    assert "flask --app wsgi train" in str(out.alert)


def test_export_holds_the_history_shown_the_forecast_and_the_selection(holder, trained_engine, cache):
    state = ViewState("store", store=None, freq="W", horizon=6, history=182)
    payload = forecast_download(holder, state, "csv")
    frame = pd.read_csv(io.StringIO(payload["content"]), keep_default_na=False, na_values=[""])
    assert list(frame.columns) == [
        *["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"],
        *["actual", "kind", "store", "category", "product", "granularity", "model_version"],
    ]
    assert payload["filename"] == "forecast_store_all-stores_W6.csv"
    forecast, actual = frame[frame["kind"] == "forecast"], frame[frame["kind"] == "actual"]
    shown = holder.forecast("store", "store=*", 6, freq="W", interval=0.8)
    assert forecast["forecast"].tolist() == pytest.approx(shown["forecast"].round(2).tolist())
    assert forecast["actual"].isna().all() and actual["forecast"].isna().all()
    # The history rows are the chart's History line, date for date.
    figure = render_view(holder, trained_engine, cache, state).figure
    history = next(t for t in figure["data"] if t["name"] == "History")
    assert actual["date"].tolist() == history["x"] and actual["actual"].tolist() == history["y"]
    assert len(actual) == 26  # 182 days of whole weeks
    assert set(frame["store"]) == {"all stores"} and set(frame["granularity"]) == {"W"}
    assert set(frame["model_version"]) == {holder.snapshot().versions["store"]}
    xlsx = forecast_download(holder, state, "xlsx")
    assert xlsx["filename"].endswith(".xlsx") and xlsx["base64"]
    with pytest.raises(ValueError, match="unknown export format"):
        forecast_download(holder, state, "pdf")


def test_export_frame_and_names():
    f = pd.DataFrame(
        {"date": pd.to_datetime(["2025-07-07"]), "forecast": [1.234], "lower": [1.0], "upper": [2.0]}
    )
    frame = export_frame(f, f.assign(lower=0.5, upper=3.0))
    assert frame.iloc[0][["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]].to_dict() == {
        "date": "2025-07-07",
        "forecast": 1.23,
        "lower_80": 1.0,
        "upper_80": 2.0,
        "lower_95": 0.5,
        "upper_95": 3.0,
    }
    history = pd.Series([10.004], index=pd.to_datetime(["2025-06-30"]))
    selection = {"store": "=HYPERLINK(1)", "granularity": "W"}
    frame = export_frame(f, f.assign(lower=0.5, upper=3.0), history, selection)
    assert frame["kind"].tolist() == ["actual", "forecast"] and frame["actual"].iloc[0] == 10.0
    assert not frame["store"].iloc[0].startswith("=")  # names from files never run as formulas
    with pytest.raises(ValueError, match="different periods"):
        export_frame(f, f.assign(date=pd.to_datetime(["2025-07-14"])))
    state = ViewState(
        "product", store="Loja Centro", product="Papel Higiênico 12/rolos", freq="D", horizon=28
    )
    assert export_filename(state, "csv") == "forecast_product_Loja-Centro_Papel-Higi-nico-12-rolos_D28.csv"
    assert pd.read_excel(io.BytesIO(xlsx_bytes(frame, state)), sheet_name="View").shape == (7, 2)


def test_drill_down_targets_keep_the_shared_filters():
    state = ViewState("store", store="Loja A", freq="M", horizon=6, history=730)
    path, target = drill_target(state, "Bebidas")
    assert (
        path == "/category"
        and to_query(target) == "?store=Loja+A&category=Bebidas&freq=M&horizon=6&history=730"
    )
    path, target = drill_target(target, "Cola")
    assert path == "/product" and target.product == "Cola"
    assert drill_target(target, "Loja B")[1].store == "Loja B"


def test_filter_helpers(cache, holder):
    store, product = first_store_and_missing_product(cache)
    catalogue = cache.get()
    other = next(c for c in catalogue.categories if c != catalogue.product_category[product])
    options, chosen = products_for(
        catalogue, ViewState("product", store=store, category=other, product=product)
    )
    assert chosen in catalogue.products(other) and {o["value"] for o in options} >= set(
        catalogue.products(other, store)
    )
    options, chosen = products_for(catalogue, ViewState("product", store=store, product=product))
    assert chosen == product and "not sold in" in options[0]["label"]
    opts, value = horizon_for_freq("M", {"M": 13})
    assert value == 3 and [o["value"] for o in opts] == [1, 3, 6, 12]
    assert tab_of("/category") == "category" and tab_of("/") == "store" and tab_of("/admin") == "store"
    assert filter_values(
        [{"id": {"type": "ts-filter", "name": "freq"}, "property": "value", "value": "W"}]
    ) == {"freq": "W"}


def test_pages_open_with_the_filters_of_the_link(cache):
    page = page_for_path(
        "/category",
        "?freq=M&horizon=6&category=Nope",
        is_admin=False,
        catalogue=cache.get(),
        limits={"M": 13},
    )
    text = str(page)
    assert "Unknown category 'Nope'" in text and "'value': 'M'" in text and "'value': 6" in text
    assert "No sales data yet" in str(page_for_path("/store", "", is_admin=True))
    assert "no page at /nowhere" in str(page_for_path("/nowhere", is_admin=False))


def test_sales_newer_than_the_model_are_announced(trained_engine, tmp_path):
    """After an import the forecast still starts at the model's last date: the view says why. Days only
    one store has reported get the completeness note instead (they are not yet complete data)."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(trained_engine.url.database) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # a consistent copy of the trained database (WAL included)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        catalogue = CatalogueCache(engine, ttl=3600, silent_days=SILENT_DAYS).get()
        week = pd.date_range("2025-07-01", periods=7, freq="D")

        def july(store: str) -> pd.DataFrame:
            product = sorted(catalogue.carried[store])[0]
            category = catalogue.product_category[product]
            return pd.DataFrame(
                {"date": week, "store": store, "category": category, "product": product, "revenue": 100.0}
            )

        first, second = catalogue.stores[:2]
        assert import_sales_frame(engine, july(first), filename="a", uploaded_by="t").status == "imported"
        holder = ModelHolder(engine, poll_seconds=3600)
        state = ViewState("store", freq="W")
        out = render_view(holder, engine, CatalogueCache(engine, ttl=3600, silent_days=SILENT_DAYS), state)
        text = str(out.alert)
        assert "Sales complete through 30 Jun 2025; 1 store has reported later days (to 07 Jul 2025)" in text
        assert "Sales up to" not in text

        assert import_sales_frame(engine, july(second), filename="b", uploaded_by="t").status == "imported"
        out = render_view(holder, engine, CatalogueCache(engine, ttl=3600, silent_days=SILENT_DAYS), state)
        text = str(out.alert)
        assert "Sales up to 07 Jul 2025 are recorded" in text and "trained on sales to 30 Jun 2025" in text
        assert "Sales complete through" not in text
        assert dt.date(2025, 7, 7) == CatalogueCache(engine, silent_days=SILENT_DAYS).get().last_date
    finally:
        engine.dispose()


def test_unsold_product_is_an_empty_state_with_exports_disabled(holder, trained_engine, cache):
    """A short message instead of a large blank chart, a KPI card saying why, and no live export button."""
    store, product = first_store_and_missing_product(cache)
    out = render_view(holder, trained_engine, cache, ViewState("product", store=store, product=product))
    (
        _figure,
        _title,
        _note,
        kpis,
        _card,
        _breakdown,
        _alert,
        _bnote,
        csv_off,
        xlsx_off,
        png_off,
        style,
        links,
    ) = out.as_tuple()
    assert csv_off and xlsx_off and png_off
    assert style == {"height": "160px"} and out.figure.layout.height == 160
    assert "is not sold in" in str(kpis) and "choose another store" in str(kpis)
    # The stores that sell it are keyboard links to their view of the product.
    assert all(s in str(links) for s in cache.get().stores_carrying(product))
    shown = render_view(holder, trained_engine, cache, ViewState("store", freq="W", horizon=4)).as_tuple()
    assert shown[8:11] == (False, False, False) and shown[11] == {"minHeight": "440px"}


def test_breakdown_links_open_the_same_views_as_the_bars(holder, trained_engine, cache):
    out = render_view(holder, trained_engine, cache, ViewState("store", store=None, freq="M", horizon=3))
    hrefs = [link.href for item in out.breakdown_list.children[1].children for link in item.children[:1]]
    labels = out.breakdown["data"][0]["customdata"][::-1]  # the chart draws the largest last
    assert hrefs == [f"/category?category={c}&freq=M&horizon=3&history=365" for c in labels]
