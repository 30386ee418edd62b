"""Frequency detection (D/W/M/Q, gaps tolerated, irregular rejected), resolution and normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from data.frequency import FrequencyError, detect_frequency, normalise_dates, resolve_frequency


def _drop(dates: pd.DatetimeIndex, *positions: int) -> pd.DatetimeIndex:
    return dates.delete(list(positions))


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (pd.date_range("2024-01-01", periods=60, freq="D"), "D"),
        (_drop(pd.date_range("2024-01-01", periods=60, freq="D"), 5, 6, 30), "D"),  # closed days
        (pd.bdate_range("2024-01-01", periods=40), "D"),  # weekends missing
        (pd.date_range("2024-01-07", periods=20, freq="W-SUN"), "W"),
        (pd.date_range("2024-01-03", periods=20, freq="W-WED"), "W"),
        (_drop(pd.date_range("2024-01-01", periods=20, freq="W-MON"), 3, 4, 10), "W"),
        (pd.date_range("2022-01-01", periods=24, freq="MS"), "M"),
        (pd.date_range("2022-01-31", periods=24, freq="ME"), "M"),
        (_drop(pd.date_range("2022-01-01", periods=24, freq="MS"), 2, 7), "M"),
        (pd.date_range("2020-01-01", periods=12, freq="QS"), "Q"),
        (pd.date_range("2020-03-31", periods=12, freq="QE"), "Q"),
        (_drop(pd.date_range("2020-01-01", periods=12, freq="QS"), 4), "Q"),
    ],
)
def test_detects_regular_grids_with_gaps(dates, expected):
    assert detect_frequency(dates) == expected
    # Order and repeats (one row per store/product) do not matter.
    assert detect_frequency(list(dates[::-1]) + list(dates)) == expected


@pytest.mark.parametrize(
    "dates",
    [
        ["2024-01-01", "2024-01-04", "2024-01-11", "2024-01-14", "2024-01-24"],
        ["2024-01-01", "2024-01-31", "2024-02-15", "2024-03-01"],  # month start, end and middle
        list(pd.date_range("2024-01-01", periods=10, freq="2D")),
    ],
)
def test_irregular_dates_are_rejected_with_reason(dates):
    with pytest.raises(FrequencyError, match="not on a regular"):
        detect_frequency(dates)


def test_single_date_cannot_be_detected_without_stored_frequency():
    with pytest.raises(FrequencyError, match="at least two"):
        detect_frequency(["2024-01-01"])
    with pytest.raises(FrequencyError, match="single date"):
        resolve_frequency(["2024-01-01"], None)
    assert resolve_frequency(["2024-03-01"], "M") == "M"
    with pytest.raises(FrequencyError, match="does not fit"):
        resolve_frequency(["2024-03-15"], "M")


def test_resolve_rejects_a_conflict_but_accepts_quarter_dates_into_monthly():
    daily = pd.date_range("2024-01-01", periods=5, freq="D")
    with pytest.raises(FrequencyError, match="daily but the stored data is weekly"):
        resolve_frequency(daily, "W")
    assert resolve_frequency(pd.date_range("2024-01-01", periods=4, freq="QS"), "M") == "M"


@pytest.mark.parametrize(
    "dates",
    [
        ["2024-01-02", "2024-01-09"],  # a correction of two Tuesdays looks weekly on its own
        ["2024-01-01", "2024-02-01", "2024-03-01"],  # month starts
        ["2024-01-01", "2024-01-04", "2024-01-11"],  # irregular
    ],
)
def test_any_dates_are_days_of_stored_daily_data(dates):
    assert resolve_frequency(dates, "D") == "D"


@pytest.mark.parametrize(
    ("freq", "given", "expected"),
    [
        ("D", "2024-05-15", "2024-05-15"),
        ("W", "2024-05-19", "2024-05-13"),  # Sunday -> Monday of its ISO week
        ("W", "2024-05-13", "2024-05-13"),
        ("M", "2024-05-31", "2024-05-01"),
        ("Q", "2024-06-30", "2024-04-01"),
        ("Q", "2024-04-01", "2024-04-01"),
    ],
)
def test_normalise_to_period_start(freq, given, expected):
    out = normalise_dates(pd.Series(pd.to_datetime([given])), freq)
    assert out.iloc[0] == pd.Timestamp(expected)
