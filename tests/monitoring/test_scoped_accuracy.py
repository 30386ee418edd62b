"""The forecast-vs-actual card of a manager limited to some stores: "my stores" is the sum of her
stores' archived forecasts and actuals — never the chain's ``store=*`` series nor another store's."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from callbacks.monitoring import accuracy_download
from components.state import ViewState
from data.forecast_store import POINT_COLUMNS, write_snapshot
from data.storage import import_sales_frame
from services.monitoring import export_frame, forecast_vs_actual
from services.scoping import StoreNotAllowed, StoreScope
from tests.monitoring.conftest import T

ORIGIN = T - dt.timedelta(days=7)
DAILY = {"S1": 100.0, "S2": 40.0, "S3": 7.0}  # revenue per day of each store
FORECAST = {"store=*": 1000.0, "store=S1": 110.0, "store=S2": 44.0, "store=S3": 9.0}
MINE = StoreScope(frozenset({"S1", "S2"}))


@pytest.fixture
def chain(engine, tmp_path, make_services):
    """Three stores selling every day to T; one snapshot 7 days before T with a forecast per store and
    a chain-wide one that is not their sum (so a wrong source shows)."""
    dates = pd.date_range(pd.Timestamp(T) - pd.Timedelta(days=60), pd.Timestamp(T), freq="D")
    sales = pd.concat(
        pd.DataFrame({"date": dates, "store": s, "category": "C", "product": "P", "revenue": v})
        for s, v in DAILY.items()
    )
    import_sales_frame(engine, sales, filename="sales.csv", uploaded_by="test")
    steps = pd.date_range(pd.Timestamp(ORIGIN) + pd.Timedelta(days=1), periods=28, freq="D")
    points = pd.DataFrame(
        [(sid, d, f, f - 5, f + 5, f - 9, f + 9) for sid, f in FORECAST.items() for d in steps],
        columns=list(POINT_COLUMNS),
    )
    write_snapshot(
        engine,
        tmp_path,
        level="store",
        model_version="v1",
        origin=ORIGIN,
        freq="D",
        reason="daily",
        points=points,
    )
    return make_services(engine)


def test_my_stores_are_the_sum_of_my_stores_only(chain):
    view = forecast_vs_actual(chain, "store", "store=*", scope=MINE)
    assert view.through == T
    assert (view.actuals == DAILY["S1"] + DAILY["S2"]).all()  # not 147 (with S3)
    (past,) = view.past
    assert (past.frame["forecast"] == FORECAST["store=S1"] + FORECAST["store=S2"]).all()  # not 1000
    assert past.frame["lo80"].isna().all()  # a sum of ranges is not the range of the sum


def test_everyone_else_reads_the_chain_series(chain):
    (past,) = forecast_vs_actual(chain, "store", "store=*").past
    assert (past.frame["forecast"] == FORECAST["store=*"]).all()
    assert (forecast_vs_actual(chain, "store", "store=*").actuals == sum(DAILY.values())).all()


def test_one_of_my_stores_is_its_own_series_and_another_is_refused(chain):
    view = forecast_vs_actual(chain, "store", "store=S2", store="S2", scope=MINE)
    assert (view.past[0].frame["forecast"] == FORECAST["store=S2"]).all()
    assert (view.actuals == DAILY["S2"]).all()
    with pytest.raises(StoreNotAllowed):
        forecast_vs_actual(chain, "store", "store=S3", store="S3", scope=MINE)


def test_the_export_of_my_stores_holds_my_numbers_only(chain):
    view = forecast_vs_actual(chain, "store", "store=*", scope=MINE)
    frame = export_frame(view)
    assert set(frame["forecast"]) == {FORECAST["store=S1"] + FORECAST["store=S2"]}
    assert set(frame["actual"]) == {DAILY["S1"] + DAILY["S2"]}
    payload = accuracy_download(view, ViewState("store"), "csv")
    back = pd.read_csv(io.StringIO(payload["content"]))
    assert len(back) == 7 and set(back["actual"]) == {140.0}
