"""Admin › Data: which store reported which recent period, as a small heat-map with a caption.

Dates are written the Brazilian way (``05/11``, ``05/11/2026``) and counts with ``format_number``.
A period before a store's first report is shown grey (the store did not exist yet) and not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from components.admin.common import section
from components.figures import TEMPLATE
from components.formatting import format_number, freq_text, plotly_locale, plotly_separators, plotly_text
from components.i18n import N_, _
from components.i18n import day as i18n_day

REPORTED_COLOR = "#2f6fbf"  # blue / orange: distinguishable with the common colour-vision deficiencies
MISSING_COLOR = "#f0a35e"
BLANK_COLOR = "#f1f3f5"
ROW_PX, MIN_HEIGHT, MAX_HEIGHT = 22, 180, 560
CELL_GAP = 0.12  # share of a period left blank between cells
MAX_TICKS = 8
STATES = {True: N_("reported"), False: N_("not reported"), None: N_("before its first report")}


def br_date(day: dt.date) -> str:
    """``05/11/2026`` (pt_BR) / ``11/5/2026`` (en)."""
    return i18n_day(day, "yMd")


def period_tick(day: dt.date, freq: str) -> str:
    """A short pt-BR axis label of a period start: ``05/11`` (day or week), ``11/2026``, ``T4 2026``."""
    if freq == "M":
        return i18n_day(day, "yM")
    if freq == "Q":
        return _("Q%(quarter)s %(year)s", quarter=(day.month - 1) // 3 + 1, year=day.year)
    return i18n_day(day, "dM")


def reporting_title(periods: Sequence[dt.date], freq: str) -> str:
    """The heat-map's title, naming the window in words (also its accessible name)."""
    unit = freq_text(freq).many
    return _(
        "Reporting by store — %(count)s %(unit)s to %(date)s",
        count=format_number(len(periods)),
        unit=unit,
        date=br_date(periods[-1]),
    )


def reporting_figure(
    periods: Sequence[dt.date], stores: Sequence[str], reported: Sequence[Sequence[bool | None]], *, freq: str
) -> go.Figure:
    """Stores (rows) × recent periods (columns): blue reported, orange not reported, grey before the
    store's first report, with a legend naming the three. Sized for the number of stores; store names
    are drawn as text (``plotly_text``).

    Drawn as one horizontal bar per cell (one trace per state), which the app's basic Plotly bundle
    renders (it has no heatmap trace); the cells scale with the width down to 390 px.
    """
    fig = go.Figure()
    names = [plotly_text(store) for store in stores]  # names from uploaded files: text, never markup
    for state, color in ((True, REPORTED_COLOR), (False, MISSING_COLOR), (None, BLANK_COLOR)):
        cells = [
            (store, i, f"{store} · {br_date(p)}: {_(STATES[state])}")
            for store, row in zip(names, reported, strict=True)
            for i, (p, flag) in enumerate(zip(periods, row, strict=True))
            if flag is state
        ]
        if not cells:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[c[0] for c in cells],
                x=[1 - CELL_GAP] * len(cells),
                base=[c[1] + CELL_GAP / 2 for c in cells],
                width=0.86,
                marker={"color": color, "line": {"width": 0}},
                name=_(STATES[state]),
                text=[c[2] for c in cells],
                textposition="none",
                hovertemplate="%{text}<extra></extra>",
            )
        )
    step = max(1, -(-len(periods) // MAX_TICKS))
    ticks = list(range(0, len(periods), step))
    fig.update_layout(
        template=TEMPLATE,
        title={"text": reporting_title(periods, freq), "x": 0.01, "font": {"size": 14}},
        height=min(MAX_HEIGHT, max(MIN_HEIGHT, 110 + ROW_PX * len(stores))),
        margin={"l": 10, "r": 10, "t": 40, "b": 48},
        barmode="overlay",
        bargap=0,
        separators=plotly_separators(),
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "font": {"size": 11},
        },
        xaxis={
            "range": [0, len(periods)],
            "tickvals": [i + 0.5 for i in ticks],
            "ticktext": [period_tick(periods[i], freq) for i in ticks],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": True,
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
    )
    return fig


def reporting_caption(
    complete_through: dt.date,
    behind: Sequence[tuple[str, dt.date]],
    unreported: int,
    freq: str,
    silent: Sequence[tuple[str, dt.date]] = (),
) -> str:
    """One sentence under the heat-map: "complete through", who is behind or silent (counted as
    closed), unreported periods."""
    one, many = freq_text(freq).one, freq_text(freq).many
    text = _(
        "Complete through %(date)s (the newest date every store has reported).",
        date=br_date(complete_through),
    )
    if behind:
        named = ", ".join(
            _("%(store)s (last report %(date)s)", store=store, date=br_date(last)) for store, last in behind
        )
        text += " " + _("Behind: %(stores)s.", stores=named)
    if silent:
        named = ", ".join(
            _("%(store)s (last report %(date)s)", store=store, date=br_date(last)) for store, last in silent
        )
        text += " " + _("Silent long enough to count as closed: %(stores)s.", stores=named)
    if unreported:
        text += " " + _(
            "%(count)s store-%(unit)s without a report in the window (orange).",
            count=format_number(unreported),
            unit=one if unreported == 1 else many,
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
    silent: Sequence[tuple[str, dt.date]] = (),
) -> html.Div:
    """The heat-map with its caption, or a short note when there is no sales data yet."""
    if not stores or complete_through is None:
        return html.Div(_("No sales data yet."), className="text-body-secondary small")
    unreported = sum(flag is False for row in reported for flag in row)
    caption = reporting_caption(complete_through, behind, unreported, freq, silent)
    graph = dcc.Graph(
        figure=reporting_figure(periods, stores, reported, freq=freq),
        config={"displayModeBar": False, "responsive": True, "locale": plotly_locale()},
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
        _("Reporting by store"),
        [html.Div(id=ids.ADMIN_DATA_STATUS)],
        icon="bi-grid-3x3",
    )
