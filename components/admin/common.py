"""Small layout pieces shared by the admin sections: grids, cards, messages, and pt-BR numbers."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components.formatting import format_number, format_percent
from components.i18n import _, zone_name

GRID_HEIGHT = "360px"


def format_pct(fraction: float | None, decimals: int = 1) -> str:
    """A fraction as a pt-BR percentage with one decimal by default: ``0.1234`` -> ``12,3%``."""
    return format_percent(fraction, decimals)


def pt_br_column(field: str, **props: Any) -> dict[str, Any]:
    """A numeric grid column shown with pt-BR separators from the row's ``<field>_text`` (written by
    ``format_number``/``format_pct`` on the server) while sorting and filtering use the number."""
    return {
        "field": field,
        "type": "numericColumn",
        "valueFormatter": {"function": f"params.data ? params.data.{field}_text : params.value"},
        **props,
    }


def translated_column(column: dict[str, Any]) -> dict[str, Any]:
    """A column definition with its header (an ``N_``-marked msgid) in the request's language."""
    translated = {key: value for key, value in column.items() if key != "zone"}
    if "headerName" in column:
        translated["headerName"] = _(column["headerName"])
    if "headerTooltip" in column:
        translated["headerTooltip"] = _(column["headerTooltip"])
    if column.get("zone"):
        translated["headerTooltip"] = _("Times in %(zone)s", zone=zone_name())
    return translated


def time_column(field: str, **props: Any) -> dict[str, Any]:
    """A time column: sorts by the row's raw value (ISO, UTC) and shows its ``<field>_text`` (the time
    in TRENDSALES_TIMEZONE, in the reader's format); the header's tooltip names the zone."""
    return {
        "field": field,
        "valueFormatter": {"function": f"params.data ? params.data.{field}_text : params.value"},
        "zone": True,
        **props,
    }


def grid(
    grid_id: str,
    columns: list[dict[str, Any]],
    *,
    selection: str | None = None,
    height: str = GRID_HEIGHT,
    row_id: str | None = None,
) -> dag.AgGrid:
    """An AG Grid with sortable, filterable, resizable columns; ``selection`` is singleRow or multiRow.

    Columns share the width by ``flex`` above their ``minWidth`` (a wider table scrolls sideways)
    instead of ``columnSize="responsiveSizeToFit"``: that calls ``sizeColumnsToFit`` on grids that
    sit hidden in an inactive sub-tab (AG Grid warning #29) and squeezed key columns below their
    content ("MAST…", "WA…"). AG Grid sizes flex columns itself when a hidden grid is shown.
    """
    options: dict[str, Any] = {
        "animateRows": False,
        "enableCellTextSelection": True,
        # AG Grid's own texts (empty grid, filter menus, screen-reader labels) in the page's language:
        # app/assets/40-ag-grid-locale.js holds AG Grid's pt-BR catalogue.
        "getLocaleText": {"function": "localeText(params)"},
    }
    if selection:
        options["rowSelection"] = {"mode": selection, "enableClickSelection": True}
    extra: dict[str, Any] = {}
    if row_id:
        extra["getRowId"] = f"params.data.{row_id}"
    return dag.AgGrid(
        id=grid_id,
        columnDefs=[translated_column(column) for column in columns],
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 100, "flex": 1},
        dashGridOptions=options,
        style={"height": height, "width": "100%"},
        **extra,
    )


def message(text: str, color: str = "info", *, extra_class: str = "") -> dbc.Alert:
    """A dismissable alert for the outcome of an admin action (``extra_class`` helps tests find it)."""
    return dbc.Alert(
        text, color=color, dismissable=True, className=f"py-2 mb-2 admin-message {extra_class}".strip()
    )


def section(title: str, body: list[Any], *, icon: str = "") -> dbc.Card:
    """A titled card that groups one admin concern."""
    heading = [html.I(className=f"bi {icon} me-2"), title] if icon else [title]
    return dbc.Card(
        [dbc.CardHeader(html.Span(heading, className="fw-semibold")), dbc.CardBody(body)],
        className="mb-3",
    )


def summary_cards(summary: dict) -> dbc.Row:
    """Cards with the size and span of the sales data."""

    def card(label: str, value: object) -> dbc.Col:
        return dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(label, className="small text-body-secondary"),
                        html.Div(str(value), className="h5 mb-0"),
                    ]
                )
            ),
            xs=6,
            md=3,
            className="mb-2",
        )

    return dbc.Row(
        [
            card(_("Sales rows"), format_number(summary.get("rows", 0))),
            card(
                _("Stores / products"),
                f"{format_number(summary.get('stores', 0))} / {format_number(summary.get('products', 0))}",
            ),
            card(_("Date range"), f"{summary.get('date_min') or '–'} → {summary.get('date_max') or '–'}"),
            card(_("Frequency"), _(summary["frequency"]) if summary.get("frequency") else "–"),
        ]
    )
