"""The admin tab (this release: dataset summary and the upload history)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids


def admin_page() -> html.Div:
    """Layout of the admin tab; its content is filled by an admin-only callback."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Administration", className="h4 mb-0"),
                    dbc.Button(
                        [html.I(className="bi bi-arrow-clockwise me-1"), "Refresh"],
                        id=ids.ADMIN_REFRESH,
                        size="sm",
                        color="secondary",
                        outline=True,
                    ),
                ],
                className="d-flex justify-content-between align-items-center mb-3",
            ),
            html.Div(id=ids.ADMIN_SUMMARY, className="mb-3"),
            html.H3("Uploads", className="h5"),
            html.Div(id=ids.ADMIN_UPLOADS),
        ]
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
            card("Sales rows", f"{summary.get('rows', 0):,}"),
            card("Stores / products", f"{summary.get('stores', 0)} / {summary.get('products', 0)}"),
            card("Date range", f"{summary.get('date_min') or '–'} → {summary.get('date_max') or '–'}"),
            card("Frequency", summary.get("frequency") or "–"),
        ]
    )


def uploads_table(rows: list[dict]) -> dbc.Table | dbc.Alert:
    """The upload history, newest first."""
    if not rows:
        return dbc.Alert("No uploads yet.", color="secondary")
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("When (UTC)", "File", "By", "Status", "Read", "New", "Replaced")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(r["uploaded_at"]),
                    html.Td(r["filename"]),
                    html.Td(r["uploaded_by"]),
                    html.Td(r["status"]),
                    html.Td(f"{r['rows_read']:,}"),
                    html.Td(f"{r['rows_new']:,}"),
                    html.Td(f"{r['rows_replaced']:,}"),
                ]
            )
            for r in rows
        ]
    )
    return dbc.Table([header, body], striped=True, hover=True, size="sm", responsive=True)
