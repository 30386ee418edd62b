"""The one frequency table: complete, consistent, and what the engine's accessors read."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from data.frequency import FREQUENCIES, Frequency, coarser_or_equal, frequency
from models.series import default_horizon, default_max_horizon, display_alias, season_lengths, year_length


def test_the_table_lists_d_w_m_q_from_finest_to_coarsest():
    assert tuple(FREQUENCIES) == ("D", "W", "M", "Q")
    assert [f.name for f in FREQUENCIES.values()] == ["daily", "weekly", "monthly", "quarterly"]
    assert coarser_or_equal("W") == ("W", "M", "Q") and coarser_or_equal("Q") == ("Q",)


@pytest.mark.parametrize("code", ["D", "W", "M", "Q"])
def test_every_frequency_has_every_field_and_horizons_within_the_maximum(code):
    row = FREQUENCIES[code]
    assert row.code == code
    for field in dataclasses.fields(Frequency):
        value = getattr(row, field.name)
        assert value not in (None, "", ()), (code, field.name)
    assert 1 <= row.cv_horizon <= row.max_horizon
    assert 1 <= row.dormant_after <= row.max_horizon
    assert row.season_lengths[0] <= row.year_length
    pd.tseries.frequencies.to_offset(row.pandas_alias)  # valid pandas aliases
    assert pd.Period("2025-07-02", freq=row.display_alias).start_time <= pd.Timestamp("2025-07-02")
    # "Last year" is one year back: 52 weeks for daily and weekly data (same weekday), 12 months otherwise.
    assert pd.Timestamp("2025-07-07") - row.year_offset in (
        pd.Timestamp("2024-07-08"),
        pd.Timestamp("2024-07-07"),
    )


def test_the_engine_reads_the_table():
    assert [season_lengths(f) for f in FREQUENCIES] == [(7, 365), (52,), (12,), (4,)]
    assert [default_horizon(f) for f in FREQUENCIES] == [91, 13, 12, 8]
    assert [default_max_horizon(f) for f in FREQUENCIES] == [400, 104, 24, 12]
    assert [year_length(f) for f in FREQUENCIES] == [364, 52, 12, 4]
    assert [display_alias(f) for f in FREQUENCIES] == ["D", "W-SUN", "M", "Q-DEC"]


def test_an_unknown_code_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown frequency 'H'; expected one of D, W, M, Q"):
        frequency("H")
    with pytest.raises(ValueError, match="expected one of D, W, M, Q"):
        season_lengths("Y")
