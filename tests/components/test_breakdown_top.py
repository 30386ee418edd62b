"""A breakdown draws its largest bars and one "Others" bar for the rest, which opens nothing."""

from __future__ import annotations

import pandas as pd

from callbacks.filters import drill_target
from components.forecast_figures import TOP_BARS, breakdown_figure, top_with_others
from components.state import ViewState


def test_the_largest_bars_are_kept_and_the_rest_summed_into_others():
    totals = pd.Series({f"Loja {i:03d}": float(i) for i in range(500)})
    shown, others = top_with_others(totals)
    assert others == 490
    assert list(shown.index) == [f"Loja {i:03d}" for i in range(499, 489, -1)] + ["Others (490)"]
    assert shown["Others (490)"] == sum(range(490))
    assert shown.sum() == totals.sum()


def test_a_single_leftover_is_drawn_as_itself():
    totals = pd.Series({f"C{i}": float(i) for i in range(TOP_BARS + 1)})
    shown, others = top_with_others(totals)
    assert others == 0 and list(shown.index) == [f"C{i}" for i in range(TOP_BARS, -1, -1)]


def test_the_others_bar_is_grey_and_not_a_drill_target():
    totals = pd.Series({f"P{i}": 100.0 - i for i in range(30)})
    bar = breakdown_figure(totals, title="Next 13 weeks", drill="product tab")["data"][0]
    assert len(bar["x"]) == TOP_BARS + 1
    assert bar["y"][0] == "Others (20)" and bar["customdata"][0] == ""
    assert bar["customdata"][-1] == "P0" and bar["x"][-1] == 100.0  # largest on top
    assert bar["marker"]["color"][0] != bar["marker"]["color"][1]
    assert "Click" not in bar["hovertemplate"][0] and "Click" in bar["hovertemplate"][1]
    # The drill-down follows customdata: each named bar opens its own view.
    path, view = drill_target(ViewState("category", category="Food"), bar["customdata"][-1])
    assert (path, view.product) == ("/product", "P0")
