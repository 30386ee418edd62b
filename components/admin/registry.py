"""Admin › Models: the registry grid, compare two versions, promote (rollback) and the training report."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from components.admin.common import grid, pt_br_column, section, time_column
from components.figures import TEMPLATE
from components.forecast_figures import money_ticks
from components.formatting import plotly_separators, plotly_text
from components.i18n import N_, _
from data.schema import LEVELS
from models.promotion import TIE_RULE

LEVEL_OPTIONS = [{"label": N_("All levels"), "value": "all"}] + [
    {"label": label, "value": lv}
    for lv, label in zip(LEVELS, (N_("Store"), N_("Category"), N_("Product")), strict=True)
]
# Column priority: the version first, then the columns that decide (status, the
# comparable WAPE, the decision); on a narrow screen the grid scrolls sideways inside its
# card, never the page.
VERSION_COLUMNS = [
    {"field": "id", "headerName": N_("Version"), "minWidth": 300, "flex": 1.5},
    {"field": "status", "headerName": N_("Status"), "minWidth": 120, "flex": 0.5},
    pt_br_column(
        "master_folds_wape",
        headerName=N_("WAPE on MASTER's folds (%)"),
        minWidth=205,
        flex=0.6,
        headerTooltip=N_("Error on the same back-test windows as the current MASTER (comparable)"),
    ),
    {
        "field": "decision",
        "headerName": N_("Decision"),
        "minWidth": 240,
        "flex": 3,
        "tooltipField": "decision",
    },
    pt_br_column(
        "wape",
        headerName=N_("Own WAPE %"),
        minWidth=140,
        flex=0.5,
        headerTooltip=N_("On its own folds and data"),
    ),
    pt_br_column("baseline_wape", headerName=N_("Naive WAPE %"), minWidth=150, flex=0.5),
    pt_br_column("mase", headerName=N_("MASE"), minWidth=95, flex=0.4),
    {"field": "family", "headerName": N_("Model"), "minWidth": 150, "flex": 0.6},
    {"field": "level", "headerName": N_("Level"), "minWidth": 95, "flex": 0.4},
    time_column("created_at", headerName=N_("Created"), minWidth=165, flex=0.8),
    {"field": "data_range", "headerName": N_("Data range"), "minWidth": 200, "flex": 0.8},
    {"field": "source", "headerName": N_("Source"), "minWidth": 100, "flex": 0.4},
]
COMPARE_COLORS = ("#0d6efd", "#fd7e14")


def registry_section() -> dbc.Card:
    """Grid of versions with level filter and the compare / promote / report actions."""
    toolbar = html.Div(
        [
            dcc.Dropdown(
                id=ids.ADMIN_REGISTRY_LEVEL,
                options=[{**option, "label": _(option["label"])} for option in LEVEL_OPTIONS],
                value="all",
                clearable=False,
                style={"width": "12rem"},
                className="me-2",
            ),
            dbc.Button(
                [html.I(className="bi bi-layout-split me-1"), _("Compare 2 selected")],
                id=ids.ADMIN_COMPARE,
                color="secondary",
                outline=True,
                size="sm",
                className="me-2",
            ),
            dbc.Button(
                [html.I(className="bi bi-star me-1"), _("Make MASTER (promote / roll back)")],
                id=ids.ADMIN_PROMOTE,
                color="warning",
                size="sm",
                className="me-2",
            ),
            dbc.Button(
                [html.I(className="bi bi-file-text me-1"), _("Training report")],
                id=ids.ADMIN_REPORT,
                color="secondary",
                outline=True,
                size="sm",
            ),
        ],
        className="d-flex align-items-center flex-wrap mb-2",
    )
    promote_modal = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("Change the MASTER model?"))),
            dbc.ModalBody(
                [
                    html.Div(id=ids.ADMIN_PROMOTE_TEXT, className="mb-2"),
                    dbc.Label(_("Reason (kept in the audit log)"), html_for=ids.ADMIN_PROMOTE_REASON),
                    dbc.Input(
                        id=ids.ADMIN_PROMOTE_REASON, placeholder=_("e.g. roll back after a bad data load")
                    ),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button(_("Cancel"), id=ids.ADMIN_PROMOTE_CANCEL, color="secondary", outline=True),
                    dbc.Button(_("Make MASTER"), id=ids.ADMIN_PROMOTE_CONFIRM, color="warning"),
                ]
            ),
        ],
        id=ids.ADMIN_PROMOTE_MODAL,
        is_open=False,
    )
    report_modal = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("Training report"))),
            dbc.ModalBody(html.Div(id=ids.ADMIN_REPORT_BODY)),
            dbc.ModalFooter(dbc.Button(_("Close"), id=ids.ADMIN_REPORT_CLOSE, color="secondary")),
        ],
        id=ids.ADMIN_REPORT_MODAL,
        is_open=False,
        size="xl",
        scrollable=True,
    )
    return section(
        _("Model registry"),
        [
            toolbar,
            html.P(_(TIE_RULE), className="small text-body-secondary mb-2", id="admin-registry-rule"),
            html.Div(id=ids.ADMIN_REGISTRY_MESSAGE),
            html.Div(id=ids.ADMIN_DRIFT),
            grid(ids.ADMIN_REGISTRY_GRID, VERSION_COLUMNS, selection="multiRow", row_id="id"),
            dcc.Store(id=ids.ADMIN_MODELS_CHANGED, data=0),
            dcc.Loading(html.Div(id=ids.ADMIN_COMPARE_OUT, className="mt-3"), type="dot"),
            promote_modal,
            report_modal,
        ],
        icon="bi-boxes",
    )


def compare_table(rows: list[dict[str, Any]], names: list[str]) -> dbc.Table:
    """Metrics of two versions side by side (``rows``: metric, then one value per version)."""
    header = html.Thead(html.Tr([html.Th(_("Metric")), *[html.Th(n) for n in names]]))
    body = html.Tbody([html.Tr([html.Td(r["metric"]), *[html.Td(v) for v in r["values"]]]) for r in rows])
    return dbc.Table([header, body], size="sm", bordered=True, className="admin-compare-table")


def backtest_figure(backtests: dict[str, pd.DataFrame], title: str) -> go.Figure:
    """Actuals and each version's out-of-sample backtest forecast on one chart (names and title as text)."""
    fig = go.Figure()
    first = next(iter(backtests.values()), None)
    if first is not None and not first.empty:
        fig.add_scatter(
            x=first["date"],
            y=first[_("actual")],
            name=_("actual"),
            mode="lines",
            line={"color": "#6c757d", "width": 1.5},
        )
    for color, (name, frame) in zip(COMPARE_COLORS, backtests.items(), strict=False):
        fig.add_scatter(
            x=frame["date"],
            y=frame["forecast"],
            name=plotly_text(name),
            mode="lines",
            line={"color": color, "width": 1.5},
        )
    fig.update_layout(
        template=TEMPLATE,
        title=plotly_text(title),
        height=360,
        separators=plotly_separators(),
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
        hovermode="x unified",
        yaxis={"automargin": True, **money_ticks([{"y": list(trace.y)} for trace in fig.data])},
    )
    fig.update_traces(hovertemplate="%{fullData.name}: R$ %{y:,.0f}<extra></extra>")
    return fig


def report_view(markdown: str, links: list[tuple[str, str]]) -> html.Div:
    """The training report rendered from its Markdown, with download links for the files."""
    return html.Div(
        [
            html.Div(
                [html.A(label, href=href, className="me-3", target="_blank") for label, href in links],
                className="mb-2 small",
            ),
            dcc.Markdown(markdown, className="admin-report"),
        ]
    )
