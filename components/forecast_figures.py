"""Figure builders of the forecast tabs: the main forecast chart and the breakdown bar chart.

Pure functions from data to Plotly figure dictionaries (``{"data": [...], "layout": {...}}``):
``dcc.Graph`` takes them as they are, and building plain dicts costs well under a millisecond where
validating ``go.Figure`` objects cost ~60 ms per chart — the difference that keeps interactions fast.
Currency uses Brazilian separators (``R$ 1.234.567``); the y axis of the main chart is labelled in the
short form of the KPI cards (``R$ 3,5 mi``), so the labels stay narrow on a tablet.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from components.formatting import FREQ_TEXT, PLOTLY_SEPARATORS, format_brl_short, plotly_text
from data.frequency import frequency

HISTORY_COLOR = "#0d6efd"
FORECAST_COLOR = "#fd7e14"
BAND80_FILL = "rgba(253, 126, 20, 0.28)"
BAND95_FILL = "rgba(253, 126, 20, 0.13)"
LAST_YEAR_COLOR = "#6c757d"
BACKTEST_COLOR = "#6f42c1"
PARTIAL_COLOR = "#adb5bd"
PARTIAL_FILL = "rgba(173, 181, 189, 0.16)"
PARTIAL = "Partially reported"
BAR_COLOR = "#0d6efd"
MONEY = "R$ %{y:,.0f}"
GRID = "#e9ecef"
Y_TICKS = 5  # about this many intervals on the y axis
LEGEND_ROW_PX = 26
TOP_GAP_PX = 12  # between the legend and the plot (the "Forecast →" label sits there)
MODEBAR_PX = 40  # right margin kept free for the vertical chart toolbar, so it never covers the legend
X_TICK_STANDOFF_PX = 10  # keeps the first date label below the "R$ 0" tick instead of beside it
LEGEND_ENTRIES_PER_ROW = 5  # all of them fit one row on a tablet (820 px) except the backtest's
# Legend order (the traces are drawn bands first, so the lines stay on top of them).
LEGEND_RANK = {
    "History": 1,
    "Forecast": 2,
    "80% interval": 3,
    "95% interval": 4,
    "Same period last year": 5,
    "Backtest forecast": 6,
    PARTIAL: 7,
}
# The chart toolbar without Plotly's cloud ("Share chart") button, its logo or selection tools.
GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": [
        "sendChartToCloud",
        "sendDataToCloud",
        "editInChartStudio",
        "lasso2d",
        "select2d",
    ],
    "toImageButtonOptions": {"format": "png", "filename": "trendsales-forecast", "scale": 2},
}
Figure = dict[str, Any]


def _scatter(**props: Any) -> dict[str, Any]:
    return {"type": "scatter", **props}


def base_layout(**props: Any) -> dict[str, Any]:
    """The common look of our charts (white background, light grid, Brazilian number separators)."""
    layout: dict[str, Any] = {
        "separators": PLOTLY_SEPARATORS,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "color": "#212529"},
        "hoverlabel": {"namelength": -1},
    }
    layout.update(props)
    return layout


def _values(values: Any) -> list[float | None]:
    """Plain floats for JSON, missing values as ``None`` (Plotly draws a gap)."""
    array = np.asarray(values, dtype=float)
    return [None if not np.isfinite(v) else round(float(v), 2) for v in array]


def _dates(values: Any) -> list[str]:
    """ISO dates (``2025-07-07``) for Plotly's date axis, converted in one vectorised step."""
    return np.datetime_as_string(pd.DatetimeIndex(values).to_numpy(dtype="datetime64[D]"), unit="D").tolist()


def nice_step(span: float, count: int = Y_TICKS) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``count`` intervals over ``span``."""
    raw = span / count if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def short_money(value: float, step: float) -> str:
    """A y tick label in the cards' short form (``R$ 3,5 mi``, ``R$ 400 mil``) as precise as ``step``."""
    return format_brl_short(value, step)


def money_ticks(traces: list[dict[str, Any]], axis: str = "y") -> dict[str, Any]:
    """``tickvals``/``ticktext`` of the money axis (``y``, or ``x`` for horizontal bars) covering every
    value drawn, in the short form every chart uses (empty: Plotly's own ticks)."""
    values = [v for t in traces for v in t.get(axis) or [] if v is not None]
    if not values:
        return {}
    low, high = min(0.0, min(values)), max(values)
    step = nice_step(high - low)
    first = math.floor(low / step)
    ticks = [round(k * step, 6) for k in range(first, math.ceil(high / step) + 1)]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [short_money(v, step) for v in ticks]}


def legend_rows(traces: list[dict[str, Any]]) -> int:
    """Rows the horizontal legend takes on a tablet-wide chart (one on a laptop)."""
    entries = sum(1 for t in traces if t.get("showlegend", True))
    return max(1, math.ceil(entries / LEGEND_ENTRIES_PER_ROW))


