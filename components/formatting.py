"""Numbers and dates for people in the request's language: currency (``R$ 1.234.567`` in pt_BR,
``R$ 1,234,567`` in en), percentages, period labels, and the UI words of each frequency.

Text in the tables below is marked with ``N_`` (English msgids) and translated where it is shown
(``freq_text``); numbers and dates follow ``components.i18n.language()``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from components.i18n import N_, _, language
from components.i18n import date as format_day
from data import i18n
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
    horizon_presets: tuple[int, ...]  # horizon choices (``data.frequency``; the model's limit cuts them)
    default_horizon: int  # horizon of a view that names none


_TEXT = {
    "D": FrequencyText(
        name=N_("Daily"),
        one=N_("day"),
        many=N_("days"),
        axis_title=N_("Day"),
        hover_date=N_("%a %d %b %Y"),
        naive_rule=N_("repeating last week"),
        horizon_presets=FREQUENCIES["D"].horizon_presets,
        default_horizon=28,
    ),
    "W": FrequencyText(
        name=N_("Weekly"),
        one=N_("week"),
        many=N_("weeks"),
        axis_title=N_("Week (Mon–Sun)"),
        hover_date=N_("week of %d %b %Y"),
        naive_rule=N_("repeating the same week last year"),
        horizon_presets=FREQUENCIES["W"].horizon_presets,
        default_horizon=13,
    ),
    "M": FrequencyText(
        name=N_("Monthly"),
        one=N_("month"),
        many=N_("months"),
        axis_title=N_("Month"),
        hover_date=N_("%b %Y"),
        naive_rule=N_("repeating the same month last year"),
        horizon_presets=FREQUENCIES["M"].horizon_presets,
        default_horizon=3,
    ),
    "Q": FrequencyText(
        name=N_("Quarterly"),
        one=N_("quarter"),
        many=N_("quarters"),
        axis_title=N_("Quarter"),
        hover_date=N_("%b %Y (quarter)"),
        naive_rule=N_("repeating the same quarter last year"),
        horizon_presets=FREQUENCIES["Q"].horizon_presets,
        default_horizon=2,
    ),
}
# Keyed and ordered by the one frequency table: a frequency without its text fails at import.
# The text fields are English msgids: ``freq_text(code)`` is the same entry in the request's language.
FREQ_TEXT: Mapping[str, FrequencyText] = MappingProxyType({code: _TEXT[code] for code in FREQUENCIES})
_TRANSLATED = ("name", "one", "many", "axis_title", "hover_date", "naive_rule")


def freq_text(code: str) -> FrequencyText:
    """The UI words of frequency ``code`` translated into the request's language."""
    entry = FREQ_TEXT[code]
    return dataclasses.replace(
        entry,
        **{name: _(getattr(entry, name)) for name in _TRANSLATED},
    )


def plotly_locale() -> str:
    """The Plotly locale of the request's language (``pt-BR``: month names and toolbar text, served
    from ``app/assets/plotly-locale-pt-br.js``, plotly.js's own locale file)."""
    return i18n.html_lang(language())


def plotly_separators() -> str:
    """Plotly layout ``separators`` (decimal mark, then thousands) of the request's language."""
    return i18n.plotly_separators(language())


def format_brl(value: float | None, decimals: int = 0) -> str:
    """``R$ 1.234.567`` (pt_BR) / ``R$ 1,234,567`` (en); an en dash for missing or non-finite values."""
    return i18n.format_money(value, decimals, language())


def format_brl_short(value: float | None, step: float | None = None) -> str:
    """Compact currency for cards, bar labels and axis ticks: ``R$ 1,2 mi``, ``R$ 58,3 mil``, ``R$ 950``.

    One decimal in a unit by default; with ``step`` (the distance between axis ticks), just the
    decimals that write every multiple of it, so neighbouring ticks never read the same.
    """
    if value is None or not math.isfinite(float(value)):
        return "–"
    if value == 0:
        return "R$ 0"
    for unit, suffix in i18n.money_units(language()):
        if abs(value) >= unit:
            return f"{format_brl(value / unit, 1 if step is None else _decimals(step / unit))} {suffix}"
    return format_brl(value, 0 if step is None else _decimals(step))


def _decimals(step: float) -> int:
    """Decimals that write every multiple of ``step`` exactly (at most 3)."""
    return next((d for d in range(3) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 3)


def format_number(value: float | None, decimals: int = 0) -> str:
    """A number in the request's format, without currency: ``378.143``, ``0,876`` (pt_BR)."""
    return i18n.format_number(value, decimals, language())


def format_percent(value: float | None, decimals: int = 0) -> str:
    """``12%``, ``12,3%`` (pt_BR) / ``12.3%`` (en) from a fraction (0.123); an en dash when missing."""
    return i18n.format_percent(value, decimals, language())


def period_label(date: pd.Timestamp, freq: str) -> str:
    """A period named for people, month and weekday names in the request's language:
    ``Mon 30 Jun 2025``, ``week of 30 Jun 2025``, ``Jun 2025``, ``Q3 2025`` (en)."""
    ts = pd.Timestamp(date)
    if freq == "D":
        return format_day(ts, "EEE dd MMM y")
    if freq == "W":
        return _("week of %(date)s", date=format_day(ts, "dd MMM y"))
    if freq == "M":
        return format_day(ts, "MMM y")
    if freq == "Q":
        return _("Q%(quarter)s %(year)s", quarter=ts.quarter, year=ts.year)
    raise ValueError(f"unknown frequency {freq!r}; expected one of {', '.join(FREQ_TEXT)}")


def periods_text(count: int, freq: str) -> str:
    """``1 week``, ``13 weeks`` in the request's language."""
    text = freq_text(freq)
    return f"{count} {text.one if count == 1 else text.many}"
