"""A partial upload reads as "not yet reported", never as zero sales (issue 12, "Why" item 5).

Demo data for 3 stores to Sunday 30 Mar 2025 with trained MASTERs; then an admin uploads 6 rows: 2
products of one store on Mon 31 Mar – Wed 2 Apr. The all-stores numbers must not move for the days
the other stores have not reported, that store's own view shows its new days, and a retraining
does not learn false zeros.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from app.config import Settings
from callbacks.catalogue import CatalogueCache
from callbacks.forecast import render_view
from components.kpis import compute_kpis
from components.state import ViewState
from data.db import make_engine
from data.reporting import load_reporting
from data.storage import import_sales_frame, load_sales
from models.artifacts import load_artifact
from models.holder import ModelHolder
from models.pipeline import run_training
from models.registry import get_version
from models.series import series_id
from scheduler.jobs import gate_facts
from services.forecast_view import HolderSource, ViewQuery, forecast_view, reported_sales
from tests.browser.forecast_server import TINY_TRAINING, build_trained_instance

END = dt.date(2025, 3, 30)  # a Sunday: the last week and month-to-date are whole before the upload
NEW_DAYS = pd.date_range("2025-03-31", periods=3, freq="D")
SILENT_DAYS = Settings().store_silent_days


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of demo sales to ``END`` with MASTERs of every level (built once, copied per test)."""
    instance = tmp_path_factory.mktemp("complete")
    build_trained_instance(instance, seed=21, n_stores=3, n_products=6, start=dt.date(2024, 1, 1), end=END)
    return instance


@pytest.fixture
def instance(trained: Path, tmp_path: Path) -> Path:
    """A private copy of the trained database (its registry rows point at the module's artifacts)."""
    copy = tmp_path / "instance"
    copy.mkdir()
    original, private = trained / "trendsales.db", copy / "trendsales.db"
    with sqlite3.connect(original) as source, sqlite3.connect(private) as target:
        source.backup(target)
    return copy


@pytest.fixture
def engine(instance: Path):
    eng = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    yield eng
    eng.dispose()


def partial_upload(engine) -> str:
    """6 rows: 2 products of one store on 3 new days; returns the store."""
    sales = load_sales(engine, start=END, end=END)
    store = sorted(sales["store"].unique())[0]
    products = sales[sales["store"] == store].drop_duplicates("product").head(2)
    rows = [
        {"date": day, "store": store, "category": p.category, "product": p.product, "revenue": 100.0 + i}
        for i, day in enumerate(NEW_DAYS)
        for p in products.itertuples()
    ]
    result = import_sales_frame(engine, pd.DataFrame(rows), filename="partial.csv", uploaded_by="admin")
    assert result.status == "imported" and len(rows) == 6
    return store


def view_of(engine, holder, store: str | None, freq: str):
    """The service's view of the store level (one store or all stores) at ``freq``, with its KPIs."""
    reporting = load_reporting(engine, silent_days=SILENT_DAYS)
    source = HolderSource.of(holder)
    model = source.model("store")
    reported = reported_sales(engine, reporting, model.data_range[1], store=store)
    query = ViewQuery("store", series_id("store", store=store), freq, horizon=4, history_days=0)
    view = forecast_view(source, query, reported)
    kpis = compute_kpis(view.full_history, view.forecast80, view.forecast95, view.last_year, freq)
    return view, kpis


def figure_of(engine, holder, state: ViewState):
    cache = CatalogueCache(engine, ttl=3600, silent_days=SILENT_DAYS)
    out = render_view(holder, engine, cache, state)
    return {t["name"]: t for t in out.figure["data"]}, out


def _kpi_numbers(kpis) -> tuple:
    return (kpis.last_period, kpis.last_value, kpis.next_period, kpis.next_value, kpis.change)


@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_all_stores_numbers_do_not_move_for_days_other_stores_have_not_reported(engine, freq):
    holder = ModelHolder(engine, poll_seconds=3600)
    before, kpis_before = view_of(engine, holder, None, freq)
    traces_before, _ = figure_of(engine, holder, ViewState("store", freq=freq))

    store = partial_upload(engine)
    after, kpis_after = view_of(engine, holder, None, freq)
    traces_after, out = figure_of(engine, holder, ViewState("store", freq=freq))

    pd.testing.assert_series_equal(after.full_history, before.full_history)
    assert _kpi_numbers(kpis_after) == _kpi_numbers(kpis_before)
    assert kpis_after.last_period <= pd.Timestamp(END)
    assert traces_after["History"]["x"] == traces_before["History"]["x"]
    assert traces_after["History"]["y"] == traces_before["History"]["y"]
    # the new days are there, marked as partially reported, in a band, with the note
    partial = traces_after["Partially reported"]
    last = {"D": "2025-04-02", "W": "2025-03-31", "M": "2025-04-01"}[freq]
    assert partial["x"][-1] == last
    if freq == "D":
        assert partial["y"] == [200.0 + 2 * i for i in range(3)]
    assert after.ahead == (store,) and after.reported_through == pd.Timestamp(END)
    assert any(s.get("name") == "Partially reported" for s in out.figure["layout"]["shapes"])
    note = str(out.alert)
    assert "Sales complete through 30 Mar 2025; 1 store has reported later days (to 02 Apr 2025)" in note
    assert "Partially reported" not in traces_before


