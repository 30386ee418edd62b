"""Admin › Data: the upload area, the import preview, the validation report and the upload history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import ids
from components.admin.common import section
from components.formatting import format_number, freq_text
from components.i18n import N_, _, text_language
from data.coverage import Coverage
from data.frequency import FREQUENCIES
from data.storage import ImportPreview, ImportResult
from data.validation import Problem

PREVIEW_ROWS = 10
SCROLL_BOX = {"maxHeight": "420px", "overflowY": "auto"}


def upload_section() -> html.Div:
    """Drop zone (several CSV/XLSX files), preview area with confirm/cancel, and the import result."""
    drop_zone = html.Div(
        dcc.Upload(
            id=ids.ADMIN_UPLOAD,
            multiple=True,  # no ``accept``: a file it filtered out would be dropped without any answer
            children=html.Div(
                [
                    html.I(className="bi bi-cloud-arrow-up fs-3 d-block mb-1"),
                    _("Drag and drop sales files here, or "),
                    html.A(_("choose files"), className="link-primary"),
                    html.Div(id=ids.ADMIN_UPLOAD_LIMIT, className="small text-body-secondary mt-1"),
                ]
            ),
            className="border border-2 rounded-3 p-4 text-center bg-white",
            style={"borderStyle": "dashed", "cursor": "pointer"},
        ),
        **{"data-ts-upload": _("Sales files to upload (CSV or XLSX)")},
    )
    actions = html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-check2-circle me-1"), _("Import these rows")],
                id=ids.ADMIN_UPLOAD_CONFIRM,
                color="primary",
                disabled=True,
                className="me-2",
            ),
            dbc.Button(
                _("Cancel"), id=ids.ADMIN_UPLOAD_CANCEL, color="secondary", outline=True, disabled=True
            ),
        ],
        className="my-2",
    )
    return section(
        _("Upload sales files"),
        [
            drop_zone,
            dcc.Store(id=ids.ADMIN_UPLOAD_STAGED),
            dcc.Loading(html.Div(id=ids.ADMIN_UPLOAD_PREVIEW, className="mt-3"), type="dot"),
            actions,
            dcc.Loading(html.Div(id=ids.ADMIN_UPLOAD_RESULT), type="dot"),
        ],
        icon="bi-upload",
    )


def undo_id(upload_id: int) -> dict[str, Any]:
    """The pattern id of the Undo button of one upload."""
    return {"type": ids.ADMIN_UNDO, "upload": upload_id}


def _undo_modal() -> dbc.Modal:
    """Asks before undoing an upload (the question names the upload and what changes)."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("Undo this upload?"))),
            dbc.ModalBody(html.Div(id=ids.ADMIN_UNDO_TEXT)),
            dbc.ModalFooter(
                [
                    dbc.Button(_("Cancel"), id=ids.ADMIN_UNDO_CANCEL, color="secondary", outline=True),
                    dbc.Button(_("Undo upload"), id=ids.ADMIN_UNDO_CONFIRM, color="danger"),
                ]
            ),
        ],
        id=ids.ADMIN_UNDO_MODAL,
        is_open=False,
    )


def history_section() -> html.Div:
    """The upload history card (filled by a callback), with the undo dialog and its message area."""
    return section(
        _("Upload history"),
        [
            html.Div(id=ids.ADMIN_UNDO_MESSAGE),
            html.Div(id=ids.ADMIN_UPLOADS),
            _undo_modal(),
            dcc.Store(id=ids.ADMIN_UNDO_PENDING),  # the upload waiting for confirmation
            dcc.Store(id=ids.ADMIN_UNDO_DONE),  # stamped after an undo: the overview redraws
        ],
        icon="bi-clock-history",
    )


def limit_text(max_mb: float) -> str:
    """The sentence under the drop zone naming the formats and the size limit."""
    size = format_number(max_mb, 0 if max_mb == int(max_mb) else 1)
    return _("CSV (, or ;) or XLSX, several files at once, up to %(mb)s MB each.", mb=size)


def _fact(label: str, value: Any) -> html.Div:
    return html.Div([html.Span(label, className="text-body-secondary"), " ", html.Strong(str(value))])


def _sample_table(frame: pd.DataFrame) -> dbc.Table:
    shown = frame.head(PREVIEW_ROWS).copy()
    if "date" in shown:
        shown["date"] = pd.to_datetime(shown["date"]).dt.strftime("%Y-%m-%d")
    return dbc.Table.from_dataframe(
        shown, striped=True, bordered=False, hover=True, size="sm", responsive=True
    )


def date_span(first: Any, last: Any) -> str:
    """A compact ISO date range: ``2026-11-01..03``, ``2026-11-30..12-02``, ``2026-12-31..2027-01-02``."""
    if first == last:
        return f"{first:%Y-%m-%d}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%Y-%m-%d}..{last:%d}"
    if first.year == last.year:
        return f"{first:%Y-%m-%d}..{last:%m-%d}"
    return f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"


