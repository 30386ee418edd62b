"""The main chart's layout: short pt-BR money ticks that fit, and a legend that keeps out of the axes."""

from __future__ import annotations

import pandas as pd
import pytest

from components.forecast_figures import (
    GRAPH_CONFIG,
    LEGEND_ROW_PX,
    MODEBAR_PX,
    TOP_GAP_PX,
    breakdown_figure,
    forecast_figure,
    money_ticks,
    nice_step,
    short_money,
)

DATES = pd.DatetimeIndex(["2026-11-01", "2026-12-01", "2027-01-01"])


def monthly(history_level: float, spread: float, *, backtest: bool = False) -> dict:
    history = pd.Series(history_level, index=pd.date_range("2025-11-01", periods=12, freq="MS"))
    frame = pd.DataFrame(
        {
            "date": DATES,
            "forecast": history_level,
            "lower": history_level - spread,
            "upper": history_level + spread,
        }
    )
    bt = None
    if backtest:
        bt = pd.DataFrame(
            {"date": history.index[-3:], "actual": history_level, "forecast": history_level, "fold": 0}
        )
    last_year = pd.Series(history_level, index=DATES)
    return forecast_figure(history, frame, frame, freq="M", last_year=last_year, backtest=bt)


@pytest.mark.parametrize(
    ("span", "step"), [(3_700_000, 1_000_000), (420_000, 100_000), (1_300, 500), (7, 2), (0, 1)]
)
def test_nice_step_gives_about_five_round_intervals(span, step):
    assert nice_step(span) == step


@pytest.mark.parametrize(
    ("value", "step", "text"),
    [
        (0, 500_000, "R$ 0"),
        (3_500_000, 500_000, "R$ 3,5 mi"),
        (3_000_000, 1_000_000, "R$ 3 mi"),
        (1_250_000, 250_000, "R$ 1,25 mi"),
        (400_000, 100_000, "R$ 400 mil"),
        (2_500, 500, "R$ 2,5 mil"),
        (950, 50, "R$ 950"),
        (1.5, 0.5, "R$ 1,5"),
        (2_000_000_000, 1_000_000_000, "R$ 2 bi"),
    ],
)
def test_short_money_labels_are_pt_br_and_as_precise_as_the_step(value, step, text):
    assert short_money(value, step) == text


def test_money_ticks_cover_every_value_with_distinct_short_labels():
    ticks = money_ticks([{"y": [120_000.0, None, 3_480_000.0]}, {"y": [3_700_000.0]}])
    assert ticks["tickmode"] == "array"
    assert ticks["tickvals"][0] == 0 and ticks["tickvals"][-1] >= 3_700_000
    assert ticks["ticktext"] == ["R$ 0", "R$ 1 mi", "R$ 2 mi", "R$ 3 mi", "R$ 4 mi"]
    assert money_ticks([{"y": [None]}]) == {}


def test_y_axis_labels_are_short_and_make_room_for_themselves():
    # The reviewer's case: a monthly all-stores view in the millions showed "$ 3.500.000" cut off.
    yaxis = monthly(3_400_000.0, 400_000.0)["layout"]["yaxis"]
    assert yaxis["automargin"] is True
    assert all(len(text) <= len("R$ 3,5 mi") for text in yaxis["ticktext"])
    assert "tickprefix" not in yaxis and "R$ 4 mi" in yaxis["ticktext"]


def test_legend_is_above_the_plot_with_room_for_its_rows_and_beside_the_toolbar():
    layout = monthly(300_000.0, 50_000.0)["layout"]
    legend = layout["legend"]
    assert legend["yref"] == "container" and legend["y"] == 1 and legend["yanchor"] == "top"
    # The legend wraps inside the plot's width; the vertical toolbar has the right margin to itself.
    assert legend["xref"] == "paper" and layout["modebar"]["orientation"] == "v"
    assert layout["margin"]["r"] == MODEBAR_PX
    assert layout["margin"]["t"] == LEGEND_ROW_PX + TOP_GAP_PX
    # With the backtest the six entries wrap to two rows on a tablet: both are reserved.
    assert (
        monthly(300_000.0, 50_000.0, backtest=True)["layout"]["margin"]["t"] == 2 * LEGEND_ROW_PX + TOP_GAP_PX
    )


def test_toolbar_offers_no_cloud_upload_and_no_logo():
    assert GRAPH_CONFIG["displaylogo"] is False
    assert GRAPH_CONFIG["showSendToCloud"] is False and GRAPH_CONFIG["showEditInChartStudio"] is False
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= set(
        GRAPH_CONFIG["modeBarButtonsToRemove"]
    )


def test_x_axis_spans_the_history_shown_and_the_forecast_only():
    """No range buttons counting back from the axis end; the range ends half a month after the forecast."""
    xaxis = monthly(300_000.0, 50_000.0)["layout"]["xaxis"]
    assert "rangeselector" not in xaxis
    assert xaxis["autorange"] is False
    first, last = (pd.Timestamp(v) for v in xaxis["range"])
    assert pd.Timestamp("2025-10-15") <= first < pd.Timestamp("2025-11-01")
    assert pd.Timestamp("2027-01-01") < last <= pd.Timestamp("2027-01-17")


def test_last_actual_and_first_forecast_are_joined():
    data = monthly(300_000.0, 50_000.0)["data"]
    joint = next(t for t in data if t["name"] == "Forecast start")
    assert joint["x"] == ["2026-10-01", "2026-11-01"] and joint["showlegend"] is False
    assert joint["y"] == [300_000.0, 300_000.0]


def test_first_date_label_stands_clear_of_the_zero_tick():
    assert monthly(300_000.0, 50_000.0)["layout"]["xaxis"]["ticklabelstandoff"] >= 8


def test_breakdown_ticks_use_the_same_short_money_form_as_the_main_chart():
    totals = pd.Series({"Bebidas": 420_000.0, "Eletro": 180_000.0})
    xaxis = breakdown_figure(totals, title="Next 3 months", drill=None)["layout"]["xaxis"]
    assert "tickformat" not in xaxis and "tickprefix" not in xaxis
    assert xaxis["ticktext"] == ["R$ 0", "R$ 100 mil", "R$ 200 mil", "R$ 300 mil", "R$ 400 mil", "R$ 500 mil"]


def test_legend_lists_history_and_forecast_first():
    data = monthly(300_000.0, 50_000.0)["data"]
    shown = sorted((t for t in data if t.get("showlegend", True)), key=lambda t: t["legendrank"])
    assert [t["name"] for t in shown][:2] == ["History", "Forecast"]
