"""Forecast monitoring in real headless Chromium: two past origins over the actuals, the live error
under the model card, the export, and a drifted level's badge on its tab."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from data.db import make_engine
from data.drift import record_drift
from data.forecast_store import write_snapshot
from data.queries import load_revenue_series
from tests.browser.conftest import login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.support.live_server import app_environment, start_server

pytestmark = pytest.mark.browser
END = dt.date(2025, 6, 30)  # the demo instance's last date
ORIGINS = (END - dt.timedelta(days=7), END - dt.timedelta(days=28))
LEGEND_JS = """() => {
  const g = document.querySelector('#accuracy-graph .js-plotly-plot');
  return g && g.data ? g.data.filter(t => t.showlegend !== false).map(t => t.name) : null;
}"""


def _archive(instance) -> None:
    """Archive the store level's "forecasts" at two past origins: the actuals + 5%, 80% range +-10%."""
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        total = load_revenue_series(engine)
        for origin in ORIGINS:
            after = total[(total.index > pd.Timestamp(origin))]
            points = pd.DataFrame(
                {
                    "series_id": "store=*",
                    "date": after.index,
                    "forecast": after.to_numpy() * 1.05,
                    "lo80": after.to_numpy() * 0.95,
                    "hi80": after.to_numpy() * 1.15,
                    "lo95": after.to_numpy() * 0.9,
                    "hi95": after.to_numpy() * 1.2,
                }
            )
            write_snapshot(
                engine,
                instance / "snapshots",
                level="store",
                model_version="demo",
                origin=origin,
                freq="D",
                reason="daily",
                points=points,
            )
        record_drift(
            engine,
            level="category",
            version="demo",
            flagged=True,
            reason="drift in category (test)",
            detail={},
        )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def monitor_server(tmp_path_factory: pytest.TempPathFactory):
    """gunicorn on a trained demo instance with two archived past origins and a drifted category level."""
    instance = tmp_path_factory.mktemp("monitor-instance")
    build_trained_instance(instance)
    _archive(instance)
    env = app_environment(
        instance,
        TRENDSALES_ADMIN_PASSWORD="admin-pass-123",
        TRENDSALES_SCHEDULER_ENABLED="0",
        TRENDSALES_LANGUAGE="pt_BR",  # the product's default; the shared test environment sets en
    )
    server = start_server(env, workers=1)
    yield server
    server.stop()


def test_forecast_vs_actual_with_two_past_origins(monitor_server, page):
    login_in_browser(page, monitor_server.url, *MANAGER)
    page.goto(monitor_server.url + "/store")
    page.wait_for_selector("#accuracy-card", state="visible")
    page.wait_for_function(f"() => {{ const n = ({LEGEND_JS})(); return n && n.length === 3; }}")
    names = page.evaluate(LEGEND_JS)
    assert names == [f"Previsão de {o:%d/%m/%Y}" for o in ORIGINS] + ["Realizado"]
    note = page.inner_text("#accuracy-note")
    assert f"{ORIGINS[0]:%d/%m/%Y}" in note and f"completo até {END:%d/%m/%Y}" in note
    live = page.locator("#model-live-error")
    live.wait_for(state="visible")
    expected = "Últimas 4 semanas: previsão 5,0% acima do realizado; a faixa de 80% acertou 100% dos dias."
    assert expected in live.inner_text()

    with page.expect_download() as info:
        page.click("#accuracy-csv")
    download = info.value
    assert download.suggested_filename.startswith("forecast-vs-actual_store_all-stores")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {r["origin"] for r in rows} == {f"{o}" for o in ORIGINS}
    assert len(rows) == 7 + 28
    first = rows[0]
    assert float(first["forecast"]) == pytest.approx(float(first["actual"]) * 1.05, abs=0.02)

    # The drifted category level carries a badge on its tab; the healthy store level none.
    page.wait_for_selector("#drift-badge-category .badge")
    assert page.locator("#drift-badge-category").inner_text().strip() == "desvio"
    assert page.locator("#drift-badge-store .badge").count() == 0
    wait_for_dash_idle(page)
    assert not page.console_errors