def _band(frame: pd.DataFrame, name: str, fill: str) -> list[dict[str, Any]]:
    """Lower bound (invisible) and upper bound filled down to it: one legend entry per band."""
    x = _dates(frame["date"])
    lower = _scatter(
        x=x,
        y=_values(frame["lower"]),
        mode="lines",
        line={"width": 0},
        name=f"{name} lower",
        legendgroup=name,
        showlegend=False,
        hovertemplate=f"{name} from {MONEY}<extra></extra>",
    )
    upper = _scatter(
        x=x,
        y=_values(frame["upper"]),
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=fill,
        name=name,
        legendgroup=name,
        hovertemplate=f"{name} to {MONEY}<extra></extra>",
    )
    return [lower, upper]


def _backtest_traces(backtest: pd.DataFrame) -> list[dict[str, Any]]:
    """Backtest predictions, one line segment per fold (gaps between folds)."""
    x: list[str | None] = []
    y: list[float | None] = []
    for _, fold in backtest.groupby("fold", sort=True):
        x += [*_dates(fold["date"]), None]
        y += [*_values(fold["forecast"]), None]
    return [
        _scatter(
            x=x,
            y=y,
            mode="lines+markers",
            name="Backtest forecast",
            line={"color": BACKTEST_COLOR, "width": 1.5, "dash": "dash"},
            marker={"size": 4},
            connectgaps=False,
            hovertemplate=f"Backtest forecast {MONEY}<extra></extra>",
        )
    ]


def _partial_trace(partial: pd.Series) -> dict[str, Any]:
    """The periods only some stores have reported: grey dotted markers, apart from the history line."""
    return _scatter(
        x=_dates(partial.index),
        y=_values(partial),
        mode="lines+markers",
        name=PARTIAL,
        line={"color": PARTIAL_COLOR, "width": 1.5, "dash": "dot"},
        marker={"size": 6, "symbol": "circle-open", "color": PARTIAL_COLOR},
        hovertemplate=f"{PARTIAL} (not every store yet) {MONEY}<extra></extra>",
    )


def _partial_shape(partial: pd.Series, freq: str) -> dict[str, Any]:
    """A light grey band over the partially reported periods (first start to last period's end)."""
    last = pd.Timestamp(partial.index[-1]).to_period(frequency(freq).display_alias)
    end = (last + 1).start_time
    return {
        "type": "rect",
        "x0": _dates(partial.index[:1])[0],
        "x1": _dates([end])[0],
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "fillcolor": PARTIAL_FILL,
        "line": {"width": 0},
        "layer": "below",
        "name": PARTIAL,
    }


def _connector(history: pd.Series, forecast: pd.DataFrame) -> dict[str, Any]:
    """A thin line from the last actual to the first forecast point, so the two lines meet (a monthly
    chart otherwise shows a gap of a whole period between them); no legend entry, no hover."""
    return _scatter(
        x=_dates([history.index[-1], forecast["date"].iloc[0]]),
        y=_values([history.iloc[-1], forecast["forecast"].iloc[0]]),
        mode="lines",
        name="Forecast start",
        line={"color": FORECAST_COLOR, "width": 1.2, "dash": "dot"},
        showlegend=False,
        hoverinfo="skip",
    )


def x_range(history: pd.Series, forecast: pd.DataFrame, freq: str) -> dict[str, Any]:
    """The x axis range from the first drawn period to the last (half a period of air at each end)."""
    dates = pd.DatetimeIndex([*history.index[:1], *history.index[-1:], *pd.DatetimeIndex(forecast["date"])])
    if dates.empty:
        return {}
    pad = pd.Timedelta(days=frequency(freq).period_days / 2)
    return {"range": _dates([dates.min() - pad, dates.max() + pad]), "autorange": False}


