"""Admin › Data: the upload area, the import preview, the validation report and the upload history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import ids
from components.admin.common import section
from components.formatting import format_number
from data.storage import ImportPreview, ImportResult
from data.validation import Problem

PREVIEW_ROWS = 10
SCROLL_BOX = {"maxHeight": "420px", "overflowY": "auto"}


def upload_section() -> html.Div:
    """Drop zone (several CSV/XLSX files), preview area with confirm/cancel, and the import result."""
    drop_zone = dcc.Upload(
        id=ids.ADMIN_UPLOAD,
        multiple=True,  # no ``accept``: a file it filtered out would be dropped without any answer
        children=html.Div(
            [
                html.I(className="bi bi-cloud-arrow-up fs-3 d-block mb-1"),
                "Drag and drop sales files here, or ",
                html.A("choose files", className="link-primary"),
                html.Div(id=ids.ADMIN_UPLOAD_LIMIT, className="small text-body-secondary mt-1"),
            ]
        ),
        className="border border-2 rounded-3 p-4 text-center bg-white",
        style={"borderStyle": "dashed", "cursor": "pointer"},
    )
    actions = html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-check2-circle me-1"), "Import these rows"],
                id=ids.ADMIN_UPLOAD_CONFIRM,
                color="primary",
                disabled=True,
                className="me-2",
            ),
            dbc.Button("Cancel", id=ids.ADMIN_UPLOAD_CANCEL, color="secondary", outline=True, disabled=True),
        ],
        className="my-2",
    )
    return section(
        "Upload sales files",
        [
            drop_zone,
            dcc.Store(id=ids.ADMIN_UPLOAD_STAGED),
            dcc.Loading(html.Div(id=ids.ADMIN_UPLOAD_PREVIEW, className="mt-3"), type="dot"),
            actions,
            dcc.Loading(html.Div(id=ids.ADMIN_UPLOAD_RESULT), type="dot"),
        ],
        icon="bi-upload",
    )


def history_section() -> html.Div:
    """The upload history card (filled by a callback)."""
    return section("Upload history", [html.Div(id=ids.ADMIN_UPLOADS)], icon="bi-clock-history")


def limit_text(max_mb: float) -> str:
    """The sentence under the drop zone naming the formats and the size limit."""
    return f"CSV (, or ;) or XLSX, several files at once, up to {max_mb:g} MB each."


def _fact(label: str, value: Any) -> html.Div:
    return html.Div([html.Span(label, className="text-body-secondary"), " ", html.Strong(str(value))])


def _sample_table(frame: pd.DataFrame) -> dbc.Table:
    shown = frame.head(PREVIEW_ROWS).copy()
    if "date" in shown:
        shown["date"] = pd.to_datetime(shown["date"]).dt.strftime("%Y-%m-%d")
    return dbc.Table.from_dataframe(
        shown, striped=True, bordered=False, hover=True, size="sm", responsive=True
    )


def preview_card(preview: ImportPreview) -> dbc.Card:
    """What importing one file would do: mapped columns, frequency, range, catalogue, new vs replaced."""
    mapping = ", ".join(f"{field} ← {column}" for field, column in preview.columns.items())
    stores = ", ".join(preview.stores[:12]) + (" …" if len(preview.stores) > 12 else "")
    facts = dbc.Row(
        [
            dbc.Col(_fact("Rows read:", format_number(preview.rows_read)), md=3),
            dbc.Col(_fact("Frequency:", preview.frequency), md=3),
            dbc.Col(_fact("Dates:", f"{preview.date_min} → {preview.date_max}"), md=6),
            dbc.Col(_fact("New rows:", format_number(preview.rows_new)), md=3, className="admin-preview-new"),
            dbc.Col(_fact("Replaced rows:", format_number(preview.rows_replaced)), md=3),
            dbc.Col(_fact("Unchanged rows:", format_number(preview.rows_unchanged)), md=3),
            dbc.Col(_fact("Products:", preview.products), md=3),
            dbc.Col(_fact(f"Stores ({len(preview.stores)}):", stores), md=12),
            dbc.Col(_fact("Categories:", ", ".join(preview.categories)), md=12),
            dbc.Col(_fact("Columns:", mapping), md=12),
            dbc.Col(_fact("Decimal mark:", preview.decimal_mark), md=12),
        ],
        className="small g-1 mb-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H6([html.I(className="bi bi-file-earmark-spreadsheet me-1"), preview.filename]),
                facts,
                html.Div(
                    f"First {min(PREVIEW_ROWS, len(preview.rows))} rows as they will be stored:",
                    className="small text-body-secondary",
                ),
                _sample_table(preview.rows),
            ]
        ),
        className="mb-2 admin-preview-card",
    )


def problems_table(problems: Sequence[Problem], omitted: int = 0, *, title: str = "") -> html.Div:
    """Every problem of a rejected file as a readable table (file, row, column, reason)."""
    header = html.Thead(html.Tr([html.Th("File"), html.Th("Row"), html.Th("Column"), html.Th("Reason")]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(p.file),
                    html.Td("" if p.row is None else p.row),
                    html.Td(p.column or ""),
                    html.Td(p.reason),
                ]
            )
            for p in problems
        ]
    )
    more = [html.Div(f"… and {omitted} more problems not listed.", className="small")] if omitted else []
    return html.Div(
        [
            dbc.Alert(
                [
                    html.I(className="bi bi-x-octagon me-1"),
                    title or f"{len(problems) + omitted} problem(s) found; nothing was written.",
                ],
                color="danger",
                className="py-2 mb-2",
            ),
            html.Div(
                dbc.Table([header, body], size="sm", striped=True, className="admin-problems mb-1"),
                style=SCROLL_BOX,
            ),
            *more,
        ]
    )


def import_results(results: Sequence[ImportResult]) -> dbc.Alert:
    """The outcome of a confirmed import, one line per file."""
    return dbc.Alert(
        [html.Div([html.I(className="bi bi-check-circle me-1"), "Import finished."], className="fw-semibold")]
        + [html.Div(r.summary()) for r in results],
        color="success",
        className="py-2 admin-import-ok",
    )


def uploads_table(rows: list[dict]) -> dbc.Table | dbc.Alert:
    """The upload history, newest first; each kept raw file can be downloaded."""
    if not rows:
        return dbc.Alert("No uploads yet.", color="secondary")
    header = html.Thead(
        html.Tr(
            [html.Th(h) for h in ("When (UTC)", "File", "By", "Status", "Read", "New", "Replaced", "Note")]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(r["uploaded_at"]),
                    html.Td(
                        html.A(r["filename"], href=r["download"], title="download the raw file")
                        if r.get("download")
                        else r["filename"]
                    ),
                    html.Td(r["uploaded_by"]),
                    html.Td(dbc.Badge(r["status"], color=STATUS_COLORS.get(r["status"], "secondary"))),
                    html.Td(format_number(r["rows_read"])),
                    html.Td(format_number(r["rows_new"])),
                    html.Td(format_number(r["rows_replaced"])),
                    html.Td(
                        r.get("error") or "",
                        className="small text-truncate",
                        style={"maxWidth": "28rem"},
                        title=r.get("error_full") or r.get("error") or "",
                    ),
                ]
            )
            for r in rows
        ]
    )
    return html.Div(
        dbc.Table(
            [header, body], striped=True, hover=True, size="sm", responsive=True, className="admin-history"
        ),
        style=SCROLL_BOX,
    )


STATUS_COLORS = {"imported": "success", "unchanged": "secondary", "rejected": "danger"}
