"""The CSV / Excel (/ PNG) button group every exportable card carries, written once."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import _


def _button(icon: str, text: str, button_id: str, title: str | None = None) -> dbc.Button:
    """One small outlined export button with its Bootstrap icon."""
    extra = {"title": title} if title else {}
    return dbc.Button(
        [html.I(className=f"bi {icon} me-1"), text],
        id=button_id,
        outline=True,
        color="secondary",
        size="sm",
        **extra,
    )


def export_buttons(csv_id: str, xlsx_id: str, png_id: str | None = None) -> dbc.ButtonGroup:
    """The export group of a card: CSV and Excel of what the card shows, and a PNG of its chart when
    ``png_id`` is given, so every card offers the same downloads with the same look."""
    buttons = [
        _button("bi-filetype-csv", "CSV", csv_id),
        _button("bi-file-earmark-excel", "Excel", xlsx_id),
    ]
    if png_id is not None:
        buttons.append(_button("bi-image", "PNG", png_id, _("Download the chart as a picture")))
    return dbc.ButtonGroup(buttons, size="sm")
