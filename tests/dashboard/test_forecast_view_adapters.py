"""One use case, three adapters: the dashboard, the JSON API and the CLI ``forecast`` show the numbers
that ``services.forecast_view`` computes for a series (real trained models, no mocks)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from callbacks.export import forecast_download
from callbacks.forecast import render_view, view_query
from components.state import ViewState
from services.forecast_view import HolderSource, RegistrySource, forecast_series, forecast_view
from tests.app.conftest import login
from tests.browser.forecast_server import MANAGER
from tests.support.apps import make_test_app

HORIZON = 3  # weeks; the data ends on Monday 30 Jun 2025, so the first week already has one day of sales


@pytest.fixture
def app_on_trained_db(trained_engine, tmp_path: Path):
    """An app from the factory on the trained database (its registry, artifacts and manager account)."""
    instance = Path(trained_engine.url.database).parent
    app = make_test_app(tmp_path, DATABASE_URL=str(trained_engine.url), MODEL_DIR=str(instance / "models"))
    yield app
    app.server.extensions["trendsales"].engine.dispose()


def test_dashboard_api_and_cli_show_the_service_numbers(holder, cache, trained_engine, app_on_trained_db):
    category = cache.get().categories[0]
    sid = f"store=*|category={category}"
    expected = forecast_series(HolderSource.of(holder), "category", sid, HORIZON, freq="W", interval=0.8)
    frame = expected.frame
    assert (expected.level, expected.series_id, expected.freq) == ("category", sid, "W")
    assert list(frame["date"]) == [pd.Timestamp(d) for d in ("2025-06-30", "2025-07-07", "2025-07-14")]
    assert (frame["lower"] <= frame["forecast"]).all() and (frame["forecast"] <= frame["upper"]).all()

    # Dashboard: the view's numbers, the chart's forecast line and the CSV export.
    state = ViewState("category", category=category, freq="W", horizon=HORIZON)
    view = forecast_view(HolderSource.of(holder), view_query(state))
    pd.testing.assert_frame_equal(view.forecast80, frame)
    figure = render_view(holder, trained_engine, cache, state).figure
    line = next(t for t in figure["data"] if t.get("name") == "Forecast")
    assert line["y"] == [round(v, 2) for v in frame["forecast"]]
    export = pd.read_csv(io.StringIO(forecast_download(holder, state, "csv")["content"]))
    export = export[export["kind"] == "forecast"]
    assert list(export["forecast"]) == [round(v, 2) for v in frame["forecast"]]
    assert list(export["lower_80"]) == [round(v, 2) for v in frame["lower"]]

    # API: the same rows as JSON, from the app's own holder.
    client = app_on_trained_db.server.test_client()
    assert login(client, *MANAGER).status_code == 302
    query = {"level": "category", "series": sid, "horizon": HORIZON, "freq": "W", "interval": 0.8}
    body = client.get("/api/forecast", query_string=query).get_json()
    assert body["version"] == expected.version and body["freq"] == "W"
    assert [r["forecast"] for r in body["rows"]] == list(frame["forecast"])
    assert [r["upper"] for r in body["rows"]] == list(frame["upper"])

    # CLI: the same numbers as CSV (CONTRACT §3), loaded from the registry rather than the holder.
    args = ["forecast", "--level", "category", "--category", category, "--horizon", str(HORIZON)]
    result = app_on_trained_db.server.test_cli_runner().invoke(args=[*args, "--freq", "W"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "date,forecast,lower,upper"
    first = frame.iloc[0]
    assert lines[1] == f"2025-06-30,{first['forecast']:.4f},{first['lower']:.4f},{first['upper']:.4f}"
    assert len(lines) == HORIZON + 1


def test_registry_source_serves_the_holder_s_master(holder, trained_engine):
    registry, memory = RegistrySource(trained_engine), HolderSource.of(holder)
    assert registry.version("store") == memory.version("store")
    from_disk = forecast_series(registry, "store", "store=*", 14, interval=0.95)
    from_memory = forecast_series(memory, "store", "store=*", 14, interval=0.95)
    assert from_disk.freq == "D" and from_disk.version == from_memory.version
    pd.testing.assert_frame_equal(from_disk.frame, from_memory.frame)


def test_breakdown_totals_are_the_forecaster_s_period_sums(holder):
    model = holder.get("product")
    sid = model.series_ids[0]
    weekly = model.forecast(sid, 2, freq="W")
    # The first week counts Monday 30 Jun's recorded sales plus six forecast days, as the chart does.
    observed = float(model.history(sid)["2025-06-30":].sum())
    assert model.horizon_total(sid, 2, freq="W") == pytest.approx(float(weekly["forecast"].sum()), rel=1e-6)
    assert model.horizon_total(sid, 2, freq="W") == pytest.approx(
        observed + float(model.forecast(sid, 13)["forecast"].sum()), rel=1e-6
    )
    assert model.horizon_total(sid, 62) == pytest.approx(float(model.forecast(sid, 62)["forecast"].sum()))


API_BAD_QUERIES = {
    "no series": {"level": "store"},
    "no level": {"series": "store=*"},
    "horizon text": {"horizon": "abc"},
    "horizon zero": {"horizon": "0"},
    "horizon huge": {"horizon": "99999999"},
    "horizon fraction": {"horizon": "1.5"},
    "interval text": {"interval": "wide"},
    "interval nan": {"interval": "nan"},
    "interval out of range": {"interval": "1.5"},
    "unknown interval": {"interval": "0.5"},
    "unknown granularity": {"freq": "X"},
    "unknown level": {"level": "galaxy"},
}


@pytest.mark.parametrize("case", list(API_BAD_QUERIES), ids=list(API_BAD_QUERIES))
def test_api_answers_malformed_queries_with_400_and_no_traceback(app_on_trained_db, caplog, case):
    client = app_on_trained_db.server.test_client()
    assert login(client, *MANAGER).status_code == 302
    query = {"level": "store", "series": "store=*", "horizon": "3", **API_BAD_QUERIES[case]}
    query = {k: v for k, v in query.items() if not (case == "no level" and k == "level")}
    query = {k: v for k, v in query.items() if not (case == "no series" and k == "series")}
    response = client.get("/api/forecast", query_string=query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "error" in response.get_json()
    assert not [r for r in caplog.records if r.exc_info]
