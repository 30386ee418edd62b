"""Names typed by users are drawn as text by every figure builder, never as Plotly's HTML subset."""

from __future__ import annotations

import pandas as pd
import pytest

from components.admin.registry import backtest_figure
from components.figures import empty_figure
from components.forecast_figures import breakdown_figure
from components.formatting import plotly_text

LINK = '<a href="https://evil.example/login">Loja Centro</a>'
SHOWN = '&lt;a href="https://evil.example/login"&gt;Loja Centro&lt;/a&gt;'


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (LINK, SHOWN),
        ("<b>Bold</b>", "&lt;b&gt;Bold&lt;/b&gt;"),
        ("Frios & Laticínios", "Frios &amp; Laticínios"),
        ("&lt;already&gt;", "&amp;lt;already&amp;gt;"),
        ("Loja Centro", "Loja Centro"),
        (42, "42"),
    ],
)
def test_plotly_text_escapes_markup(raw, text):
    assert plotly_text(raw) == text


def test_breakdown_labels_and_title_are_text_and_the_click_keeps_the_name():
    totals = pd.Series({LINK: 10.0, "Loja Praia": 5.0})
    fig = breakdown_figure(totals, title=f"Next 4 weeks in {LINK}", drill="store")
    bar = fig["data"][0]
    assert bar["y"] == ["Loja Praia", SHOWN]
    assert bar["name"] == f"Next 4 weeks in {SHOWN}"
    assert bar["customdata"] == ["Loja Praia", LINK]  # the drill-down gets the real name


def test_backtest_title_and_version_names_are_text():
    frame = pd.DataFrame(
        {"date": pd.date_range("2025-01-01", periods=3), "actual": [1.0] * 3, "forecast": [1.0] * 3}
    )
    fig = backtest_figure({"<b>v1</b>": frame}, f"Backtest on {LINK}")
    assert fig.layout.title.text == f"Backtest on {SHOWN}"
    assert [trace.name for trace in fig.data] == ["actual", "&lt;b&gt;v1&lt;/b&gt;"]


def test_empty_figure_message_is_text():
    fig = empty_figure(f"No sales for {LINK}.")
    assert fig.layout.annotations[0].text == f"No sales for {SHOWN}."
