"""The breakdown says that its bars are each series' own forecast and how their sum compares."""

from __future__ import annotations

import pandas as pd
import pytest

from callbacks.breakdown import breakdown_links, breakdown_note, breakdown_series
from callbacks.forecast import render_view, view_query
from components.forecast_figures import TOP_BARS
from components.formatting import format_brl
from components.state import ViewState
from services.forecast_view import HolderSource, breakdown_totals, forecast_view


def test_store_tab_note_gives_both_sums():
    # The reviewer's case: category bars summing to R$ 27.701.737 under a R$ 27.482.749 headline.
    totals = pd.Series({"Bebidas": 12_000_000.0, "Mercearia": 9_701_737.0, "Limpeza": 6_000_000.0})
    note = breakdown_note(totals, 27_482_749.0, ViewState("store", freq="M", horizon=12))
    assert note == (
        "Each category is forecast on its own, so the bars need not add up to the total above: "
        "the 3 categories come to R$ 27.701.737; the forecast for all stores is R$ 27.482.749."
    )


def test_reconciled_bars_are_said_to_add_up():
    # Published forecasts are reconciled: the bars' sum is the headline up to float rounding.
    totals = pd.Series({"Bebidas": 12_000_000.25, "Mercearia": 9_482_749.0, "Limpeza": 6_000_000.0})
    note = breakdown_note(totals, 27_482_749.2500001, ViewState("store", freq="M", horizon=12))
    assert note == (
        "The bars add up to the total above: the 3 categories come to R$ 27.482.749, "
        "the forecast for all stores."
    )
    off_by_one = breakdown_note(totals, 27_482_750.25, ViewState("store", freq="M", horizon=12))
    assert "need not add up" in off_by_one


def test_category_tab_counts_every_product_not_only_the_bars_drawn():
    totals = pd.Series({f"P{i}": 10.0 for i in range(TOP_BARS + 2)})
    note = breakdown_note(totals, 100.0, ViewState("category", store="Loja A", category="Bebidas"))
    assert (
        f"all {TOP_BARS + 2} products (the chart shows the {TOP_BARS} largest and the others together) "
        "come to R$ 120" in note
    )
    assert note.endswith("the forecast for Bebidas in Loja A is R$ 100.")


@pytest.mark.parametrize(
    ("state", "headline", "text"),
    [
        (
            ViewState("product", store="Loja A", product="P"),
            5.0,
            "Each bar is this product's own forecast in that store.",
        ),
        (ViewState("store"), None, "Each category is forecast on its own."),
    ],
)
def test_no_sum_is_compared_when_the_headline_is_another_series(state, headline, text):
    assert breakdown_note(pd.Series({"x": 1.0}), headline, state) == text
    assert breakdown_note(pd.Series(dtype=float), headline, state) is None


def test_rendered_store_view_bars_add_up_to_the_headline(holder, trained_engine, cache):
    """The served (reconciled) category bars sum to the all-stores headline, and the note says so."""
    state = ViewState("store", freq="M", horizon=6)
    out = render_view(holder, trained_engine, cache, state)
    level, series, _ = breakdown_series(state, cache.get())
    source = HolderSource.of(holder)
    totals = breakdown_totals(source, level, series, freq=state.freq, horizon=state.horizon)
    headline = float(forecast_view(source, view_query(state)).forecast80["forecast"].sum())
    assert float(totals.sum()) == pytest.approx(headline, rel=1e-6)
    assert out.breakdown_note == (
        f"The bars add up to the total above: the {len(totals)} categories come to "
        f"{format_brl(headline)}, the forecast for all stores."
    )
    assert out.as_tuple()[7] == out.breakdown_note


def test_breakdown_links_follow_the_charts_bars_and_skip_others():
    """The keyboard list is the chart's list: the TOP_BARS largest, largest first, no "Others" link
    (that bar opens nothing); with one item left over, it is drawn and listed as itself."""
    totals = pd.Series({f"P{i:02d}": float(100 - i) for i in range(TOP_BARS + 5)})
    state = ViewState("category", category="Bebidas", freq="M", horizon=3)
    items = breakdown_links(totals.sample(frac=1, random_state=1), state).children[1].children
    labels = [item.children[0].children for item in items]
    assert labels == [f"P{i:02d}" for i in range(TOP_BARS)]
    assert all("product=" in item.children[0].href for item in items)
    one_over = totals.head(TOP_BARS + 1)
    assert len(breakdown_links(one_over, state).children[1].children) == TOP_BARS + 1
