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

from components.formatting import format_brl_short, freq_text, plotly_separators, plotly_text
from components.i18n import N_, _
from data.frequency import frequency

HISTORY_COLOR = "#0d6efd"
FORECAST_COLOR = "#fd7e14"
BAND80_FILL = "rgba(253, 126, 20, 0.28)"
BAND95_FILL = "rgba(253, 126, 20, 0.13)"
LAST_YEAR_COLOR = "#6c757d"
BACKTEST_COLOR = "#6f42c1"
PARTIAL_COLOR = "#adb5bd"
PARTIAL_FILL = "rgba(173, 181, 189, 0.16)"
PARTIAL = N_("Partially reported")
BAR_COLOR = "#0d6efd"
OTHERS_COLOR = "#adb5bd"
TOP_BARS = 10  # a breakdown draws its largest bars and one "others" bar for the rest
MONEY = "R$ %{y:,.0f}"
GRID = "#e9ecef"
Y_TICKS = 5  # about this many intervals on the y axis
LEGEND_ROW_PX = 26
TOP_GAP_PX = 12  # between the legend and the plot (the "Forecast →" label sits there)
MODEBAR_PX = 40  # right margin kept free for the vertical chart toolbar, so it never covers the legend
X_TICK_STANDOFF_PX = 10  # keeps the first date label below the "R$ 0" tick instead of beside it
LEGEND_ENTRIES_PER_ROW = 5  # all of them fit one row on a tablet (820 px) except the backtest's
EVENTS = N_("Events")
EVENT_COLOR = "#6f42c1"
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


def interval_name(level: int) -> str:
    """The legend name of a prediction interval: ``80% interval`` (translated)."""
    percent = f"{level}%"  # a variable, not an f-string inside _(): pybabel skips calls holding f-strings
    return _("%(level)s interval", level=percent)


def legend_ranks() -> dict[str, int]:
    """Legend order by trace name (the traces are drawn bands first, so the lines stay on top of them)."""
    names = [
        _("History"),
        _("Forecast"),
        interval_name(80),
        interval_name(95),
        _("Same period last year"),
        _("Backtest forecast"),
        _(PARTIAL),
        _(EVENTS),
    ]
    return {name: rank for rank, name in enumerate(names, start=1)}


def _scatter(**props: Any) -> dict[str, Any]:
    return {"type": "scatter", **props}


def base_layout(**props: Any) -> dict[str, Any]:
    """The common look of our charts (white background, light grid, Brazilian number separators)."""
    layout: dict[str, Any] = {
        "separators": plotly_separators(),
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
        name=_("%(band)s lower", band=name),
        legendgroup=name,
        showlegend=False,
        hovertemplate=_("%(band)s from %(money)s", band=name, money=MONEY) + "<extra></extra>",
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
        hovertemplate=_("%(band)s to %(money)s", band=name, money=MONEY) + "<extra></extra>",
    )
    return [lower, upper]


def _backtest_traces(backtest: pd.DataFrame) -> list[dict[str, Any]]:
    """Backtest predictions, one line segment per fold (gaps between folds)."""
    x: list[str | None] = []
    y: list[float | None] = []
    for _fold_id, fold in backtest.groupby("fold", sort=True):
        x += [*_dates(fold["date"]), None]
        y += [*_values(fold["forecast"]), None]
    return [
        _scatter(
            x=x,
            y=y,
            mode="lines+markers",
            name=_("Backtest forecast"),
            line={"color": BACKTEST_COLOR, "width": 1.5, "dash": "dash"},
            marker={"size": 4},
            connectgaps=False,
            hovertemplate=_("Backtest forecast %(money)s", money=MONEY) + "<extra></extra>",
        )
    ]


def _partial_trace(partial: pd.Series) -> dict[str, Any]:
    """The periods only some stores have reported: grey dotted markers, apart from the history line."""
    return _scatter(
        x=_dates(partial.index),
        y=_values(partial),
        mode="lines+markers",
        name=_(PARTIAL),
        line={"color": PARTIAL_COLOR, "width": 1.5, "dash": "dot"},
        marker={"size": 6, "symbol": "circle-open", "color": PARTIAL_COLOR},
        hovertemplate=_("Partially reported (not every store yet) %(money)s", money=MONEY)
        + "<extra></extra>",
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
        "name": _(PARTIAL),
    }


