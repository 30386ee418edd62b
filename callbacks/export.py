"""Export of the view shown: CSV and XLSX downloads of its history and forecast, the chart as PNG and a
copied link to the view (the last two in the browser)."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.catalogue import CatalogueCache
from callbacks.forecast import filter_values, view_query, view_reported, view_series_id
from callbacks.guards import current_scope
from callbacks.inputs import view_state
from components import ids
from components.formatting import freq_text
from components.i18n import N_, _
from components.state import ViewState
from data.cells import spreadsheet_safe
from models.holder import ModelUnavailableError
from services.forecast_view import HolderSource, ReportedSales, forecast_view
from services.scoping import ALL_STORES, StoreScope, scoped

FORECAST_COLUMNS = ["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
# The forecast's columns first (as before), then the history and the selection the rows belong to.
# The CSV keeps these English names (a stable data format); the workbook shows XLSX_HEADINGS.
EXPORT_COLUMNS = [
    *FORECAST_COLUMNS,
    "actual",
    "kind",
    "store",
    "category",
    "product",
    "granularity",
    "model_version",
]
NUMBERS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95", "actual"]
# The workbook's headings for people (the CSV keeps the column names above).
XLSX_HEADINGS = {
    "date": N_("Date"),
    "forecast": N_("Forecast (R$)"),
    "lower_80": N_("Lower 80% (R$)"),
    "upper_80": N_("Upper 80% (R$)"),
    "lower_95": N_("Lower 95% (R$)"),
    "upper_95": N_("Upper 95% (R$)"),
    "actual": N_("Actual sales (R$)"),
    "kind": N_("Row"),
    "store": N_("Store"),
    "category": N_("Category"),
    "product": N_("Product"),
    "granularity": N_("Granularity"),
    "model_version": N_("Model version"),
}
VIEW_FIELDS = (
    N_("tab"),
    N_("store"),
    N_("category"),
    N_("product"),
    N_("granularity"),
    N_("horizon"),
    N_("model version"),
)


def export_frame(
    forecast80: pd.DataFrame,
    forecast95: pd.DataFrame,
    history: pd.Series | None = None,
    selection: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The rows of an export: the ``history`` shown (``kind`` = actual, revenue in ``actual``), then one
    row per forecast period (``kind`` = forecast, with both intervals), rounded to centavos; every row
    carries the ``selection`` (store, category, product, granularity, model_version) as columns."""
    if len(forecast80) != len(forecast95) or not forecast80["date"].equals(forecast95["date"]):
        raise ValueError("the 80% and 95% forecasts cover different periods; cannot export them together")
    forecast = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(forecast80["date"]).strftime("%Y-%m-%d"),
            "forecast": forecast80["forecast"].to_numpy(),
            "lower_80": forecast80["lower"].to_numpy(),
            "upper_80": forecast80["upper"].to_numpy(),
            "lower_95": forecast95["lower"].to_numpy(),
            "upper_95": forecast95["upper"].to_numpy(),
            "kind": "forecast",
        }
    )
    parts = [forecast]
    if history is not None and len(history):
        actual = pd.DataFrame(
            {
                "date": pd.DatetimeIndex(history.index).strftime("%Y-%m-%d"),
                "actual": history.to_numpy(dtype=float),
                "kind": "actual",
            }
        )
        parts.insert(0, actual)
    frame = pd.concat(parts, ignore_index=True).reindex(columns=EXPORT_COLUMNS)
    frame[NUMBERS] = frame[NUMBERS].astype(float).round(2)
    for column, value in (selection or {}).items():
        frame[column] = "" if value is None else spreadsheet_safe(value)
    return frame


def export_selection(state: ViewState, version: str | None, *, scoped_view: bool = False) -> dict[str, Any]:
    """The selection columns of an export (a store omitted = all stores, or the user's stores)."""
    return {
        "store": state.store or ("my stores" if scoped_view else "all stores"),
        "category": state.category if state.tab in ("category", "product") and state.category else "",
        "product": state.product if state.tab == "product" and state.product else "",
        "granularity": state.freq,
        "model_version": version or "",
    }


