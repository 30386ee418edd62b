"""Forecast monitoring on PostgreSQL: the hand-computed week, and a drifted level flagged once with a
retrain queued by the nightly gate."""

from __future__ import annotations

import datetime as dt

import pytest

from data.drift import drift_states
from data.storage import import_sales_frame
from models.live import check_drift
from scheduler.jobs import nightly_gate
from services.monitoring import accuracy_report
from tests.monitoring.conftest import MonitorServices, audit_actions, monitor_config, train_and_archive
from tests.monitoring.samples import archive_flat, week_sales


def _services(engine, tmp_path) -> MonitorServices:
    return MonitorServices(engine, monitor_config(tmp_path, engine.url.render_as_string(hide_password=False)))


def test_a_week_of_actuals_scores_as_by_hand_on_postgresql(pg_engine, tmp_path):
    import_sales_frame(pg_engine, week_sales(), filename="sales.csv", uploaded_by="test")
    archive_flat(pg_engine, tmp_path, ["store=*", "store=S1", "store=S2"])
    (row,) = accuracy_report(_services(pg_engine, tmp_path), level="store").rows
    assert (row.band, row.points) == ("1-7 D", 7)
    assert row.wape == pytest.approx(65 / 705)
    assert row.bias == pytest.approx(-5 / 705)
    assert row.coverage_80 == pytest.approx(5 / 7)


def test_a_drifted_level_is_flagged_once_and_retrained_on_postgresql(pg_engine, tmp_path):
    services = _services(pg_engine, tmp_path)
    _models, later = train_and_archive(services, tmp_path)
    import_sales_frame(
        pg_engine, later.assign(revenue=later["revenue"] * 3), filename="l.csv", uploaded_by="t"
    )
    decision = nightly_gate(services, now=dt.datetime(2026, 12, 1, 1, 30))
    assert decision.action == "queued" and "drift in product" in decision.reason
    assert drift_states(pg_engine)["product"].flagged
    check_drift(pg_engine, services.config)
    flagged = [d["level"] for _, action, d in audit_actions(pg_engine) if action == "drift_flagged"]
    assert "product" in flagged and len(flagged) == len(set(flagged))