def _events_trace(events: pd.DataFrame) -> dict[str, Any]:
    """Markers at the foot of the chart, one per period with events, naming them on hover."""
    return _scatter(
        x=_dates(events["date"]),
        y=[0.0] * len(events),
        mode="markers",
        name=_(EVENTS),
        marker={"symbol": "triangle-up", "size": 11, "color": EVENT_COLOR},
        text=[plotly_text(name) for name in events["name"]],
        hovertemplate="%{text}<extra></extra>",
        cliponaxis=False,
    )


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
    events: pd.DataFrame | None = None,
) -> Figure:
    """History, forecast with 80%/95% bands, forecast-start line, last year dotted, optional backtest,
    the periods only some stores have reported (``partial``) as a grey dotted segment on a band, and
    the events calendar (``events``: date, name) as markers on the time axis.

    Trace names (what the browser tests read): ``History``, ``Forecast``, ``80% interval``,
    ``95% interval``, ``Same period last year``, ``Backtest forecast``, ``Partially reported``,
    ``Events`` (and the legend-less ``Forecast start`` joining the last actual to the first forecast).
    """
    has_forecast = not forecast80.empty
    traces: list[dict[str, Any]] = []
    if has_forecast:
        traces += _band(forecast95, interval_name(95), BAND95_FILL)
        traces += _band(forecast80, interval_name(80), BAND80_FILL)
    traces.append(
        _scatter(
            x=_dates(history.index),
            y=_values(history),
            mode="lines",
            name=_("History"),
            line={"color": HISTORY_COLOR, "width": 1.6},
            hovertemplate=_("Actual %(money)s", money=MONEY) + "<extra></extra>",
        )
    )
    if has_forecast:
        traces.append(
            _scatter(
                x=_dates(forecast80["date"]),
                y=_values(forecast80["forecast"]),
                mode="lines+markers" if len(forecast80) <= 60 else "lines",
                name=_("Forecast"),
                line={"color": FORECAST_COLOR, "width": 2.2},
                marker={"size": 5},
                hovertemplate=_("Forecast %(money)s", money=MONEY) + "<extra></extra>",
            )
        )
    if last_year is not None and np.isfinite(last_year.to_numpy(dtype=float)).any():
        traces.append(
            _scatter(
                x=_dates(last_year.index),
                y=_values(last_year),
                mode="lines",
                name=_("Same period last year"),
                line={"color": LAST_YEAR_COLOR, "width": 1.5, "dash": "dot"},
                hovertemplate=_("Last year %(money)s", money=MONEY) + "<extra></extra>",
            )
        )
    if backtest is not None and not backtest.empty:
        traces += _backtest_traces(backtest)
    has_partial = partial is not None and not partial.empty
    if has_partial:
        traces.append(_partial_trace(partial))
    if events is not None and not events.empty:
        traces.append(_events_trace(events))
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
            "title": {"text": _("Revenue (R$)"), "standoff": 8},
            "automargin": True,
            **money_ticks(traces),
            "rangemode": "tozero",
            "gridcolor": GRID,
            "zerolinecolor": GRID,
        },
        xaxis={
            "type": "date",
            "title": {"text": freq_text(freq).axis_title},
            "hoverformat": freq_text(freq).hover_date,
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
                "text": _("Forecast →"),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#495057"},
            }
        ],
    )
    ranks = legend_ranks()
    for trace in traces:
        trace["legendrank"] = ranks.get(trace["name"], 1000)
    return {"data": traces, "layout": layout}


def others_label(count: int) -> str:
    """The label of the bar that sums the ``count`` smallest items."""
    return _("Others (%(count)s)", count=count)


def top_with_others(totals: pd.Series, top: int = TOP_BARS) -> tuple[pd.Series, int]:
    """The ``top`` largest totals, plus one ``Others (k)`` total of the remaining ``k`` when there are
    two or more of them (one left over is drawn as itself); returns (totals to draw, ``k``).

    A chain has hundreds of stores and thousands of products: a bar per item would be unreadable.
    """
    ordered = totals.sort_values(ascending=False)
    if len(ordered) <= top + 1:
        return ordered, 0
    rest = ordered.iloc[top:]
    shown = pd.concat([ordered.iloc[:top], pd.Series({others_label(len(rest)): float(rest.sum())})])
    return shown, len(rest)


def breakdown_figure(totals: pd.Series, *, title: str, drill: str | None, top: int = TOP_BARS) -> Figure:
    """Horizontal bars of forecast revenue per label, largest on top, the ``top`` largest and one grey
    "Others (k)" bar for the rest (``top_with_others``); ``customdata`` carries each label as it is (for
    the drill-down; empty for the others bar, which opens nothing), drawn labels and title are escaped.

    ``drill`` names what a click opens (shown in the hover), or None when bars are not clickable.
    """
    shown, others = top_with_others(totals, top)
    ordered = shown.iloc[::-1]  # Plotly draws the first bar at the bottom: "Others", then the smallest
    hint = "<br><i>" + _("Click to open the %(what)s", what=drill) + "</i>" if drill else ""
    is_others = [others > 0 and i == 0 for i in range(len(ordered))]
    bar = {
        "type": "bar",
        "x": _values(ordered),
        "y": [plotly_text(label) for label in ordered.index],
        "orientation": "h",
        # Per-bar colours and hovers only when an "Others" bar is drawn.
        "marker": {"color": [OTHERS_COLOR if o else BAR_COLOR for o in is_others] if others else BAR_COLOR},
        "customdata": ["" if o else str(label) for o, label in zip(is_others, ordered.index, strict=True)],
        "texttemplate": "R$ %{x:,.0f}",
        "textposition": "auto",
        "hovertemplate": (
            [f"%{{y}}<br>R$ %{{x:,.0f}}{'' if o else hint}<extra></extra>" for o in is_others]
            if others
            else f"%{{y}}<br>R$ %{{x:,.0f}}{hint}<extra></extra>"
        ),
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
