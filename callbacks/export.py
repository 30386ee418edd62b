"""Export of the forecast shown: CSV and XLSX downloads (the chart PNG comes from Plotly's toolbar)."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.forecast import filter_values, view_series_id
from callbacks.guards import current_scope
from callbacks.inputs import view_state
from components import ids
from components.formatting import freq_text
from components.i18n import N_, _
from components.state import ViewState
from data.cells import spreadsheet_safe
from models.holder import ModelUnavailableError
from services.forecast_view import HolderSource, band_forecasts
from services.scoping import ALL_STORES, StoreScope, scoped

EXPORT_COLUMNS = ["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
# The workbook's headings for people (the CSV keeps the column names above: a stable data format).
XLSX_HEADINGS = {
    "date": N_("Date"),
    "forecast": N_("Forecast (R$)"),
    "lower_80": N_("Lower 80% (R$)"),
    "upper_80": N_("Upper 80% (R$)"),
    "lower_95": N_("Lower 95% (R$)"),
    "upper_95": N_("Upper 95% (R$)"),
}
VIEW_FIELDS = (N_("tab"), N_("store"), N_("category"), N_("product"), N_("granularity"), N_("horizon"))


def export_frame(forecast80: pd.DataFrame, forecast95: pd.DataFrame) -> pd.DataFrame:
    """One row per forecast period: date (ISO), forecast and both intervals, rounded to centavos."""
    if len(forecast80) != len(forecast95) or not forecast80["date"].equals(forecast95["date"]):
        raise ValueError("the 80% and 95% forecasts cover different periods; cannot export them together")
    frame = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(forecast80["date"]).strftime("%Y-%m-%d"),
            "forecast": forecast80["forecast"].to_numpy(),
            "lower_80": forecast80["lower"].to_numpy(),
            "upper_80": forecast80["upper"].to_numpy(),
            "lower_95": forecast95["lower"].to_numpy(),
            "upper_95": forecast95["upper"].to_numpy(),
        }
    )
    numbers = EXPORT_COLUMNS[1:]
    frame[numbers] = frame[numbers].astype(float).round(2)
    return frame


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


def xlsx_bytes(frame: pd.DataFrame, state: ViewState, *, scoped_view: bool = False) -> bytes:
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
    holder: Any, state: ViewState, kind: str, scope: StoreScope = ALL_STORES
) -> dict[str, Any] | None:
    """The ``dcc.Download`` payload of the view's forecast as ``csv`` or ``xlsx`` (None when unavailable,
    also for a store outside the user's ``scope``; "all stores" is then the sum of their stores)."""
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
    frame = export_frame(*band_forecasts(source, state.tab, sid, state.horizon, state.freq))
    if kind == "csv":
        return dcc.send_data_frame(frame.to_csv, export_filename(state, "csv"), index=False)
    return dcc.send_bytes(
        xlsx_bytes(frame, state, scoped_view=not scope.everything), export_filename(state, "xlsx")
    )


def register(app: Dash, services: Any) -> None:
    """Register the export callback."""

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
        payload = forecast_download(services.holder, state, kind, current_scope(services))
        return payload if payload is not None else no_update
