"""Store tab: revenue history of the chosen store (or all stores) straight from the database."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output
from sqlalchemy import Engine

from components import ids
from components.figures import history_figure
from components.store import ALL_STORES
from data import storage


def store_history(engine: Engine, store: str | None) -> tuple[pd.Series, str]:
    """Daily (or dataset-frequency) revenue of one store or of all stores, with a chart title."""
    chosen = None if store in (None, ALL_STORES) else store
    series = storage.load_revenue_series(engine, store=chosen)
    return series, f"Revenue — {chosen or 'all stores'}"


def history_summary(series: pd.Series) -> str:
    """One line under the chart: span and total revenue of what is shown."""
    if series.empty:
        return ""
    return (
        f"{series.index.min():%d %b %Y} → {series.index.max():%d %b %Y} · "
        f"{len(series):,} periods · total R$ {series.sum():,.2f}"
    )


def register(app: Dash, services: Any) -> None:
    """Register the store-tab callbacks."""

    @app.callback(
        Output(ids.STORE_HISTORY_GRAPH, "figure"),
        Output(ids.STORE_HISTORY_SUMMARY, "children"),
        Input(ids.STORE_SELECT, "value"),
    )
    def update_history(store: str | None) -> tuple[go.Figure, str]:
        series, title = store_history(services.engine, store)
        return history_figure(series, title), history_summary(series)
