"""Plotly figure builders: pure functions from data to ``go.Figure``."""

from __future__ import annotations

import plotly.graph_objects as go

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
