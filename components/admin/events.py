"""Admin › Data › Events: upload the events calendar (promotions…) and see what is stored."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import ids
from components.admin.common import message, section
from components.i18n import N_, _

EVENTS_HELP = N_(
    "CSV or XLSX with the columns date (YYYY-MM-DD or DD/MM/YYYY), name and, optionally, store "
    "(empty = every store). The file replaces the stored calendar; the models use it from the next "
    "training and the charts mark it at once."
)
SHOWN_EVENTS = 50


def events_section() -> dbc.Card:
    """Drop zone for one events file, the import result and the stored calendar."""
    upload = dcc.Upload(
        id=ids.ADMIN_EVENTS_UPLOAD,
        multiple=False,
        children=html.Div(
            [
                html.I(className="bi bi-calendar-event fs-4 d-block mb-1"),
                _("Drag and drop an events file here, or "),
                html.A(_("choose a file"), className="link-primary"),
            ]
        ),
        className="border border-2 rounded-3 p-3 text-center bg-white",
        style={"borderStyle": "dashed", "cursor": "pointer"},
    )
    drop_zone = html.Div(upload, **{"data-ts-upload": _("Events file to upload (CSV or XLSX)")})
    return section(
        _("Events calendar"),
        [
            html.P(_(EVENTS_HELP), className="small text-body-secondary"),
            drop_zone,
            dcc.Loading(html.Div(id=ids.ADMIN_EVENTS_RESULT, className="mt-2"), type="dot"),
            html.Div(id=ids.ADMIN_EVENTS_LIST, className="mt-2"),
        ],
        icon="bi-calendar-event",
    )


def events_table(events: pd.DataFrame) -> html.Div:
    """The next stored events (or a line saying there are none)."""
    if events.empty:
        return html.Div(_("No events stored."), className="small text-body-secondary")
    shown = events.head(SHOWN_EVENTS)
    rows = [
        html.Tr([html.Td(f"{d:%Y-%m-%d}"), html.Td(n), html.Td(s if isinstance(s, str) else _("all stores"))])
        for d, n, s in shown.itertuples(index=False)
    ]
    more = len(events) - len(shown)
    return html.Div(
        [
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(_("Date")), html.Th(_("Event")), html.Th(_("Store"))])),
                    html.Tbody(rows),
                ],
                size="sm",
                className="small mb-1",
            ),
            html.Div(_("… and %(count)s more", count=more), className="small text-body-secondary")
            if more > 0
            else None,
        ]
    )


def events_result(text: str, ok: bool) -> dbc.Alert:
    """The import outcome (the rejection lists every problem, one per line)."""
    return message(text, "success" if ok else "danger", extra_class="admin-events-result text-pre-wrap")
