"""Numbers and dates for people: Brazilian currency (R$ 1.234.567) and readable period labels."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from data.frequency import FREQUENCIES


def plotly_text(value: object) -> str:
    """``value`` as literal text inside a Plotly figure.

    Plotly renders a subset of HTML (links, bold, line breaks…) in trace text, hover labels, tick
    labels, legend names and titles; names typed by users (stores, categories, products) must not be
    read as markup. Escaping ``&``, ``<`` and ``>`` makes Plotly draw the characters themselves.
    """
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class FrequencyText:
    """How the dashboard names and presents one frequency (the UI side of ``data.frequency``)."""

    name: str  # control label and titles: "Weekly"
    one: str  # "week"
    many: str  # "weeks"
    axis_title: str  # x axis of the forecast chart
    hover_date: str  # strftime of a period in the chart's hover
    naive_rule: str  # what the seasonal-naive baseline does, for the model card
    horizon_presets: tuple[int, ...]  # horizon dropdown choices (the model's limit cuts them)
    default_horizon: int  # horizon of a view that names none


_TEXT = {
    "D": FrequencyText(
        name="Daily",
        one="day",
        many="days",
        axis_title="Day",
        hover_date="%a %d %b %Y",
        naive_rule="repeating last week",
        horizon_presets=(7, 14, 28, 56, 91, 182, 364),
        default_horizon=28,
    ),
    "W": FrequencyText(
        name="Weekly",
        one="week",
        many="weeks",
        axis_title="Week (Mon–Sun)",
        hover_date="week of %d %b %Y",
        naive_rule="repeating the same week last year",
        horizon_presets=(4, 8, 13, 26, 52),
        default_horizon=13,
    ),
    "M": FrequencyText(
        name="Monthly",
        one="month",
        many="months",
        axis_title="Month",
        hover_date="%b %Y",
        naive_rule="repeating the same month last year",
        horizon_presets=(1, 3, 6, 12),
        default_horizon=3,
    ),
    "Q": FrequencyText(
        name="Quarterly",
        one="quarter",
        many="quarters",
        axis_title="Quarter",
        hover_date="%b %Y (quarter)",
        naive_rule="repeating the same quarter last year",
        horizon_presets=(1, 2, 4, 8),
        default_horizon=2,
    ),
}
# Keyed and ordered by the one frequency table: a frequency without its text fails at import.
FREQ_TEXT: Mapping[str, FrequencyText] = MappingProxyType({code: _TEXT[code] for code in FREQUENCIES})
# Plotly layout ``separators``: decimal comma, thousands dot (the data is Brazilian).
PLOTLY_SEPARATORS = ",."


def format_brl(value: float | None, decimals: int = 0) -> str:
    """``R$ 1.234.567`` (pt-BR separators); an en dash for missing or non-finite values."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    text = f"{abs(float(value)):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{'-' if value < 0 else ''}R$ {text}"


MONEY_UNITS = ((1e9, "bi"), (1e6, "mi"), (1e3, "mil"))


def format_brl_short(value: float | None, step: float | None = None) -> str:
    """Compact currency for cards, bar labels and axis ticks: ``R$ 1,2 mi``, ``R$ 58,3 mil``, ``R$ 950``.

    One decimal in a unit by default; with ``step`` (the distance between axis ticks), just the
    decimals that write every multiple of it, so neighbouring ticks never read the same.
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    if value == 0:
        return "R$ 0"
    for unit, suffix in MONEY_UNITS:
        if abs(value) >= unit:
            return f"{format_brl(value / unit, 1 if step is None else _decimals(step / unit))} {suffix}"
    return format_brl(value, 0 if step is None else _decimals(step))


def _decimals(step: float) -> int:
    """Decimals that write every multiple of ``step`` exactly (at most 3)."""
    return next((d for d in range(3) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 3)


def format_number(value: float | None, decimals: int = 0) -> str:
    """A number the way the dashboard writes money, without the currency: ``378.143``, ``0,876``."""
    return format_brl(value, decimals).replace("R$ ", "", 1)


def format_percent(value: float | None, decimals: int = 0) -> str:
    """``12%``, ``12,3%`` (pt-BR decimal comma) from a fraction (0.123); an en dash when missing."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{format_number(float(value) * 100, decimals)}%"


def period_label(date: pd.Timestamp, freq: str) -> str:
    """A period named for people: ``Mon 30 Jun 2025``, ``week of 30 Jun 2025``, ``Jun 2025``, ``Q3 2025``."""
    ts = pd.Timestamp(date)
    if freq == "D":
        return f"{ts:%a %d %b %Y}"
    if freq == "W":
        return f"week of {ts:%d %b %Y}"
    if freq == "M":
        return f"{ts:%b %Y}"
    if freq == "Q":
        return f"Q{ts.quarter} {ts.year}"
    raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQ_TEXT)}")


def periods_text(count: int, freq: str) -> str:
    """``1 week``, ``13 weeks``."""
    text = FREQ_TEXT[freq]
    return f"{count} {text.one if count == 1 else text.many}"