def export_filename(state: ViewState, extension: str) -> str:
    """A descriptive, filesystem-safe name: ``forecast_category_Loja-Centro_Bebidas_W13.csv``."""
    parts = ["forecast", state.tab, state.store or "all-stores"]
    if state.tab == "category" and state.category:
        parts.append(state.category)
    if state.tab == "product" and state.product:
        parts.append(state.product)
    parts.append(f"{state.freq}{state.horizon}")
    safe = [re.sub(r"[^0-9A-Za-z._-]+", "-", p).strip("-") for p in parts]
    return "_".join(safe) + f".{extension}"


def xlsx_bytes(
    frame: pd.DataFrame, state: ViewState, *, scoped_view: bool = False, version: str | None = None
) -> bytes:
    """The export as an Excel workbook (sheet ``Forecast``, plus a ``View`` sheet naming the selection)."""
    buffer = io.BytesIO()
    view = pd.DataFrame(
        {
            _("field"): [_(name) for name in VIEW_FIELDS],
            _("value"): [  # names come from uploaded files: never let one run as a formula
                spreadsheet_safe(value)
                for value in (
                    _(state.tab),
                    state.store or (_("my stores") if scoped_view else _("all stores")),
                    state.category or "",
                    state.product or "",
                    freq_text(state.freq).name,
                    state.horizon,
                    version or "",
                )
            ],
        }
    )
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        headings = {column: _(heading) for column, heading in XLSX_HEADINGS.items()}
        frame.rename(columns=headings).to_excel(writer, sheet_name=_("Forecast")[:31], index=False)
        view.to_excel(writer, sheet_name=_("View")[:31], index=False)
    return buffer.getvalue()


def forecast_download(
    holder: Any,
    state: ViewState,
    kind: str,
    scope: StoreScope = ALL_STORES,
    reported: ReportedSales | None = None,
) -> dict[str, Any] | None:
    """The ``dcc.Download`` payload of the view as ``csv`` or ``xlsx``: the history shown and the
    forecast with both intervals, as drawn (``reported``: the recorded sales the chart continues the
    model's history with). None when there is no forecast, also for a store outside the user's
    ``scope`` ("all stores" is then the sum of their stores)."""
    if kind not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {kind!r}; expected csv or xlsx")
    if holder is None or not scope.allows(state.store):
        return None
    source = scoped(HolderSource.of(holder), scope)
    sid = view_series_id(state)
    try:
        if sid not in source.model(state.tab).series_ids:
            return None
    except ModelUnavailableError:
        return None
    view = forecast_view(source, view_query(state), reported)
    version = source.version(state.tab)
    selection = export_selection(state, version, scoped_view=not scope.everything)
    frame = export_frame(view.forecast80, view.forecast95, view.history, selection)
    if kind == "csv":
        return dcc.send_data_frame(frame.to_csv, export_filename(state, "csv"), index=False)
    return dcc.send_bytes(
        xlsx_bytes(frame, state, scoped_view=not scope.everything, version=version),
        export_filename(state, "xlsx"),
    )


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the export callbacks: CSV/XLSX from the server, the chart's PNG and the copied link in
    the browser (``app/assets/20-view-tools.js``)."""

    app.clientside_callback(
        ClientsideFunction(namespace="trendsales", function_name="png"),
        Input(ids.EXPORT_PNG, "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="trendsales", function_name="copyLink"),
        Output(ids.COPY_LINK_STATUS, "children"),
        Input(ids.COPY_LINK, "n_clicks"),
        State(ids.COPY_LINK_DONE, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.EXPORT_CSV, "n_clicks"),
        Input(ids.EXPORT_XLSX, "n_clicks"),
        State({"type": ids.FILTER, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def export(_csv: int | None, _xlsx: int | None, _values: list[Any]) -> Any:
        kind = "xlsx" if ctx.triggered_id == ids.EXPORT_XLSX else "csv"
        state = view_state(filter_values(ctx.states_list[0]))
        scope = current_scope(services)
        reported = view_reported(services.holder, services.engine, cache, state, scope)
        payload = forecast_download(services.holder, state, kind, scope, reported)
        return payload if payload is not None else no_update
