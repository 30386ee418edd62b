"""Names typed by users are drawn as text by every figure builder, never as Plotly's HTML subset."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from components.admin.registry import backtest_figure
from components.admin.reporting import reporting_figure
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


def test_top_bars_with_others_keep_names_as_text():
    """Twelve or more items: the ten largest (one named with HTML) and the 'Others (k)' bar, all text;
    the drill-down still receives the real name and the 'Others' bar none."""
    totals = pd.Series({LINK: 1000.0, **{f"Loja {i:02d}": float(100 - i) for i in range(20)}})
    bar = breakdown_figure(totals, title="Next 13 weeks", drill="store")["data"][0]
    assert bar["y"][-1] == SHOWN and bar["y"][0] == "Others (11)"
    assert not any("<" in label for label in bar["y"])
    assert bar["customdata"][-1] == LINK and bar["customdata"][0] == ""


def test_reporting_heat_map_draws_store_names_as_text():
    """Admin › Data's reporting chart: rows (category ticks), their order and the hover are text."""
    periods = [dt.date(2025, 6, d) for d in (1, 2, 3)]
    fig = reporting_figure(periods, [LINK, "Loja Praia"], [[True, False, None], [True, True, True]], freq="D")
    labels = {label for trace in fig.data for label in trace.y}
    assert labels == {SHOWN, "Loja Praia"}
    assert list(fig.layout.yaxis.categoryarray) == [SHOWN, "Loja Praia"]
    hovers = [text for trace in fig.data for text in trace.text]
    assert hovers and not any("<a" in text for text in hovers)
