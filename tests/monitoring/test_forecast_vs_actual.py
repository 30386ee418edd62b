"""The dashboard's forecast-vs-actual data: past origins over the actuals, the live error, the export."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from callbacks.monitoring import accuracy_download, accuracy_outputs
from components.monitoring import live_error_text
from components.state import ViewState
from data.forecast_store import POINT_COLUMNS, write_snapshot
from data.storage import import_sales_frame
from services.monitoring import EXPORT_COLUMNS, export_frame, forecast_vs_actual
from services.scoping import StoreNotAllowed, StoreScope
from tests.monitoring.conftest import T

OLD, RECENT = T - dt.timedelta(days=28), T - dt.timedelta(days=7)


def _points(origin: dt.date, value: float, lo: float, hi: float, steps: int = 35) -> pd.DataFrame:
    dates = pd.date_range(pd.Timestamp(origin) + pd.Timedelta(days=1), periods=steps, freq="D")
    return pd.DataFrame(
        [(sid, d, value, lo, hi, lo - 10, hi + 10) for sid in ("store=*", "store=S1") for d in dates],
        columns=list(POINT_COLUMNS),
    )


@pytest.fixture
def archived(engine, tmp_path, make_services):
    """Sales of 100 a day in one store to T; forecasts archived 4 weeks (110, 80% 105..115) and
    1 week (100, 80% 90..110) before T."""
    dates = pd.date_range(pd.Timestamp(T) - pd.Timedelta(days=90), pd.Timestamp(T), freq="D")
    sales = pd.DataFrame({"date": dates, "store": "S1", "category": "C", "product": "P", "revenue": 100.0})
    import_sales_frame(engine, sales, filename="sales.csv", uploaded_by="test")
    for origin, value, lo, hi in ((OLD, 110.0, 105.0, 115.0), (RECENT, 100.0, 90.0, 110.0)):
        write_snapshot(
            engine,
            tmp_path,
            level="store",
            model_version="v1",
            origin=origin,
            freq="D",
            reason="daily",
            points=_points(origin, value, lo, hi),
        )
    return make_services(engine)


def test_two_past_origins_are_drawn_over_the_actuals(archived):
    view = forecast_vs_actual(archived, "store", "store=*")
    assert [p.origin for p in view.past] == [RECENT, OLD]  # newest first
    assert view.through == T
    assert view.actuals.index.min() < pd.Timestamp(OLD) and view.actuals.index.max() == pd.Timestamp(T)
    assert (view.actuals == 100.0).all()
    old = view.past[1].frame
    assert old["date"].min() == pd.Timestamp(OLD) + pd.Timedelta(days=1)
    assert old["date"].max() <= pd.Timestamp(T) + pd.Timedelta(days=28)


def test_the_live_error_pools_the_first_week_forecasts_of_the_last_four_weeks(archived):
    live = forecast_vs_actual(archived, "store", "store=S1", store="S1").live
    # 7 days from OLD at +10 each, 7 days from RECENT on target: bias 70 / 1400; only RECENT's
    # range (90..110) holds the actual 100
    assert live.periods == 14
    assert live.bias == pytest.approx(0.05)
    assert live.coverage_80 == pytest.approx(0.5)
    assert (
        live_error_text(live, "D") == "Last 4 weeks: forecast 5,0% above actual; 80% range held 50% of days."
    )


def test_the_export_lists_each_origin_up_to_the_complete_date(archived):
    view = forecast_vs_actual(archived, "store", "store=*")
    frame = export_frame(view)
    assert tuple(frame.columns) == EXPORT_COLUMNS
    assert len(frame) == 7 + 28  # RECENT: T-6..T; OLD: T-27..T
    first = frame.iloc[0]
    assert (first["origin"], first["date"], first["actual"], first["forecast"]) == (
        f"{RECENT}",
        f"{RECENT + dt.timedelta(days=1)}",
        100.0,
        100.0,
    )
    state = ViewState("store")
    csv = accuracy_download(view, state, "csv")
    assert csv["filename"].startswith("forecast-vs-actual_store_all-stores") and csv["filename"].endswith(
        ".csv"
    )
    back = pd.read_csv(io.StringIO(csv["content"]))
    assert len(back) == 35 and list(back.columns) == list(EXPORT_COLUMNS)
    xlsx = accuracy_download(view, state, "xlsx")
    import base64

    sheets = pd.read_excel(io.BytesIO(base64.b64decode(xlsx["content"])), sheet_name=None)
    assert list(sheets) == ["Forecast vs actual", "View"] and len(sheets["Forecast vs actual"]) == 35
    headings = list(sheets["Forecast vs actual"].columns)  # outside a request: the source language
    assert headings[:4] == ["Forecast made with sales up to", "Date", "Actual (R$)", "Forecast (R$)"]


def test_a_store_outside_the_scope_is_refused_and_nothing_archived_hides_the_card(archived, engine):
    with pytest.raises(StoreNotAllowed):
        forecast_vs_actual(archived, "store", "store=S2", store="S2", scope=StoreScope(frozenset({"S1"})))
    assert forecast_vs_actual(archived, "category", "store=*|category=C") is None
    assert accuracy_outputs(None)[2] == {"display": "none"}
