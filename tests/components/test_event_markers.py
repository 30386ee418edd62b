"""Events on the chart: one marker per display period, named on hover, only the viewer's stores."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from components.forecast_figures import EVENTS, forecast_figure
from data.events import read_events, replace_events
from services.events import chart_events

CALENDAR = (
    b"date,name,store\n"
    b"2026-12-04,Black Friday <b>,\n"
    b"2026-12-05,Liquidacao,S01\n"
    b"2026-12-20,Natal S02,S02\n"
    b"2027-03-01,Fora da janela,\n"
)


def _frame(dates: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({"date": dates, "forecast": 10.0, "lower": 8.0, "upper": 12.0})


def test_chart_events_per_period_store_and_scope(engine: Engine) -> None:
    replace_events(engine, read_events(CALENDAR, "e.csv"), file="e.csv", actor="t", rows=4)
    start, end = pd.Timestamp("2026-11-01"), pd.Timestamp("2027-01-31")
    weekly = chart_events(engine, "S01", start, end, "W-SUN")
    assert weekly.to_dict("records") == [
        {"date": pd.Timestamp("2026-11-30"), "name": "Black Friday <b>, Liquidacao"}  # one week, one marker
    ]
    monthly = chart_events(engine, None, start, end, "M")
    assert monthly["name"].tolist() == ["Black Friday <b>, Liquidacao, Natal S02"]
    scoped = chart_events(engine, None, start, end, "D", frozenset({"S01"}))
    assert scoped["name"].tolist() == ["Black Friday <b>", "Liquidacao"]  # S02's event is not shown


def test_forecast_figure_marks_events_and_escapes_their_names() -> None:
    history = pd.Series(10.0, index=pd.date_range("2026-09-01", periods=3, freq="MS"))
    forecast = _frame(pd.date_range("2026-12-01", periods=3, freq="MS"))
    events = pd.DataFrame({"date": [pd.Timestamp("2026-12-01")], "name": ["Black Friday <b>"]})
    figure = forecast_figure(history, forecast, forecast, freq="M", events=events)
    trace = next(t for t in figure["data"] if t["name"] == EVENTS)
    assert trace["x"] == ["2026-12-01"] and trace["mode"] == "markers"
    assert "<b>" not in trace["text"][0]
    assert EVENTS not in [t["name"] for t in forecast_figure(history, forecast, forecast, freq="M")["data"]]
