"""KPI cards of a forecast view: last period, next period's forecast, change vs last year, interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import format_brl, format_percent, period_label, periods_text
from components.i18n import _
from models.series import display_alias


@dataclass(frozen=True)
class Kpis:
    """The headline numbers of a view (all revenue in R$)."""

    freq: str
    last_period: pd.Timestamp | None
    last_value: float | None
    next_period: pd.Timestamp
    next_value: float
    last_year_value: float | None
    change: float | None  # next period vs the same period last year, as a fraction
    lower80: float
    upper80: float
    lower95: float
    upper95: float
    horizon: int
    horizon_total: float
    recorded_days: int = 0  # days of the next period already recorded (its total includes them)
    period_days: int = 0  # days in the next period


def compute_kpis(
    full_history: pd.Series,
    forecast80: pd.DataFrame,
    forecast95: pd.DataFrame,
    last_year: pd.Series,
    freq: str,
    data_end: pd.Timestamp | None = None,
) -> Kpis:
    """Headline numbers from the aggregated history and the forecasts at one display granularity.

    Why a pure function: the cards, the export and the tests must agree on the same figures.
    ``data_end`` (the model's last day) tells how much of the next period is already recorded: a week
    or month the data ends in is "recorded so far + forecast of the rest".
    """
    if forecast80.empty:
        raise ValueError("cannot compute KPIs of an empty forecast")
    first80 = forecast80.iloc[0]
    first95 = forecast95.iloc[0]
    history = full_history.dropna()
    last_value = float(history.iloc[-1]) if len(history) else None
    previous = float(last_year.iloc[0]) if len(last_year) else math.nan
    has_previous = math.isfinite(previous) and previous > 0
    recorded, days = recorded_share(pd.Timestamp(first80["date"]), freq, data_end)
    return Kpis(
        recorded_days=recorded,
        period_days=days,
        freq=freq,
        last_period=pd.Timestamp(history.index[-1]) if len(history) else None,
        last_value=last_value,
        next_period=pd.Timestamp(first80["date"]),
        next_value=float(first80["forecast"]),
        last_year_value=previous if has_previous else None,
        change=(float(first80["forecast"]) / previous - 1.0) if has_previous else None,
        lower80=float(first80["lower"]),
        upper80=float(first80["upper"]),
        lower95=float(first95["lower"]),
        upper95=float(first95["upper"]),
        horizon=len(forecast80),
        horizon_total=float(forecast80["forecast"].sum()),
    )


def recorded_share(start: pd.Timestamp, freq: str, data_end: pd.Timestamp | None) -> tuple[int, int]:
    """(days of the period starting ``start`` up to ``data_end``, days in the period)."""
    end = (start.to_period(display_alias(freq)) + 1).start_time
    days = int((end - start).days)
    if data_end is None or pd.Timestamp(data_end) < start:
        return 0, days
    return min(days, int((pd.Timestamp(data_end).normalize() - start).days) + 1), days


def next_period_text(kpis: Kpis) -> str:
    """``week of 27 Oct 2025``, with how much of it is already recorded when the data ends inside it."""
    label = period_label(kpis.next_period, kpis.freq)
    if kpis.recorded_days <= 0 or kpis.period_days <= 1:
        return label
    return _(
        "%(period)s (%(recorded)s of %(days)s days already recorded, the rest forecast)",
        period=label,
        recorded=kpis.recorded_days,
        days=kpis.period_days,
    )


def _card(label: str, value: object, detail: object, card_id: str, value_class: str = "") -> dbc.Col:
    size = "" if "fs-" in value_class else "fs-4"
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="small text-body-secondary text-uppercase fw-semibold"),
                    html.Div(value, className=f"{size} fw-semibold text-nowrap {value_class}".strip()),
                    html.Div(detail, className="small text-body-secondary"),
                ],
                className="py-2 px-3",
            ),
            className="h-100 shadow-sm border-0",
            id=card_id,
        ),
        xs=12,
        sm=6,
        xl=3,
        className="mb-3",
    )


def change_badge(change: float | None) -> tuple[str, str, str]:
    """Arrow, text and Bootstrap text colour for a change vs last year (up = green, down = red)."""
    if change is None:
        return "", "–", "text-body-secondary"
    if abs(change) < 0.005:
        return "bi-arrow-right", format_percent(0.0), "text-body-secondary"
    arrow = "bi-arrow-up-right" if change > 0 else "bi-arrow-down-right"
    colour = "text-success" if change > 0 else "text-danger"
    return arrow, f"{'+' if change > 0 else '−'}{format_percent(abs(change), 1)}", colour


def kpi_cards(kpis: Kpis) -> list[dbc.Col]:
    """Four cards: last period, next period forecast, change vs last year, forecast range."""
    freq = kpis.freq
    last_label = (
        period_label(kpis.last_period, freq) if kpis.last_period is not None else _("no full period yet")
    )
    arrow, change_text, colour = change_badge(kpis.change)
    change_detail = (
        _("vs %(value)s in the same period last year", value=format_brl(kpis.last_year_value))
        if kpis.last_year_value is not None
        else _("no sales recorded a year earlier")
    )
    return [
        _card(_("Revenue, last full period"), format_brl(kpis.last_value), last_label, "kpi-last"),
        _card(
            _("Forecast, next period"),
            format_brl(kpis.next_value),
            [
                next_period_text(kpis),
                html.Br(),
                _(
                    "next %(periods)s: %(total)s",
                    periods=periods_text(kpis.horizon, freq),
                    total=format_brl(kpis.horizon_total),
                ),
            ],
            "kpi-next",
        ),
        _card(
            _("Change vs last year"),
            [html.I(className=f"bi {arrow} me-1") if arrow else None, change_text],
            change_detail,
            "kpi-change",
            colour,
        ),
        _card(
            _("Likely range, next period"),
            f"{format_brl(kpis.lower80)} – {format_brl(kpis.upper80)}",
            _(
                "80%% likely; 95%%: %(lower)s – %(upper)s",
                lower=format_brl(kpis.lower95),
                upper=format_brl(kpis.upper95),
            ),
            "kpi-range",
            "fs-6 pt-2 pb-1",
        ),
    ]
