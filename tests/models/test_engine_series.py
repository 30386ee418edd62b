"""Series ids, level series on the regular grid, frequencies and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.series import (
    build_level_series,
    default_horizon,
    grid_alias,
    level_panel,
    season_lengths,
    series_id,
)
from models.training import fold_horizon


def test_series_ids_follow_the_documented_format() -> None:
    assert series_id("store", "S01") == "store=S01"
    assert series_id("store") == "store=*"
    assert series_id("category", "S01", category="C") == "store=S01|category=C"
    assert series_id("category", category="C") == "store=*|category=C"
    assert series_id("product", "S01", product="P") == "store=S01|product=P"
    assert series_id("product", product="P") == "store=*|product=P"
    with pytest.raises(ValueError, match="unknown level"):
        series_id("region", "S01")
    with pytest.raises(ValueError, match="need a product"):
        series_id("product", "S01")


def test_season_lengths_and_horizons_follow_frequency() -> None:
    assert season_lengths("D") == (7, 365)
    assert season_lengths("W") == (52,)
    assert season_lengths("M") == (12,)
    assert season_lengths("Q") == (4,)
    assert [default_horizon(f) for f in "DWMQ"] == [91, 13, 12, 8]
    with pytest.raises(ValueError, match="expected one of D, W, M, Q"):
        season_lengths("H")


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_gaps_are_zero_and_series_start_at_their_first_date() -> None:
    sales = _frame(
        [
            ("2024-01-01", "S01", "C", "P1", 5.0),
            ("2024-01-04", "S01", "C", "P1", 7.0),
            ("2024-01-03", "S02", "C", "P1", 2.0),
            ("2024-01-05", "S02", "C", "P2", 1.0),
        ]
    )
    long = build_level_series(sales, "product", "D")
    p1 = long[long.unique_id == "store=S01|product=P1"]
    assert p1.ds.dt.strftime("%d").tolist() == ["01", "02", "03", "04", "05"]
    assert p1.y.tolist() == [5.0, 0.0, 0.0, 7.0, 0.0]
    late = long[long.unique_id == "store=S02|product=P2"]
    assert late.ds.tolist() == [pd.Timestamp("2024-01-05")]
    total = long[long.unique_id == "store=*|product=P1"].y.tolist()
    assert total == [5.0, 0.0, 2.0, 7.0, 0.0]
    stores = build_level_series(sales, "store", "D")
    assert sorted(stores.unique_id.unique()) == ["store=*", "store=S01", "store=S02"]
    assert stores[stores.unique_id == "store=*"].y.sum() == pytest.approx(15.0)
    cats = build_level_series(sales, "category", "D")
    assert set(cats.unique_id) == {"store=*|category=C", "store=S01|category=C", "store=S02|category=C"}


def test_weekly_grid_is_anchored_on_the_data_weekday_and_monthly_on_period_starts() -> None:
    weds = pd.date_range("2024-01-03", periods=6, freq="W-WED")
    assert grid_alias("W", weds) == "W-WED"
    assert grid_alias("M", pd.date_range("2024-01-01", periods=4, freq="MS")) == "MS"
    assert grid_alias("M", pd.date_range("2024-01-31", periods=4, freq="ME")) == "ME"
    assert grid_alias("Q", pd.date_range("2024-02-01", periods=4, freq="QS-FEB")).startswith("QS-")
    sales = _frame([(d, "S01", "C", "P", 1.0) for d in weds.delete(2)])
    panel = level_panel(sales, "store", "W")
    assert panel.length == 6
    assert np.array_equal(panel.values[1], [1, 1, 0, 1, 1, 1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns=["revenue"]), "lacks column"),
        (lambda d: d.assign(revenue=-1.0), "negative revenue"),
        (lambda d: d.assign(revenue=np.nan), "non-numeric revenue"),
        (lambda d: d.assign(date=pd.NaT), "unparseable date"),
        (lambda d: d.iloc[:0], "empty"),
    ],
)
def test_bad_sales_frames_get_specific_errors(change, message: str) -> None:
    sales = _frame([("2024-01-01", "S01", "C", "P", 1.0), ("2024-01-02", "S01", "C", "P", 2.0)])
    with pytest.raises(ValueError, match=message):
        build_level_series(change(sales), "store", "D")


def test_daily_folds_shorten_to_four_weeks_before_folds_are_given_up() -> None:
    assert fold_horizon("D", 1000, 3) == 91  # room for three 13-week folds
    assert fold_horizon("D", 200, 3) == (200 - 56) // 3  # shorter folds, still three of them
    assert fold_horizon("D", 100, 3) == 28  # never below 4 weeks (then make_folds drops folds)
    assert fold_horizon("M", 40, 3) == 12  # other frequencies keep their season-long folds