def forecast_figure(
    history: pd.Series,
    forecast80: pd.DataFrame,
    forecast95: pd.DataFrame,
    *,
    freq: str,
    last_year: pd.Series | None = None,
    backtest: pd.DataFrame | None = None,
    partial: pd.Series | None = None,
) -> Figure:
    """History, forecast with 80%/95% bands, forecast-start line, last year dotted, optional backtest,
    and the periods only some stores have reported (``partial``) as a grey dotted segment on a band.

    Trace names (what the browser tests read): ``History``, ``Forecast``, ``80% interval``,
    ``95% interval``, ``Same period last year``, ``Backtest forecast``, ``Partially reported`` (and the
    legend-less ``Forecast start`` joining the last actual to the first forecast).
    """
    has_forecast = not forecast80.empty
    traces: list[dict[str, Any]] = []
    if has_forecast:
        traces += _band(forecast95, "95% interval", BAND95_FILL)
        traces += _band(forecast80, "80% interval", BAND80_FILL)
    traces.append(
        _scatter(
            x=_dates(history.index),
            y=_values(history),
            mode="lines",
            name="History",
            line={"color": HISTORY_COLOR, "width": 1.6},
            hovertemplate=f"Actual {MONEY}<extra></extra>",
        )
    )
    if has_forecast:
        traces.append(
            _scatter(
                x=_dates(forecast80["date"]),
                y=_values(forecast80["forecast"]),
                mode="lines+markers" if len(forecast80) <= 60 else "lines",
                name="Forecast",
                line={"color": FORECAST_COLOR, "width": 2.2},
                marker={"size": 5},
                hovertemplate=f"Forecast {MONEY}<extra></extra>",
            )
        )
    if last_year is not None and np.isfinite(last_year.to_numpy(dtype=float)).any():
        traces.append(
            _scatter(
                x=_dates(last_year.index),
                y=_values(last_year),
                mode="lines",
                name="Same period last year",
                line={"color": LAST_YEAR_COLOR, "width": 1.5, "dash": "dot"},
                hovertemplate=f"Last year {MONEY}<extra></extra>",
            )
        )
    if backtest is not None and not backtest.empty:
        traces += _backtest_traces(backtest)
    has_partial = partial is not None and not partial.empty
    if has_partial:
        traces.append(_partial_trace(partial))
    if has_forecast and len(history):
        traces.append(_connector(history, forecast80))
    start = _dates(forecast80["date"][:1])[0] if has_forecast else None
    shown_range = x_range(history, forecast80, freq)
    layout = base_layout(
        height=440,
        # The legend sits at the top of the figure, above the plot, and wraps inside the plot's width;
        # the vertical toolbar keeps to the right margin beside it, so neither covers the other.
        margin={
            "l": 8,
            "r": MODEBAR_PX,
            "t": legend_rows(traces) * LEGEND_ROW_PX + TOP_GAP_PX,
            "b": 8,
        },
        modebar={"orientation": "v"},
        hovermode="x unified",
        legend={
            "orientation": "h",
            "xref": "paper",
            "yref": "container",
            "x": 0,
            "y": 1,
            "yanchor": "top",
        },
        yaxis={
            "title": {"text": "Revenue (R$)", "standoff": 8},
            "automargin": True,
            **money_ticks(traces),
            "rangemode": "tozero",
            "gridcolor": GRID,
            "zerolinecolor": GRID,
        },
        xaxis={
            "type": "date",
            "title": {"text": FREQ_TEXT[freq].axis_title},
            "hoverformat": FREQ_TEXT[freq].hover_date,
            "gridcolor": GRID,
            "ticklabelstandoff": X_TICK_STANDOFF_PX,
            # From the first period of "History shown" (which counts back from the last actual) to the
            # last forecast period: no empty band after the forecast.
            **shown_range,
            "rangeslider": {"visible": True, "thickness": 0.07, **shown_range},
        },
        shapes=([_partial_shape(partial, freq)] if has_partial else [])
        + (
            []
            if start is None
            else [
                {
                    "type": "line",
                    "x0": start,
                    "x1": start,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"color": "#495057", "width": 1, "dash": "dash"},
                }
            ]
        ),
        annotations=[]
        if start is None
        else [
            {
                "x": start,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": "Forecast →",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#495057"},
            }
        ],
    )
    for trace in traces:
        trace["legendrank"] = LEGEND_RANK.get(trace["name"], 1000)
    return {"data": traces, "layout": layout}


def breakdown_figure(totals: pd.Series, *, title: str, drill: str | None) -> Figure:
    """Horizontal bars of forecast revenue per label, largest on top; ``customdata`` carries the label
    as it is (for the drill-down), the drawn labels and the title are escaped text.

    ``drill`` names what a click opens (shown in the hover), or None when bars are not clickable.
    """
    ordered = totals.sort_values(ascending=True)
    hint = f"<br><i>Click to open the {drill}</i>" if drill else ""
    bar = {
        "type": "bar",
        "x": _values(ordered),
        "y": [plotly_text(label) for label in ordered.index],
        "orientation": "h",
        "marker": {"color": BAR_COLOR},
        "customdata": [str(label) for label in ordered.index],
        "texttemplate": "R$ %{x:,.0f}",
        "textposition": "auto",
        "hovertemplate": f"%{{y}}<br>R$ %{{x:,.0f}}{hint}<extra></extra>",
        "name": plotly_text(title),
    }
    layout = base_layout(
        height=max(220, 40 * len(ordered) + 60),
        margin={"l": 8, "r": 16, "t": 8, "b": 30},
        xaxis={"rangemode": "tozero", "gridcolor": GRID, **money_ticks([bar], axis="x")},
        yaxis={"automargin": True},
        showlegend=False,
        clickmode="event",
    )
    return {"data": [bar], "layout": layout}
