"""The admin console writes numbers like the dashboard: pt-BR (thousands '.', decimal ',')."""

from __future__ import annotations

import pandas as pd

from callbacks.admin.registry import _fmt, version_rows
from callbacks.admin.training import level_text
from components.admin.common import format_number, format_pct, summary_cards
from components.admin.registry import VERSION_COLUMNS, backtest_figure
from models.registry import list_versions


def test_numbers_and_percentages_use_pt_br_separators():
    assert format_number(378_143) == "378.143"
    assert format_number(0.87649, 3) == "0,876"
    assert format_number(-1234.5, 1) == "-1.234,5"
    assert format_pct(0.1234) == "12,3%" and format_pct(0.1234, 2) == "12,34%"
    assert format_pct(None) == "–" and format_number(None) == "–"


def test_summary_cards_count_rows_the_pt_br_way():
    text = str(summary_cards({"rows": 378_143, "stores": 12, "products": 1_250}))
    assert "378.143" in text and "378,143" not in text and "12 / 1.250" in text


def test_registry_metrics_and_training_outcomes():
    assert _fmt("wape", 0.1234) == "12,34%" and _fmt("mase", 0.8764) == "0,876" and _fmt("mase", None) == "–"
    text = level_text({"version_id": "store-v2", "metrics": {"wape": 0.2}, "reason": "beats MASTER"})
    assert text == "version store-v2 (WAPE 20,0%) — beats MASTER"


def test_registry_grid_sorts_numbers_and_shows_pt_br_text(trained):
    services, first, _ = trained
    row = next(r for r in version_rows(list_versions(services.engine)) if r["id"] == first)
    assert isinstance(row["wape"], float) and row["wape_text"] == format_number(row["wape"], 2)
    assert "," in row["mase_text"] and "." not in row["mase_text"]
    wape = next(c for c in VERSION_COLUMNS if c["field"] == "wape")
    assert "wape_text" in wape["valueFormatter"]["function"]


def test_model_comparison_axis_reads_reais_not_k():
    dates = pd.date_range("2025-01-06", periods=4, freq="W-MON")
    frame = pd.DataFrame({"date": dates, "actual": [38_000.0, 41_000, 40_000, 39_500], "forecast": 40_000.0})
    fig = backtest_figure({"v1": frame, "v2": frame}, "t")
    assert fig.layout.separators == ",."
    labels = list(fig.layout.yaxis.ticktext)
    assert "R$ 40 mil" in labels and not any("k" in label for label in labels)
