"""Plotly figure builders: pure functions from data to ``go.Figure``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

REVENUE_COLOR = "#0d6efd"
TEMPLATE = "plotly_white"


def empty_figure(message: str) -> go.Figure:
    """A blank chart with a message in the middle (for empty states)."""
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 15}}],
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
        height=380,
    )
    return fig


def history_figure(history: pd.Series, title: str) -> go.Figure:
    """Revenue history as a line with a range selector; hover shows the date and formatted revenue."""
    if history.empty:
        return empty_figure("No sales recorded for this selection yet.")
    fig = go.Figure(
        go.Scatter(
            x=history.index,
            y=history.to_numpy(),
            mode="lines",
            name="Revenue",
            line={"color": REVENUE_COLOR, "width": 1.5},
            hovertemplate="%{x|%a %d %b %Y}<br>R$ %{y:,.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01},
        height=420,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        yaxis={"title": "Revenue (R$)", "tickformat": ",.0f", "rangemode": "tozero"},
        xaxis={
            "rangeselector": {
                "buttons": [
                    {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
                    {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
                    {"step": "all", "label": "all"},
                ]
            },
            "rangeslider": {"visible": True, "thickness": 0.06},
            "type": "date",
        },
        showlegend=False,
    )
    return fig