def _names(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    more = _(" and %(count)s more", count=format_number(len(names) - limit))
    return shown + (more if len(names) > limit else "")


def coverage_warning(coverage: Coverage) -> str | None:
    """The warning of a file that leaves stores without a report for some of its dates, or None.

    ``covers 1 of 10 stores for 2026-11-01..03; the other 9 will show as not yet reported for those days``.
    """
    if not coverage.partial:
        return None
    span = date_span(coverage.behind_from, coverage.behind_to)
    covered, stores = format_number(len(coverage.stores)), format_number(coverage.all_stores)
    others = coverage.all_stores - len(coverage.stores)
    if not set(coverage.behind) & set(coverage.stores) and len(coverage.behind) == others:
        return _(
            "Covers %(covered)s of %(stores)s stores for %(span)s; the other %(others)s will show as not yet "
            "reported for those days.",
            covered=covered,
            stores=stores,
            span=span,
            others=format_number(others),
        )
    return _(
        "Covers %(covered)s of %(stores)s stores for %(span)s; %(behind)s (%(names)s) will show as not yet "
        "reported for those days.",
        covered=covered,
        stores=stores,
        span=span,
        behind=format_number(len(coverage.behind)),
        names=_names(coverage.behind),
    )


def _store_list(coverage: Coverage) -> str:
    new = set(coverage.new_stores)
    named = [_("%(store)s (new)", store=s) if s in new else s for s in coverage.stores]
    return _names(named, 12)


def _coverage_facts(coverage: Coverage, freq: str) -> list[dbc.Col]:
    words = freq_text(freq)
    periods = f"{format_number(coverage.dates)} {words.one if coverage.dates == 1 else words.many}"
    touched = _(
        "%(count)s of %(total)s",
        count=format_number(len(coverage.stores)),
        total=format_number(coverage.all_stores),
    )
    return [
        dbc.Col(_fact(_("Dates:"), f"{coverage.date_min} → {coverage.date_max} ({periods})"), md=6),
        dbc.Col(
            _fact(
                _("Products:"),
                _(
                    "%(count)s (%(new)s new)",
                    count=format_number(coverage.products),
                    new=format_number(coverage.new_products),
                ),
            ),
            md=3,
        ),
        dbc.Col(
            _fact(
                _("Series:"),
                _(
                    "%(count)s (%(new)s new)",
                    count=format_number(coverage.series),
                    new=format_number(coverage.new_series),
                ),
            ),
            md=3,
        ),
        dbc.Col(
            _fact(_("Stores (%(count)s):", count=touched), _store_list(coverage)),
            md=12,
            className="admin-preview-stores",
        ),
    ]


def preview_card(preview: ImportPreview) -> dbc.Card:
    """What importing one file would do: mapped columns, frequency, coverage, new vs replaced rows."""
    mapping = ", ".join(f"{field} ← {column}" for field, column in preview.columns.items())
    stores = ", ".join(preview.stores[:12]) + (" …" if len(preview.stores) > 12 else "")
    coverage = preview.coverage
    scope = (
        _coverage_facts(coverage, preview.frequency)
        if coverage is not None
        else [
            dbc.Col(_fact(_("Dates:"), f"{preview.date_min} → {preview.date_max}"), md=6),
            dbc.Col(_fact(_("Products:"), format_number(preview.products)), md=6),
            dbc.Col(_fact(_("Stores (%(count)s):", count=format_number(len(preview.stores))), stores), md=12),
        ]
    )
    warning = coverage_warning(coverage) if coverage is not None else None
    alert = (
        [
            dbc.Alert(
                [html.I(className="bi bi-exclamation-triangle me-1"), warning],
                color="warning",
                className="py-2 mb-2 admin-coverage-warning",
            )
        ]
        if warning
        else []
    )
    facts = dbc.Row(
        [
            dbc.Col(_fact(_("Rows read:"), format_number(preview.rows_read)), md=3),
            dbc.Col(_fact(_("Frequency:"), freq_text(preview.frequency).name), md=3),
            dbc.Col(
                _fact(_("New rows:"), format_number(preview.rows_new)), md=3, className="admin-preview-new"
            ),
            dbc.Col(_fact(_("Replaced rows:"), format_number(preview.rows_replaced)), md=3),
            dbc.Col(_fact(_("Unchanged rows:"), format_number(preview.rows_unchanged)), md=3),
            *scope,
            dbc.Col(_fact(_("Categories:"), ", ".join(preview.categories)), md=12),
            dbc.Col(_fact(_("Columns:"), mapping), md=12),
            dbc.Col(_fact(_("Decimal mark:"), _decimal_text(preview)), md=12),
        ],
        className="small g-1 mb-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H6([html.I(className="bi bi-file-earmark-spreadsheet me-1"), preview.filename]),
                *alert,
                facts,
                html.Div(
                    _(
                        "First %(count)s rows as they will be stored:",
                        count=min(PREVIEW_ROWS, len(preview.rows)),
                    ),
                    className="small text-body-secondary",
                ),
                _sample_table(preview.rows),
            ]
        ),
        className="mb-2 admin-preview-card",
    )


