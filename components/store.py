"""The store tab: store selector and the revenue history chart."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids

ALL_STORES = "__all__"


def store_options(stores: list[str]) -> list[dict[str, str]]:
    """Dropdown options: all stores together first, then each store."""
    return [{"label": "All stores", "value": ALL_STORES}] + [{"label": s, "value": s} for s in stores]


def store_page(stores: list[str], selected: str = ALL_STORES) -> html.Div:
    """Layout of the store tab for the given catalogue."""
    if not stores:
        return dbc.Alert(
            "No sales data yet. An administrator can load the demo data (`flask --app wsgi data sample`) "
            "or import sales files (`flask --app wsgi data import FILE`).",
            color="info",
        )
    return html.Div(
        [
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Label("Store", html_for=ids.STORE_SELECT),
                        dcc.Dropdown(
                            id=ids.STORE_SELECT,
                            options=store_options(stores),
                            value=selected,
                            clearable=False,
                        ),
                    ],
                    xs=12,
                    md=6,
                    lg=4,
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    dcc.Loading(
                        [
                            dcc.Graph(id=ids.STORE_HISTORY_GRAPH, config={"displaylogo": False}),
                            html.Div(id=ids.STORE_HISTORY_SUMMARY, className="small text-body-secondary"),
                        ],
                        type="default",
                    )
                )
            ),
        ]
    )