def test_one_store_view_shows_its_new_days(engine):
    holder = ModelHolder(engine, poll_seconds=3600)
    store = partial_upload(engine)
    view, kpis = view_of(engine, holder, store, "D")
    assert view.full_history.index[-1] == pd.Timestamp("2025-04-02")
    assert list(view.full_history.iloc[-3:]) == [200.0, 202.0, 204.0]
    assert view.partial.empty and kpis.last_period == pd.Timestamp("2025-04-02")
    traces, _ = figure_of(engine, holder, ViewState("store", store=store, freq="D"))
    assert traces["History"]["x"][-3:] == ["2025-03-31", "2025-04-01", "2025-04-02"]
    assert "Partially reported" not in traces
    # another store's view stops at its own last report
    other = sorted(load_reporting(engine, silent_days=SILENT_DAYS).stores, key=lambda r: r.store)[-1]
    other_view, _ = view_of(engine, holder, other.store, "D")
    assert other_view.full_history.index[-1] == pd.Timestamp(END)


def test_training_after_the_partial_upload_sees_no_false_zeros(engine, instance):
    """Retrain (as the MASTERs were trained) after the upload: no level learns the unreported days."""
    before = {freq: view_of(engine, ModelHolder(engine, poll_seconds=3600), None, freq) for freq in "DW"}
    store = partial_upload(engine)
    config = Settings().with_overrides({**TINY_TRAINING, "MODEL_DIR": str(instance / "models")})
    assert gate_facts(engine, config)[2]["new_days"] == 0  # the partial days are not new training data
    outcomes = run_training(engine, config, source="test")
    for level, outcome in outcomes.items():
        assert outcome.error is None, outcome.error
        assert outcome.trained_through == END.isoformat()
        info = get_version(engine, outcome.version_id)
        fp = info.data_fingerprint
        assert fp["date_max"] == END.isoformat() and fp["complete_through"] == END.isoformat()
        assert fp["stores_ahead"] == {store: "2025-04-02"}
        model = load_artifact(info.artifact_path, expected_level=level)
        assert pd.Timestamp(model.data_range[1]) == pd.Timestamp(END)
        report = (Path(info.report_path).parent / "report.md").read_text()
        assert f"Trained through {END.isoformat()}" in report and f"{store} (to 2025-04-02)" in report
    # the all-stores series the store level trained on equals the recorded sums over the reported span
    model = load_artifact(get_version(engine, outcomes["store"].version_id).artifact_path)
    expected = load_sales(engine, end=END).groupby("date")["revenue"].sum()
    history = model.history("store=*")
    assert history.index[-1] == pd.Timestamp(END)
    assert history.tail(60).to_numpy() == pytest.approx(expected.tail(60).to_numpy())
    # and what the dashboard serves after the retraining has not moved for all stores
    holder = ModelHolder(engine, poll_seconds=3600)
    for freq, (view, kpis) in before.items():
        after, kpis_after = view_of(engine, holder, None, freq)
        pd.testing.assert_series_equal(after.full_history, view.full_history)
        assert _kpi_numbers(kpis_after) == _kpi_numbers(kpis)
    own, _ = view_of(engine, holder, store, "D")
    assert own.full_history.index[-1] == pd.Timestamp("2025-04-02")


def test_a_silent_store_does_not_hold_complete_through_back(engine):
    reporting = load_reporting(engine, silent_days=SILENT_DAYS)
    dead = reporting.stores[0].store
    with engine.begin() as conn:  # the store stopped reporting 2 months before the end
        conn.exec_driver_sql("DELETE FROM sales WHERE store = ? AND date > '2025-01-28'", (dead,))
    reporting = load_reporting(engine, silent_days=SILENT_DAYS)
    assert [r.store for r in reporting.silent] == [dead]
    assert reporting.complete_through == END
    holder = ModelHolder(engine, poll_seconds=3600)
    view, _ = view_of(engine, holder, dead, "D")
    assert view.full_history.index[-1] == pd.Timestamp("2025-01-28")