def _decimal_text(preview: ImportPreview) -> str:
    """The file's decimal mark and why, in the reader's language."""
    return preview.decimal.text(text_language()) if preview.decimal else preview.decimal_mark


def problems_table(problems: Sequence[Problem], omitted: int = 0, *, title: str = "") -> html.Div:
    """Every problem of a rejected file as a readable table (file, row, column, reason), the reasons
    in the reader's language with its number and date formats."""
    language = text_language()
    header = html.Thead(
        html.Tr([html.Th(_("File")), html.Th(_("Row")), html.Th(_("Column")), html.Th(_("Reason"))])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(p.file),
                    html.Td("" if p.row is None else p.row),
                    html.Td(p.column or ""),
                    html.Td(p.reason_text(language)),
                ]
            )
            for p in problems
        ]
    )
    more = (
        [
            html.Div(
                _("… and %(count)s more problems not listed.", count=format_number(omitted)),
                className="small",
            )
        ]
        if omitted
        else []
    )
    return html.Div(
        [
            dbc.Alert(
                [
                    html.I(className="bi bi-x-octagon me-1"),
                    title
                    or _(
                        "%(count)s problem(s) found; nothing was written.",
                        count=format_number(len(problems) + omitted),
                    ),
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


def import_line(result: ImportResult) -> str:
    """One imported file in the reader's language, counts in its number format."""
    text = _(
        "%(file)s: %(status)s — %(read)s rows read, %(new)s new, %(replaced)s replaced, "
        "%(unchanged)s unchanged; frequency %(freq)s",
        file=result.filename,
        status=_(result.status),
        read=format_number(result.rows_read),
        new=format_number(result.rows_new),
        replaced=format_number(result.rows_replaced),
        unchanged=format_number(result.rows_unchanged),
        freq=freq_text(result.frequency).name
        if result.frequency in FREQUENCIES
        else (result.frequency or "-"),
    )
    note = result.note_text(text_language())
    return f"{text} ({note})" if note else text


def import_results(results: Sequence[ImportResult]) -> dbc.Alert:
    """The outcome of a confirmed import, one line per file."""
    return dbc.Alert(
        [
            html.Div(
                [html.I(className="bi bi-check-circle me-1"), _("Import finished.")], className="fw-semibold"
            )
        ]
        + [html.Div(import_line(r)) for r in results],
        color="success",
        className="py-2 admin-import-ok",
    )


def uploads_table(rows: list[dict]) -> dbc.Table | dbc.Alert:
    """The upload history, newest first; each kept raw file can be downloaded."""
    if not rows:
        return dbc.Alert(_("No uploads yet."), color="secondary")
    header = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "#",
                    _("When"),
                    _("File"),
                    _("By"),
                    _("Status"),
                    _("Read"),
                    _("New"),
                    _("Replaced"),
                    _("Note"),
                    "",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(r["id"]),
                    html.Td(r["uploaded_at"]),
                    html.Td(
                        html.A(r["filename"], href=r["download"], title=_("download the raw file"))
                        if r.get("download")
                        else r["filename"]
                    ),
                    html.Td(r["uploaded_by"]),
                    html.Td(dbc.Badge(_(r["status"]), color=STATUS_COLORS.get(r["status"], "secondary"))),
                    html.Td(format_number(r["rows_read"])),
                    html.Td(format_number(r["rows_new"])),
                    html.Td(format_number(r["rows_replaced"])),
                    html.Td(
                        r.get("error") or "",
                        className="small text-truncate",
                        style={"maxWidth": "28rem"},
                        title=r.get("error_full") or r.get("error") or "",
                    ),
                    html.Td(_undo_button(r["id"]) if r.get("can_undo") else ""),
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


def _undo_button(upload_id: int) -> dbc.Button:
    return dbc.Button(
        [html.I(className="bi bi-arrow-counterclockwise me-1"), _("Undo")],
        id=undo_id(upload_id),
        size="sm",
        color="danger",
        outline=True,
        className="py-0 admin-undo-button",
        title=_(
            "Undo upload %(id)s: put back the values it replaced and delete the rows it added", id=upload_id
        ),
    )


STATUS_COLORS = {"imported": "success", "unchanged": "secondary", "rejected": "danger", "undone": "warning"}
UPLOAD_STATES = (N_("imported"), N_("unchanged"), N_("rejected"), N_("undone"))  # translated in the table
