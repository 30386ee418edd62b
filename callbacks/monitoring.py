"""Forecast monitoring callbacks: the forecast-vs-actual card and its export, tab drift badges, and
the drift line of Admin › Models. Each is a thin adapter over ``services.monitoring``.

Separate from the view callback on purpose: reading archived snapshots never delays the chart, KPIs
and breakdown, and ``MONITORING_ENABLED=false`` leaves these callbacks unregistered.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.catalogue import CatalogueCache
from callbacks.export import XLSX_HEADINGS, export_filename
from callbacks.forecast import filter_values, selection, view_series_id
from callbacks.guards import admin_only, current_scope
from callbacks.inputs import text, view_state
from components import ids
from components.formatting import freq_text
from components.i18n import N_, _
from components.monitoring import (
    accuracy_figure,
    accuracy_note,
    drift_badge_content,
    drift_lines,
    live_error_line,
)
from components.state import TABS, ViewState
from data.cells import spreadsheet_safe
from data.reporting import Reporting
from services.monitoring import (
    ForecastVsActual,
    drift_flags,
    export_frame,
    flagged_levels,
    forecast_vs_actual,
)
from services.scoping import StoreNotAllowed, StoreScope

HEADINGS = {**XLSX_HEADINGS, "origin": N_("Forecast made with sales up to"), "actual": N_("Actual (R$)")}
ABOUT_FIELDS = (N_("level"), N_("series"), N_("complete through"), N_("granularity"))
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}


def view_accuracy(
    services: Any, state: ViewState, scope: StoreScope, reporting: Reporting | None = None
) -> ForecastVsActual | None:
    """The forecast-vs-actual data of the view ``state`` for a user of ``scope`` (None: nothing to show);
    ``reporting``: the catalogue cache's reporting facts (saves a grouped query per view)."""
    try:
        return forecast_vs_actual(
            services, state.tab, view_series_id(state), scope=scope, reporting=reporting, **selection(state)
        )
    except (StoreNotAllowed, ValueError):
        return None


def accuracy_outputs(view: ForecastVsActual | None) -> tuple[Any, Any, Any, Any]:
    """(figure, note, card style, live line) for the card; the card is hidden when nothing is archived."""
    if view is None:
        return accuracy_figure(None), accuracy_note(None), HIDDEN, None
    return accuracy_figure(view), accuracy_note(view), SHOWN, live_error_line(view.live, view.freq)


def accuracy_download(view: ForecastVsActual | None, state: ViewState, kind: str) -> dict[str, Any] | None:
    """The ``dcc.Download`` payload of the forecast-vs-actual table as ``csv`` or ``xlsx`` (None: none)."""
    if kind not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {kind!r}; expected csv or xlsx")
    if view is None or not view.past:
        return None
    frame = export_frame(view)
    name = export_filename(state, kind).replace("forecast_", "forecast-vs-actual_", 1)
    if kind == "csv":
        return dcc.send_data_frame(frame.to_csv, name, index=False)
    buffer = io.BytesIO()
    values = (_(view.level), view.series_id, str(view.through), freq_text(view.freq).name)
    about = pd.DataFrame(
        {
            _("field"): [_(name) for name in ABOUT_FIELDS],
            _("value"): [spreadsheet_safe(v) for v in values],  # ids hold names typed in uploaded files
        }
    )
    headings = {column: _(heading) for column, heading in HEADINGS.items()}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.rename(columns=headings).to_excel(writer, sheet_name=_("Forecast vs actual")[:31], index=False)
        about.to_excel(writer, sheet_name=_("View")[:31], index=False)
    return dcc.send_bytes(buffer.getvalue(), name)


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the monitoring callbacks (none when ``MONITORING_ENABLED`` is off)."""
    if not services.config.monitoring_enabled:
        return

    @app.callback(
        Output(ids.ACCURACY_GRAPH, "figure"),
        Output(ids.ACCURACY_NOTE, "children"),
        Output(ids.ACCURACY_CARD, "style"),
        Output(ids.MODEL_LIVE_ERROR, "children"),
        Input({"type": ids.FILTER, "name": ALL}, "value"),
    )
    def update_accuracy(_values: list[Any]) -> tuple[Any, ...]:
        state = view_state(filter_values(ctx.inputs_list[0]))
        reporting = cache.get().reporting
        return accuracy_outputs(view_accuracy(services, state, current_scope(services), reporting))

    @app.callback(
        Output(ids.ACCURACY_DOWNLOAD, "data"),
        Input(ids.ACCURACY_CSV, "n_clicks"),
        Input(ids.ACCURACY_XLSX, "n_clicks"),
        State({"type": ids.FILTER, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def export_accuracy(_csv: int | None, _xlsx: int | None, _values: list[Any]) -> Any:
        kind = "xlsx" if ctx.triggered_id == ids.ACCURACY_XLSX else "csv"
        state = view_state(filter_values(ctx.states_list[0]))
        view = view_accuracy(services, state, current_scope(services), cache.get().reporting)
        payload = accuracy_download(view, state, kind)
        return payload if payload is not None else no_update

    @app.callback(
        *[Output(ids.drift_badge(tab), "children") for tab in TABS],
        Input(ids.URL, "pathname"),
    )
    def badges(path: str | None) -> tuple[Any, ...]:
        text(path, "pathname")  # a hand-made body gets a 400 like the other callbacks of the URL
        flagged = set(flagged_levels(services))
        return tuple(drift_badge_content(tab in flagged) for tab in TABS)

    @app.callback(
        Output(ids.ADMIN_DRIFT, "children"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
        Input(ids.ADMIN_JOB_STATE, "data"),
    )
    @admin_only
    def admin_drift(_clicks: Any, _job: Any) -> Any:
        return drift_lines(drift_flags(services))
