"""Drift: a real MASTER's archived forecasts scored against later actuals; flag, audit, nightly retrain."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.drift import drift_states
from data.storage import import_sales_frame
from models.live import check_drift
from models.monitoring import DriftRule, judge_drift
from scheduler.jobs import nightly_gate
from scheduler.jobstore import get_job
from services.monitoring import accuracy_report, flagged_levels
from tests.monitoring.conftest import audit_actions, train_and_archive

NIGHT = dt.datetime(2026, 12, 1, 1, 30)  # inside the 00:00-06:00 window; never "now"


@pytest.fixture
def archived(engine, tmp_path, make_services):
    """48 months imported and trained; each level's MASTER forecasts archived at its origin."""
    services = make_services(engine)
    models, later = train_and_archive(services, tmp_path)
    return services, models, later


def test_live_scores_of_a_real_master_match_its_forecasts(archived):
    services, models, later = archived
    import_sales_frame(services.engine, later, filename="later.csv", uploaded_by="test")
    report = accuracy_report(services, level="store")
    model = models["store"]
    f80 = model.forecast("store=*", 2, interval=0.8)
    actual = later.groupby("date")["revenue"].sum().to_numpy()
    rows = {r.band: r for r in report.rows}
    assert set(rows) == {"1-1 M", "2-4 M"}
    for step, band in ((0, "1-1 M"), (1, "2-4 M")):
        error = f80["forecast"].iloc[step] - actual[step]
        assert rows[band].wape == pytest.approx(abs(error) / actual[step], rel=1e-5)
        assert rows[band].bias == pytest.approx(error / actual[step], rel=1e-5)
        inside = f80["lower"].iloc[step] <= actual[step] <= f80["upper"].iloc[step]
        assert rows[band].coverage_80 == float(inside)
        assert np.isfinite(rows[band].bt_wape) and rows[band].bt_wape > 0  # the version's back-test
    assert rows["1-1 M"].version == model.version


def test_a_level_that_keeps_its_accuracy_is_not_flagged(archived):
    services, _models, later = archived
    import_sales_frame(services.engine, later, filename="later.csv", uploaded_by="test")
    checks = check_drift(services.engine, services.config)
    assert {level: c.flagged for level, (c, _) in checks.items()}["product"] is False
    assert checks["product"][0].judged
    decision = nightly_gate(services, now=NIGHT)
    assert decision.action == "skipped"
    assert not any(
        action == "drift_flagged" and d["level"] == "product"
        for _, action, d in audit_actions(services.engine)
    )


def test_a_drifted_level_is_flagged_once_and_a_retrain_is_queued_for_it(archived):
    services, _models, later = archived
    tripled = later.assign(revenue=later["revenue"] * 3)  # demand jumped: every forecast far below
    import_sales_frame(services.engine, tripled, filename="later.csv", uploaded_by="test")

    decision = nightly_gate(services, now=NIGHT)

    assert decision.action == "queued"  # the data gate alone would skip (minimums far away)
    assert "drift in product" in decision.reason and "above the back-test" in decision.reason
    job = get_job(services.engine, decision.job_id)
    assert job.status == "queued" and "drift" in job.progress_label
    assert set(job.levels) == set(flagged_levels(services)) >= {"product"}
    states = drift_states(services.engine)
    assert states["product"].flagged and states["product"].detail["live_wape"] > 0.5
    flagged = [d["level"] for _, action, d in audit_actions(services.engine) if action == "drift_flagged"]
    assert sorted(flagged) == sorted(flagged_levels(services))

    check_drift(services.engine, services.config)  # judged again: still drifted, no second entry
    again = [d["level"] for _, action, d in audit_actions(services.engine) if action == "drift_flagged"]
    assert again == flagged


def _scored(days: int, *, forecast: float, lo: float, hi: float) -> pd.DataFrame:
    """Scored points of one series, horizon 1, on the ``days`` days up to 2024-03-31 (actual 100)."""
    dates = pd.date_range(end="2024-03-31", periods=days, freq="D")
    return pd.DataFrame(
        {
            "series_id": "store=*",
            "date": dates,
            "band": "1-7 D",
            "actual": 100.0,
            "forecast": forecast,
            "lo80": lo,
            "hi80": hi,
            "lo95": lo,
            "hi95": hi,
        }
    )


BACKTEST = pd.DataFrame({"band": ["1-7 D"] * 2, "actual": [100.0, 100.0], "forecast": [90.0, 110.0]})
RULE = DriftRule(factor=1.5, min_coverage_80=0.65, window_weeks=4)


@pytest.mark.parametrize(
    ("days", "forecast", "lo", "hi", "judged", "wape_drift", "coverage_drift"),
    [
        (28, 114.0, 105.0, 125.0, True, False, True),  # WAPE 14% < 1.5 x 10%, but no day inside
        (28, 116.0, 80.0, 120.0, True, True, False),  # WAPE 16% > 15%; every day inside
        (28, 105.0, 90.0, 110.0, True, False, False),
        (13, 200.0, 190.0, 210.0, False, False, False),  # 13 of 28 days scored: too few to judge
    ],
)
def test_the_drift_rule(days, forecast, lo, hi, judged, wape_drift, coverage_drift):
    check = judge_drift(
        _scored(days, forecast=forecast, lo=lo, hi=hi),
        BACKTEST,
        level="store",
        version="v1",
        freq="D",
        through=pd.Timestamp("2024-03-31"),
        rule=RULE,
    )
    assert check.expected_wape == pytest.approx(0.10)
    assert (check.judged, check.wape_drift, check.coverage_drift) == (judged, wape_drift, coverage_drift)
    assert check.flagged == (wape_drift or coverage_drift)
    assert check.window == (pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-31"))
