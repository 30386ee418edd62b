"""Admin › Data: which store reported which recent period, as a small heat-map with a caption.

Dates are written the Brazilian way (``05/11``, ``05/11/2026``) and counts with ``format_number``.
A period before a store's first report is left blank (the store did not exist yet), not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from components.admin.common import section
from components.figures import TEMPLATE
from components.formatting import FREQ_TEXT, PLOTLY_SEPARATORS, format_number

REPORTED_COLOR = "#2f6fbf"  # blue / orange: distinguishable with the common colour-vision deficiencies
MISSING_COLOR = "#f0a35e"
BLANK_COLOR = "#f1f3f5"
ROW_PX, MIN_HEIGHT, MAX_HEIGHT = 22, 150, 520
STATES = {True: "reported", False: "not reported", None: "before its first report"}


def br_date(day: dt.date) -> str:
    """``05/11/2026``."""
    return f"{day:%d/%m/%Y}"


def period_tick(day: dt.date, freq: str) -> str:
    """A short pt-BR axis label of a period start: ``05/11`` (day or week), ``11/2026``, ``T4 2026``."""
    if freq == "M":
        return f"{day:%m/%Y}"
    if freq == "Q":
        return f"T{(day.month - 1) // 3 + 1} {day.year}"
    return f"{day:%d/%m}"


def reporting_title(periods: Sequence[dt.date], freq: str) -> str:
    """The heat-map's title, naming the window in words (also its accessible name)."""
    unit = FREQ_TEXT[freq].many
    return f"Reporting by store — {format_number(len(periods))} {unit} to {br_date(periods[-1])}"


def reporting_figure(
    periods: Sequence[dt.date], stores: Sequence[str], reported: Sequence[Sequence[bool | None]], *, freq: str
) -> go.Figure:
    """Stores (rows) × recent periods (columns): blue reported, orange not reported, blank before the
    store's first report. Sized for the number of stores; readable from 390 px wide."""
    z = [[None if flag is None else int(flag) for flag in row] for row in reported]
    labels = [period_tick(p, freq) for p in periods]
    hover = [[f"{s} · {br_date(p)}: {STATES[flag]}" for p, flag in zip(periods, row, strict=True)]
             for s, row in zip(stores, reported, strict=True)]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=list(stores),
            zmin=0,
            zmax=1,
            colorscale=[[0, MISSING_COLOR], [0.5, MISSING_COLOR], [0.5, REPORTED_COLOR], [1, REPORTED_COLOR]],
            showscale=False,
            xgap=1,
            ygap=1,
            text=hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": reporting_title(periods, freq), "x": 0.01, "font": {"size": 14}},
        height=min(MAX_HEIGHT, max(MIN_HEIGHT, 70 + ROW_PX * len(stores))),
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        plot_bgcolor=BLANK_COLOR,
        separators=PLOTLY_SEPARATORS,
        xaxis={"type": "category", "nticks": 8, "tickangle": 0, "automargin": True, "fixedrange": True},
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
    )
    return fig


def reporting_caption(
    complete_through: dt.date, behind: Sequence[tuple[str, dt.date]], unreported: int, freq: str
) -> str:
    """One sentence under the heat-map: "complete through", who is behind, unreported periods."""
    one, many = FREQ_TEXT[freq].one, FREQ_TEXT[freq].many
    text = f"Complete through {br_date(complete_through)} (the newest date every store has reported)."
    if behind:
        named = ", ".join(f"{store} (last report {br_date(last)})" for store, last in behind)
        text += f" Behind: {named}."
    if unreported:
        text += (
            f" {format_number(unreported)} store-{one if unreported == 1 else many} without a report "
            "in the window (orange)."
        )
    return text


def reporting_panel(
    *,
    freq: str,
    periods: Sequence[dt.date],
    stores: Sequence[str],
    reported: Sequence[Sequence[bool | None]],
    complete_through: dt.date | None,
    behind: Sequence[tuple[str, dt.date]] = (),
) -> html.Div:
    """The heat-map with its caption, or a short note when there is no sales data yet."""
    if not stores or complete_through is None:
        return html.Div("No sales data yet.", className="text-body-secondary small")
    unreported = sum(flag is False for row in reported for flag in row)
    caption = reporting_caption(complete_through, behind, unreported, freq)
    graph = dcc.Graph(
        figure=reporting_figure(periods, stores, reported, freq=freq),
        config={"displayModeBar": False, "responsive": True},
        className="admin-reporting-graph",
    )
    return html.Figure(
        [graph, html.Figcaption(caption, className="small text-body-secondary mb-0")],
        className="admin-reporting mb-0",
        **{"aria-label": f"{reporting_title(periods, freq)}. {caption}"},
    )


def reporting_section() -> html.Div:
    """The reporting card (filled by the overview callback)."""
    return section(
        "Reporting by store",
        [html.Div(id=ids.ADMIN_DATA_STATUS)],
        icon="bi-grid-3x3",
    )
