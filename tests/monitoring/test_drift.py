"""Drift: a real MASTER's archived forecasts scored against later actuals; flag, audit, nightly retrain."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from data.drift import drift_states
from data.storage import import_sales_frame
from models.live import check_drift
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
