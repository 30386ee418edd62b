"""Plotly figure builders: pure functions from data to ``go.Figure``."""

from __future__ import annotations

import plotly.graph_objects as go

from components.formatting import plotly_text

TEMPLATE = "plotly_white"


def empty_figure(message: str, *, height: int = 380) -> go.Figure:
    """A blank chart with a message in the middle (for empty states); the message is drawn as text."""
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": plotly_text(message), "showarrow": False, "font": {"size": 15}}],
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
        height=height,
    )
    return fig
