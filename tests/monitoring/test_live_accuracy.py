"""Live accuracy: archived forecasts scored against the actuals that arrive, by horizon band."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.storage import import_sales_frame
from models.monitoring import horizon_bands, horizon_steps, score_points
from services.monitoring import accuracy_report
from tests.monitoring.conftest import T
from tests.monitoring.samples import archive_flat, flat_points, week_sales


def test_bands_follow_the_frequency_table():
    assert [(b.first, b.last) for b in horizon_bands("D")] == [(1, 7), (8, 28), (29, 91)]
    assert [(b.first, b.last) for b in horizon_bands("W")] == [(1, 1), (2, 4), (5, 13)]
    assert [(b.first, b.last) for b in horizon_bands("M")] == [(1, 1), (2, 4), (5, 12)]
    assert [(b.first, b.last) for b in horizon_bands("Q")] == [(1, 1), (2, 2), (3, 8)]


def test_horizons_count_calendar_periods():
    origin = pd.Timestamp("2024-01-01")
    months = pd.to_datetime(["2024-02-01", "2024-03-01", "2025-01-01"])
    assert horizon_steps(origin, months, "M").tolist() == [1, 2, 12]
    assert horizon_steps(origin, pd.to_datetime(["2024-04-01", "2025-01-01"]), "Q").tolist() == [1, 4]
    assert horizon_steps(origin, pd.to_datetime(["2024-01-08", "2024-03-25"]), "W").tolist() == [1, 12]


def test_a_week_of_actuals_gives_the_hand_computed_scores(engine, tmp_path, make_services):
    import_sales_frame(engine, week_sales(), filename="sales.csv", uploaded_by="test")
    archive_flat(engine, tmp_path, ["store=*", "store=S1", "store=S2"])
    report = accuracy_report(make_services(engine), level="store")
    assert report.through == pd.Timestamp(T).date() + pd.Timedelta(days=7)
    (row,) = report.rows  # only the first band has complete actuals; T+8.. are not scored yet
    assert (row.level, row.store, row.version, row.band, row.points) == ("store", "*", "v1", "1-7 D", 7)
    # errors f - a: 0, -10, 10, -20, 20, 0, -5 -> sum |e| = 65, sum e = -5, sum a = 705
    assert row.wape == pytest.approx(65 / 705)
    assert row.bias == pytest.approx(-5 / 705)
    assert row.coverage_80 == pytest.approx(5 / 7)  # 120 and 80 fall outside 90..110
    assert row.coverage_95 == pytest.approx(1.0)
    assert math.isnan(row.bt_wape)  # "v1" is no registered version: no back-test to compare with

    (s1,) = accuracy_report(make_services(engine), level="store", store="S1").rows
    # S1 actuals 60, 60, 50, 70, 40, 60, 65 (sum 405) against 100: every error is positive
    assert s1.wape == pytest.approx(s1.bias) == pytest.approx((700 - 405) / 405)
    assert s1.coverage_80 == 0.0


def test_only_complete_days_are_scored(engine, tmp_path, make_services):
    sales = week_sales()
    # S2 has not reported T+6 and T+7 yet: those days are incomplete for the chain
    late = (sales["store"] == "S2") & (sales["date"] > pd.Timestamp(T) + pd.Timedelta(days=5))
    import_sales_frame(engine, sales.loc[~late], filename="sales.csv", uploaded_by="test")
    archive_flat(engine, tmp_path, ["store=*"])
    (row,) = accuracy_report(make_services(engine), level="store").rows
    assert row.points == 5
    assert row.wape == pytest.approx(60 / 500)  # |e| 0+10+10+20+20 over 100+110+90+120+80


def test_the_same_origin_archived_twice_counts_once(engine, tmp_path, make_services):
    import_sales_frame(engine, week_sales(), filename="sales.csv", uploaded_by="test")
    for reason in ("promotion", "daily"):
        archive_flat(engine, tmp_path, ["store=*"], reason=reason)
    (row,) = accuracy_report(make_services(engine), level="store").rows
    assert row.points == 7


def test_a_missing_row_on_a_complete_day_is_a_zero():
    points = flat_points(["store=*"], steps=2)
    actuals = pd.DataFrame(
        {"series_id": ["store=*"], "date": [pd.Timestamp(T) + pd.Timedelta(days=1)], "actual": [100.0]}
    )
    scored = score_points(
        points, actuals, origin=pd.Timestamp(T), freq="D", through=pd.Timestamp(T) + pd.Timedelta(days=2)
    )
    assert scored["actual"].tolist() == [100.0, 0.0]
    assert np.array_equal(scored["horizon"].to_numpy(), [1, 2])


def test_the_monitor_command_prints_the_table(tmp_path):
    from tests.support.apps import make_test_app

    app = make_test_app(tmp_path / "app")
    services = app.server.extensions["trendsales"]
    import_sales_frame(services.engine, week_sales(), filename="sales.csv", uploaded_by="test")
    runner = app.server.test_cli_runner()
    empty = runner.invoke(args=["monitor"])
    assert empty.exit_code == 0 and "No archived forecasts" in empty.output
    archive_flat(services.engine, tmp_path, ["store=*", "store=S1", "store=S2"])
    result = runner.invoke(args=["monitor", "--level", "store"])
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if row.startswith("store"))
    assert line.split()[:5] == ["store", "all", "v1", "1-7", "D"]
    assert "9.2%" in line and "-0.7%" in line and "71.4%" in line  # WAPE 65/705, bias -5/705, 5/7
    s1 = runner.invoke(args=["monitor", "--level", "store", "--store", "S1"])
    assert "S1" in s1.output and "72.8%" in s1.output  # (700 - 405) / 405
    unknown = runner.invoke(args=["monitor", "--store", "S9"])
    assert unknown.exit_code == 1 and "unknown store 'S9'; stores: S1, S2" in unknown.output
    bad = runner.invoke(args=["monitor", "--level", "region"])
    assert bad.exit_code != 0 and "region" in bad.output


def test_reading_a_date_range_keeps_only_those_points(engine, tmp_path):
    from data.forecast_store import read_points

    info = archive_flat(engine, tmp_path, ["store=*", "store=S1"], reason="daily")
    day = pd.Timestamp(T)
    some = read_points(
        info, ["store=S1"], dates=((day + pd.Timedelta(days=3)).date(), (day + pd.Timedelta(days=5)).date())
    )
    assert some["date"].tolist() == list(pd.date_range(day + pd.Timedelta(days=3), periods=3, freq="D"))
    assert set(some["series_id"]) == {"store=S1"}
    assert len(read_points(info, dates=(None, (day + pd.Timedelta(days=2)).date()))) == 4
    assert len(read_points(info)) == 20
