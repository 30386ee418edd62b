"""Date features computed once per date give exactly pandas' values, whatever mix of dates is asked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.features import _flags, date_features, holiday_flags


def test_date_features_equal_pandas_on_one_several_and_many_dates() -> None:
    """A recursive step (one date for every series), a joint step of three cutoffs, a training frame."""
    features = date_features(["dayofweek", "month", "day", "dayofyear", "week"])
    assert [getattr(f, "__name__", f) for f in features] == ["dayofweek", "month", "day", "dayofyear", "week"]
    assert features[-1] == "week"  # no per-date version: mlforecast computes it itself
    many = pd.DatetimeIndex(pd.date_range("2023-12-20", periods=800, freq="D"))
    calls = [
        pd.DatetimeIndex([pd.Timestamp("2024-02-29")] * 425),
        pd.DatetimeIndex(np.repeat(pd.to_datetime(["2024-12-31", "2025-03-01", "2025-06-30"]), 4)),
        many,
        pd.Series(many[::-1]),  # a column, not an index; dates out of order
    ]
    for call in calls:
        idx = pd.DatetimeIndex(call)
        for feature, name, dtype in zip(
            features[:4],
            ["dayofweek", "month", "day", "dayofyear"],
            [np.uint8, np.uint8, np.uint8, np.uint16],
            strict=True,
        ):
            got = feature(call)
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, np.asarray(getattr(idx, name)).astype(dtype))


def test_holiday_flags_equal_the_direct_computation() -> None:
    """Brazilian holidays and their eves, single dates first (cached) and then a whole range."""
    holiday, eve = holiday_flags("BR")
    assert (holiday.__name__, eve.__name__) == ("holiday", "pre_holiday")
    days = pd.date_range("2024-12-20", "2026-01-10", freq="D")
    singles = np.array([holiday(pd.DatetimeIndex([d] * 3))[0] for d in days])
    np.testing.assert_array_equal(singles, _flags(days, "BR", 0))
    np.testing.assert_array_equal(eve(days), _flags(days, "BR", 1))
    assert singles[days.get_loc(pd.Timestamp("2024-12-25"))] == 1.0
    assert eve(pd.DatetimeIndex([pd.Timestamp("2024-12-24")]))[0] == 1.0
    assert holiday_flags("none") == []
