"""Figure builders, KPI numbers and the model card's plain words."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from components.forecast_figures import breakdown_figure, forecast_figure
from components.kpis import change_badge, compute_kpis, kpi_cards
from components.model_card import ModelFacts, accuracy_sentences, model_card, model_name

DATES = pd.DatetimeIndex(["2025-07-07", "2025-07-14", "2025-07-21"])
HISTORY = pd.Series([100.0, 110.0, 120.0], index=pd.DatetimeIndex(["2025-06-16", "2025-06-23", "2025-06-30"]))


def forecast(point: float, spread: float) -> pd.DataFrame:
    return pd.DataFrame({"date": DATES, "forecast": point, "lower": point - spread, "upper": point + spread})


def test_forecast_figure_draws_history_forecast_and_both_bands():
    last_year = pd.Series([90.0, float("nan"), 95.0], index=DATES)
    backtest = pd.DataFrame(
        {
            "date": HISTORY.index,
            "actual": HISTORY.to_numpy(),
            "forecast": [98.0, 112.0, 119.0],
            "fold": [0, 0, 1],
        }
    )
    fig = forecast_figure(
        HISTORY,
        forecast(130.0, 10.0),
        forecast(130.0, 25.0),
        freq="W",
        last_year=last_year,
        backtest=backtest,
    )
    names = [t["name"] for t in fig["data"]]
    for name in (
        "History",
        "Forecast",
        "80% interval",
        "95% interval",
        "Same period last year",
        "Backtest forecast",
    ):
        assert name in names
    by_name = {t["name"]: t for t in fig["data"]}
    assert by_name["History"]["y"] == [100.0, 110.0, 120.0]
    assert by_name["80% interval"]["fill"] == "tonexty" and by_name["80% interval"]["y"] == [140.0] * 3
    assert by_name["95% interval lower"]["y"] == [105.0] * 3
    assert (
        by_name["Same period last year"]["y"][1] is None
        and by_name["Same period last year"]["line"]["dash"] == "dot"
    )
    assert by_name["Backtest forecast"]["x"][2] is None  # a gap between folds
    layout = fig["layout"]
    assert layout["shapes"][0]["x0"] == "2025-07-07"  # the forecast-start line
    assert layout["separators"] == ",." and layout["xaxis"]["rangeslider"]["visible"]
    assert layout["xaxis"]["title"]["text"].startswith("Week")
    json.loads(to_json_plotly(fig))  # serialisable as Dash sends it


def test_history_only_figure_has_no_forecast_line():
    empty = pd.DataFrame({"date": [], "forecast": [], "lower": [], "upper": []})
    fig = forecast_figure(HISTORY, empty, empty, freq="M")
    assert [t["name"] for t in fig["data"]] == ["History"]
    assert fig["layout"]["shapes"] == []


def test_breakdown_bars_largest_on_top_with_drill_labels():
    fig = breakdown_figure(
        pd.Series({"Bebidas": 50.0, "Eletro": 300.0, "Limpeza": 10.0}), title="t", drill="category tab"
    )
    bar = fig["data"][0]
    assert bar["y"] == ["Limpeza", "Bebidas", "Eletro"]  # Plotly draws the last one on top
    assert bar["customdata"] == bar["y"] and "category tab" in bar["hovertemplate"]


def test_kpis_compare_next_period_with_last_year():
    kpis = compute_kpis(
        HISTORY, forecast(130.0, 10.0), forecast(130.0, 25.0), pd.Series([100.0, 1.0, 1.0], index=DATES), "W"
    )
    assert kpis.last_value == 120.0 and kpis.last_period == pd.Timestamp("2025-06-30")
    assert kpis.next_value == 130.0 and kpis.change == pytest.approx(0.3)
    assert (kpis.lower80, kpis.upper80, kpis.lower95, kpis.upper95) == (120.0, 140.0, 105.0, 155.0)
    assert kpis.horizon == 3 and kpis.horizon_total == 390.0
    text = str(kpi_cards(kpis))
    assert "R$ 130" in text and "+30,0%" in text and "week of 07 Jul 2025" in text


def test_kpis_without_last_year_say_so():
    kpis = compute_kpis(
        HISTORY, forecast(5.0, 1.0), forecast(5.0, 2.0), pd.Series([float("nan")] * 3, index=DATES), "W"
    )
    assert kpis.change is None and "no sales recorded a year earlier" in str(kpi_cards(kpis))
    assert change_badge(-0.2)[2] == "text-danger" and change_badge(0.2)[2] == "text-success"
    with pytest.raises(ValueError, match="empty forecast"):
        compute_kpis(HISTORY, forecast(1, 1).iloc[:0], forecast(1, 1).iloc[:0], pd.Series(dtype=float), "W")


def test_next_period_says_how_much_of_it_is_already_recorded():
    """A week the data ends in is mostly recorded sales: the KPI and the chart note say so."""
    week = pd.DataFrame(
        {"date": pd.to_datetime(["2025-10-27", "2025-11-03"]), "forecast": 7.0, "lower": 6.0, "upper": 8.0}
    )
    no_year = pd.Series([float("nan")] * 2, index=week["date"])
    kpis = compute_kpis(HISTORY, week, week, no_year, "W", data_end=pd.Timestamp("2025-11-01"))
    assert (kpis.recorded_days, kpis.period_days) == (6, 7)
    assert "week of 27 Oct 2025 (6 of 7 days already recorded, the rest forecast)" in str(kpi_cards(kpis))
    whole = compute_kpis(HISTORY, week, week, no_year, "W", data_end=pd.Timestamp("2025-10-26"))
    assert whole.recorded_days == 0 and "already recorded" not in str(kpi_cards(whole))


def test_model_card_in_plain_words():
    facts = ModelFacts(
        level="store",
        version="store-1",
        data_freq="D",
        data_range=(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30")),
        metrics={"wape": 0.08, "mase": 0.7, "coverage_80": 0.79, "coverage_95": 0.94},
        baseline={"wape": 0.1231, "mase": 0.95},
        params={"family": "theta"},
        trained_at=dt.datetime(2025, 7, 1, 2, 30),
    )
    lines = accuracy_sentences(facts)
    # The units are said, so a monthly view's card does not read as a monthly error or a weekly rule.
    assert lines[0] == "Typical error per day: 8% of revenue (WAPE in back-tests)."
    assert lines[1] == (
        "35% better than the simple rule of repeating last week on daily data "
        "(its typical error per day: 12%)."
    )
    assert "MASE 0,70 vs 0,95" in lines[2]  # one number format: the card's percentages are pt-BR too
    assert "79%" in lines[3] and "94%" in lines[3]
    card = str(model_card(facts))
    # trained 02:30 UTC = 23:30 the day before in São Paulo (TRENDSALES_TIMEZONE), with the zone named
    assert (
        "Theta method" in card
        and "6/30/25, 11:30" in card
        and "(Brasilia Time)" in card
        and "store-1" in card
    )
    worse = ModelFacts("store", "v", "W", facts.data_range, {"wape": 0.2}, {"wape": 0.1})
    assert (
        "100% worse than the simple rule of repeating the same week last year on weekly data"
        in (accuracy_sentences(worse)[1])
    )
    assert model_name({}) == "Unknown" and model_name({"family": "new_family"}) == "New family"
