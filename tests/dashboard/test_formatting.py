"""People-facing numbers and dates."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from components.formatting import format_brl, format_brl_short, format_percent, period_label, periods_text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234567.891, 0, "R$ 1.234.568"),
        (1234.5, 2, "R$ 1.234,50"),
        (0, 0, "R$ 0"),
        (-950.4, 0, "-R$ 950"),
        (None, 0, "–"),
        (math.nan, 0, "–"),
    ],
)
def test_brazilian_currency(value, decimals, text):
    assert format_brl(value, decimals) == text


def test_short_currency_and_percent():
    assert format_brl_short(1_250_000) == "R$ 1,2 mi"
    assert format_brl_short(58_300) == "R$ 58,3 mil"
    assert format_percent(0.1234, 1) == "12,3%"


def test_period_labels():
    day = pd.Timestamp("2025-06-30")
    assert period_label(day, "D") == "Mon 30 Jun 2025"
    assert period_label(day, "W") == "week of 30 Jun 2025"
    assert period_label(day, "M") == "Jun 2025"
    assert period_label(pd.Timestamp("2025-07-01"), "Q") == "Q3 2025"
    assert periods_text(1, "W") == "1 week" and periods_text(13, "W") == "13 weeks"
    with pytest.raises(ValueError, match="unknown frequency"):
        period_label(day, "Y")
